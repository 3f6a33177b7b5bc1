package org.dl4jbridge.nn.updater;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.dl4jbridge.nn.conf.GradientNormalization;
import org.dl4jbridge.nn.conf.regularization.Regularization;
import org.dl4jbridge.ndarray.NDArray;

/**
 * The network's updater (DL4J: BaseMultiLayerUpdater, DL4J_SPEC 2.8, 6.1): parameters in parameter
 * order, consecutive ones with equal updater configurations merged into blocks, each block owning a
 * contiguous slice of one flat state vector (Nesterovs: v; Adam: m then v; RmsProp: r; Sgd/NoOp: none).
 *
 * <p>One step: gradient / minibatch size, the layer's gradient normalization/clipping, then per block
 * L1/L2 added to the gradient, the updater rule, weight decay added to the update, and
 * {@code theta -= update}. Fixed segments (frozen layers, batch-norm running statistics, which the
 * layer updates itself) are left untouched. A trainable parameter whose updater is NoOp is not: as in
 * DL4J 1.0.0-M2.1, NoOp passes the (averaged, regularized) gradient through unchanged and the step
 * subtracts it (measured against DL4J in compat/'s SameTrainingTest).
 */
public final class NetworkUpdater {
    /** One parameter of one layer and where it lies in the flat parameter vector. */
    public record Segment(String layer, String param, int offset, int length, IUpdater updater, List<Regularization> regularization,
                          GradientNormalization normalization, double threshold, boolean fixed) {
        /** A segment that the updater changes ({@code fixed} false). */
        public Segment(String layer, String param, int offset, int length, IUpdater updater, List<Regularization> regularization,
                       GradientNormalization normalization, double threshold) {
            this(layer, param, offset, length, updater, regularization, normalization, threshold, false);
        }

        public Segment(String layer, String param, int offset, int length, IUpdater updater, List<Regularization> regularization) {
            this(layer, param, offset, length, updater, regularization, GradientNormalization.None, 1.0);
        }
    }

    /** A run of segments sharing one updater configuration. */
    public record Block(IUpdater updater, int paramOffset, int length, int stateOffset, int stateLength, List<Segment> segments) {}

    private final List<Block> blocks = new ArrayList<>();
    private final List<Segment> segments;
    private final int stateLength;
    /**
     * Allocated at first use (the first update, or a read or write of the state): a network that only
     * infers, such as a zoo model used as a transfer-learning base, then never holds a state as large
     * as its trainable parameters.
     */
    private NDArray state;

    public NetworkUpdater(List<Segment> segments) {
        this.segments = List.copyOf(segments);
        int stateOff = 0;
        List<Segment> run = new ArrayList<>();
        for (Segment s : segments) {
            if (!run.isEmpty()) {
                Segment last = run.get(run.size() - 1);
                boolean contiguous = last.offset() + last.length() == s.offset();
                if (!contiguous || !last.updater().equals(s.updater())) {
                    stateOff = addBlock(run, stateOff);
                    run = new ArrayList<>();
                }
            }
            run.add(s);
        }
        if (!run.isEmpty()) stateOff = addBlock(run, stateOff);
        stateLength = stateOff;
    }

    private NDArray state() {
        if (state == null) {
            NDArray s = NDArray.zeros(stateLength);
            for (Block b : blocks) {
                float init = b.updater().initialStateValue();
                if (init != 0f) s.flatSlice(b.stateOffset(), b.stateLength()).assign(init);
            }
            state = s;
        }
        return state;
    }

    private int addBlock(List<Segment> run, int stateOff) {
        int off = run.get(0).offset();
        int len = 0;
        for (Segment s : run) len += s.length();
        IUpdater u = run.get(0).updater();
        int stateLen = (int) u.stateSize(len);
        blocks.add(new Block(u, off, len, stateOff, stateLen, List.copyOf(run)));
        return stateOff + stateLen;
    }

    public List<Block> getBlocks() { return List.copyOf(blocks); }
    public List<Segment> getSegments() { return segments; }
    public long stateSize() { return stateLength; }

    /** The flat state vector (DL4J: getStateViewArray), rank 1. */
    public NDArray getStateViewArray() { return state(); }

    /** Replaces the state (as restored from updaterState.bin); only the length is checked, as DL4J does. */
    public void setStateViewArray(NDArray newState) {
        if (newState.length() != stateLength) {
            throw new IllegalArgumentException("updater state has " + newState.length() + " values but this network's updater needs "
                    + stateLength + " (blocks: " + describe() + ")");
        }
        state().assign(newState.reshape(newState.length()));
    }

    /**
     * Copies the updater state of every parameter of {@code layers} from {@code from}, a network
     * updater over the same layers (TransferLearningHelper: the unfrozen subgraph and the full
     * graph). Blocks may be cut differently in the two; a block's state is {@code k} vectors of the
     * block's length (Adam: m then v), so each parameter's values are found per state vector.
     */
    public void copyStateFrom(NetworkUpdater from, java.util.Set<String> layers) {
        for (Block b : blocks) {
            for (Segment s : b.segments()) {
                if (!layers.contains(s.layer())) continue;
                Block fb = from.blockOf(s.layer(), s.param());
                Segment fs = fb == null ? null : fb.segments().stream()
                        .filter(x -> x.layer().equals(s.layer()) && x.param().equals(s.param())).findFirst().orElse(null);
                if (fs == null || fs.length() != s.length() || !fb.updater().equals(b.updater())) {
                    throw new IllegalStateException("cannot copy the updater state of " + s.layer() + "_" + s.param()
                            + ": the other network's updater " + (fs == null ? "lacks it" : "differs (" + fb.updater()
                            + " over " + fs.length() + " values, here " + b.updater() + " over " + s.length() + ")"));
                }
                int kinds = b.length() == 0 ? 0 : b.stateLength() / b.length();
                for (int k = 0; k < kinds; k++) {
                    NDArray fromState = from.state(), toState = state();
                    int src = fromState.offset() + fb.stateOffset() + k * fb.length() + (fs.offset() - fb.paramOffset());
                    int dst = toState.offset() + b.stateOffset() + k * b.length() + (s.offset() - b.paramOffset());
                    for (int i = 0; i < s.length(); i++) toState.buffer().put(dst + i, fromState.buffer().get(src + i));
                }
            }
        }
    }

    private Block blockOf(String layer, String param) {
        for (Block b : blocks) {
            for (Segment s : b.segments()) if (s.layer().equals(layer) && s.param().equals(param)) return b;
        }
        return null;
    }

    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (Block b : blocks) {
            if (sb.length() > 0) sb.append("; ");
            sb.append(b.updater()).append(" params[").append(b.paramOffset()).append(',').append(b.paramOffset() + b.length())
                    .append(") state ").append(b.stateLength());
        }
        return sb.toString();
    }

    /** Sum of the regularization score terms over all trainable parameters (DL4J_SPEC 6.3). */
    public double regularizationScore(NDArray params) {
        double s = 0;
        FloatBuffer p = params.buffer();
        for (Segment seg : segments) {
            for (Regularization r : seg.regularization()) s += r.score(p, params.offset() + seg.offset(), seg.length());
        }
        return s;
    }

    /** One update step from summed gradients {@code grads} for a minibatch of {@code miniBatchSize}. */
    public void update(NDArray params, NDArray grads, int miniBatchSize, boolean divideByMiniBatch, int iteration, int epoch) {
        NDArray state = state();
        FloatBuffer p = params.buffer(), g = grads.buffer(), st = state.buffer();
        int po = params.offset(), go = grads.offset(), so = state.offset();
        // Divided, not multiplied by 1/n: DL4J divides (measured: with a minibatch of 5, g * 0.2f left RmsProp's
        // state 1 ulp apart in 7 of 51 values after one step), and one rounding is the more accurate anyway.
        float divisor = divideByMiniBatch ? miniBatchSize : 1f;
        java.util.Set<Segment> fusedSegments = new java.util.HashSet<>();
        for (Block b : blocks) {
            if (!fusable(b)) continue;
            ((Nesterovs) b.updater()).applyFused(p, po + b.paramOffset(), g, go + b.paramOffset(), st, so + b.stateOffset(),
                    b.length(), divisor, iteration, epoch);
            fusedSegments.addAll(b.segments());
        }
        if (divisor != 1f) {
            for (Segment s : segments) {
                if (s.fixed() || fusedSegments.contains(s)) continue;
                int gOff = go + s.offset();
                for (int i = 0; i < s.length(); i++) g.put(gOff + i, g.get(gOff + i) / divisor);
            }
        }
        normalize(g, go);
        for (Block b : blocks) {
            if (b.segments().stream().allMatch(Segment::fixed) || fusable(b)) continue;
            for (Segment s : b.segments()) {
                if (s.fixed()) continue;
                for (Regularization r : s.regularization()) {
                    if (r.applyStep() == Regularization.ApplyStep.BEFORE_UPDATER) r.apply(p, po + s.offset(), g, go + s.offset(), s.length(), 0);
                }
            }
            b.updater().applyUpdater(g, go + b.paramOffset(), b.length(), st, so + b.stateOffset(), iteration, epoch);
            double lr = b.updater().getLearningRate(iteration, epoch);
            for (Segment s : b.segments()) {
                if (s.fixed()) continue;
                for (Regularization r : s.regularization()) {
                    if (r.applyStep() == Regularization.ApplyStep.POST_UPDATER) r.apply(p, po + s.offset(), g, go + s.offset(), s.length(), lr);
                }
                int pOff = po + s.offset(), gOff = go + s.offset();
                for (int i = 0; i < s.length(); i++) p.put(pOff + i, p.get(pOff + i) - g.get(gOff + i));
            }
        }
    }

    /**
     * Whether one fused pass can do a block's whole step ({@link Nesterovs#applyFused}): Nesterovs on
     * trainable segments with no regularization and no gradient normalization (which would have to
     * see the whole layer's gradient between the division and the rule).
     */
    private static boolean fusable(Block b) {
        if (!(b.updater() instanceof Nesterovs)) return false;
        for (Segment s : b.segments()) {
            if (s.fixed() || !s.regularization().isEmpty()
                    || (s.normalization() != null && s.normalization() != GradientNormalization.None)) return false;
        }
        return true;
    }

    /** DL4J's per-layer gradient normalization/clipping (GradientNormalization), on the averaged gradient. */
    private void normalize(FloatBuffer g, int go) {
        int i = 0;
        while (i < segments.size()) {
            int j = i;
            while (j < segments.size() && segments.get(j).layer().equals(segments.get(i).layer())) j++;
            List<Segment> layer = segments.subList(i, j);
            Segment first = layer.get(0);
            GradientNormalization gn = first.normalization();
            if (gn != null && gn != GradientNormalization.None && !first.fixed()) {
                double t = first.threshold();
                switch (gn) {
                    case ClipElementWiseAbsoluteValue -> {
                        float c = (float) t;
                        for (Segment s : layer) {
                            for (int k = 0; k < s.length(); k++) {
                                int at = go + s.offset() + k;
                                g.put(at, Math.max(-c, Math.min(c, g.get(at))));
                            }
                        }
                    }
                    case RenormalizeL2PerLayer -> scale(g, go, layer, 1.0 / norm(g, go, layer));
                    case ClipL2PerLayer -> {
                        double n = norm(g, go, layer);
                        if (n > t) scale(g, go, layer, t / n);
                    }
                    case RenormalizeL2PerParamType -> {
                        for (Segment s : layer) scale(g, go, List.of(s), 1.0 / norm(g, go, List.of(s)));
                    }
                    case ClipL2PerParamType -> {
                        for (Segment s : layer) {
                            double n = norm(g, go, List.of(s));
                            if (n > t) scale(g, go, List.of(s), t / n);
                        }
                    }
                    default -> { }
                }
            }
            i = j;
        }
    }

    private static double norm(FloatBuffer g, int go, List<Segment> segs) {
        double s = 0;
        for (Segment seg : segs) {
            for (int k = 0; k < seg.length(); k++) {
                double v = g.get(go + seg.offset() + k);
                s += v * v;
            }
        }
        return Math.sqrt(s);
    }

    private static void scale(FloatBuffer g, int go, List<Segment> segs, double f) {
        if (Double.isInfinite(f) || Double.isNaN(f)) return; // an all-zero gradient stays zero
        float c = (float) f;
        for (Segment seg : segs) {
            for (int k = 0; k < seg.length(); k++) {
                int at = go + seg.offset() + k;
                g.put(at, g.get(at) * c);
            }
        }
    }
}
