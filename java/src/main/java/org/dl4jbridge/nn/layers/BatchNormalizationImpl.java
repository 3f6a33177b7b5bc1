package org.dl4jbridge.nn.layers;

import java.nio.FloatBuffer;
import org.dl4jbridge.nn.conf.layers.BatchNormalization;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.BatchNorm;

/**
 * Batch normalization on ops-core's BatchNorm. Training uses batch statistics and, after the
 * parameter update, moves the running statistics ({@code s = decay*s + (1-decay)*batch}); inference
 * uses the running statistics. With {@code useLogStd} the stored value is {@code log10(sqrt(var))},
 * i.e. {@code var = 10^(2*log10stdev)} (normalization divides by {@code sqrt(var + eps)}).
 * DL4J's BN forward does not apply the configured activation function (see the configuration class).
 */
public class BatchNormalizationImpl extends AbstractLayer {
    private final BatchNormalization bn;
    private BatchNorm.Stats stats;
    private BatchNorm.Stats pending;

    public BatchNormalizationImpl(BatchNormalization conf) {
        super(conf);
        this.bn = conf;
    }

    private int channels() { return (int) (bn.getNOut() > 0 ? bn.getNOut() : bn.getNIn()); }

    private NDArray gamma() { return params.containsKey("gamma") ? params.get("gamma") : constant(bn.getGamma()); }
    private NDArray beta() { return params.containsKey("beta") ? params.get("beta") : constant(bn.getBeta()); }

    private NDArray constant(double v) { return NDArray.zeros(channels()).assign((float) v); }

    /** The running variance (converted from log10 std when stored that way). */
    private NDArray runningVar() {
        if (!bn.isUseLogStd()) return params.get("var");
        NDArray l = params.get("log10stdev");
        NDArray v = NDArray.zeros(l.length());
        for (int i = 0; i < l.length(); i++) v.put(i, (float) Math.pow(10.0, 2.0 * l.get(i)));
        return v;
    }

    private void check(NDArray x) {
        if ((x.rank() != 2 && x.rank() != 4) || x.size(1) != channels()) {
            throw shapeError("[minibatch, " + channels() + "] or [minibatch, " + channels() + ", height, width]", x);
        }
    }

    @Override
    protected NDArray forward(NDArray x, boolean training) {
        check(x);
        x = x.contiguous();
        NDArray out = newArray(x.shape());   // both transforms overwrite it
        if (training) {
            stats = BatchNorm.training(x, gamma(), beta(), bn.getEps(), out);
        } else {
            stats = null;
            BatchNorm.inference(x, gamma(), beta(), params.get("mean"), runningVar(), bn.getEps(), out);
        }
        return out;
    }

    /**
     * The inference transform as {@code y = x * scale[c] + shift[c]} ({@code {scale, shift}}), with
     * the running statistics: what a preceding convolution folds into its weights and bias.
     */
    public float[][] inferenceScaleShift() {
        int c = channels();
        // Bulk reads: the inference plan calls this for every folded batch norm on every pass.
        float[] g = gamma().toFloatArray(), b = beta().toFloatArray(), m = params.get("mean").toFloatArray(),
                v = runningVar().toFloatArray();
        float[] scale = new float[c], shift = new float[c];
        for (int i = 0; i < c; i++) {
            scale[i] = (float) (g[i] / Math.sqrt(v[i] + bn.getEps()));
            shift[i] = b[i] - m[i] * scale[i];
        }
        return new float[][] {scale, shift};
    }

    /** Channels this layer normalizes. */
    public int numChannels() { return channels(); }

    @Override
    protected NDArray backward(NDArray eps, boolean needInputGradient) {
        NDArray dy = eps.contiguous();
        if (stats == null) return inferenceBackward(dy);
        NDArray dx = newArray(dy.shape());   // overwritten
        BatchNorm.backward(input, dy, gamma(), stats, dx, grads.get("gamma"), grads.get("beta"));
        pending = stats;
        return needInputGradient ? dx : null;
    }

    // TODO(ops-core): an inference-mode BatchNorm backward op; this loop serves FrozenLayerWithBackprop only.
    private NDArray inferenceBackward(NDArray dy) {
        NDArray g = gamma(), v = runningVar();
        int c = channels(), plane = dy.rank() == 4 ? dy.size(2) * dy.size(3) : 1, mb = dy.size(0);
        NDArray dx = NDArray.zeros(dy.shape());
        FloatBuffer src = dy.buffer(), dst = dx.buffer();
        for (int n = 0; n < mb; n++) {
            for (int ch = 0; ch < c; ch++) {
                float s = (float) (g.get(ch) / Math.sqrt(v.get(ch) + bn.getEps()));
                int base = (n * c + ch) * plane;
                for (int i = 0; i < plane; i++) dst.put(dx.offset() + base + i, src.get(dy.offset() + base + i) * s);
            }
        }
        return dx;
    }

    @Override
    public void applyPendingUpdates() {
        if (pending == null) return;
        NDArray mean = params.get("mean");
        if (bn.isUseLogStd()) {
            NDArray l = params.get("log10stdev");
            NDArray v = runningVar();
            BatchNorm.updateRunningStats(pending, mean, v, bn.getDecay());
            for (int i = 0; i < l.length(); i++) l.put(i, (float) (0.5 * Math.log10(v.get(i))));
        } else {
            BatchNorm.updateRunningStats(pending, mean, params.get("var"), bn.getDecay());
        }
        pending = null;
    }

    @Override public void clearCaches() { super.clearCaches(); stats = null; }
}
