package org.dl4jbridge.nn.layers;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.dl4jbridge.nn.conf.dropout.Dropout;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.params.ParamLayout;
import org.dl4jbridge.ndarray.NDArray;

/**
 * A runtime layer (DL4J: org.deeplearning4j.nn.api.Layer): parameters and gradients are views into
 * the network's flat vectors; {@link #activate} runs the forward pass (applying the layer's dropout to
 * its input in training, as DL4J does), {@link #backprop} writes the parameter gradients (summed over
 * the minibatch) and returns the gradient with respect to the input.
 */
public abstract class AbstractLayer {
    protected final Layer conf;
    protected final Map<String, NDArray> params = new LinkedHashMap<>();
    protected final Map<String, NDArray> grads = new LinkedHashMap<>();
    protected NDArray input;
    protected boolean training;
    /** Keep what backprop needs even for an inference-mode forward (FrozenLayerWithBackprop). */
    private boolean cacheInInference;
    private NDArray dropoutMask;
    private RandomGenerator rng;
    /** The open training step's array pool, or null outside a step (see {@link #setTrainingArrays}). */
    private TrainingArrays stepArrays;

    protected AbstractLayer(Layer conf) { this.conf = conf; }

    public Layer conf() { return conf; }
    public String name() { return conf.getLayerName(); }
    public Map<String, NDArray> paramTable() { return Collections.unmodifiableMap(params); }
    public Map<String, NDArray> gradientTable() { return Collections.unmodifiableMap(grads); }
    public long numParams() { return ParamLayout.numParams(conf); }
    public boolean isFrozen() { return false; }
    public void setRandom(RandomGenerator rng) { this.rng = rng; }

    /**
     * The pool of the training step the network has opened ({@link TrainingArrays#begin}), or null when
     * the step ends: while set, {@link #newArray} takes the layer's outputs and gradients from it.
     */
    public void setTrainingArrays(TrainingArrays arrays) { this.stepArrays = arrays; }

    /**
     * An array for an output or gradient this layer's kernel overwrites completely: from the open
     * training step's pool (contents undefined), else a new zeroed array.
     */
    protected NDArray newArray(int... shape) { return TrainingArrays.takeOrNew(stepArrays, shape); }

    /** Binds parameter and gradient views starting at {@code start} of the flat vectors (gradients may be null). */
    public void setViews(NDArray flatParams, NDArray flatGrads, int start) {
        params.clear();
        grads.clear();
        for (ParamLayout.Entry e : ParamLayout.of(conf)) {
            params.put(e.key(), flatParams.flatView(start + e.offset(), e.order(), e.shape()));
            if (flatGrads != null) grads.put(e.key(), flatGrads.flatView(start + e.offset(), e.order(), e.shape()));
        }
    }

    public NDArray activate(NDArray in, boolean training) {
        this.training = training;
        NDArray x = in;
        dropoutMask = null;
        if (training && conf.getIDropout() instanceof Dropout d && d.getP() < 1.0) {
            if (rng == null) throw new IllegalStateException("layer '" + name() + "' has no random generator for dropout");
            dropoutMask = NDArray.zeros(in.shape());
            x = org.dl4jbridge.ndarray.ops.Dropout.forward(in.contiguous(), d.getP(), rng, dropoutMask, NDArray.zeros(in.shape()));
        }
        this.input = keepForBackprop() ? x : null;
        return forward(x, training);
    }

    /** Whether this forward pass must keep activations for a backward pass. */
    protected boolean keepForBackprop() { return training || cacheInInference; }

    public void setCacheInInference(boolean v) { this.cacheInInference = v; }

    /** Gradient w.r.t. the layer input (null when {@code needInputGradient} is false). */
    public NDArray backprop(NDArray epsilon, boolean needInputGradient) {
        if (input == null) throw new IllegalStateException("layer '" + name() + "': backprop needs a training-mode forward pass first");
        return maskInputGradient(backward(epsilon, needInputGradient));
    }

    /** The input gradient through this layer's dropout mask (identity without dropout). */
    protected NDArray maskInputGradient(NDArray dx) {
        if (dx == null || dropoutMask == null) return dx;
        return org.dl4jbridge.ndarray.ops.Dropout.backward(dx.contiguous(), dropoutMask, NDArray.zeros(dx.shape()));
    }

    protected abstract NDArray forward(NDArray x, boolean training);

    protected abstract NDArray backward(NDArray epsilon, boolean needInputGradient);

    /** Applies deferred non-gradient parameter changes (batch-norm running statistics) after an update. */
    public void applyPendingUpdates() {}

    /** Drops references to cached activations. */
    public void clearCaches() { input = null; dropoutMask = null; }

    protected IllegalArgumentException shapeError(String expected, NDArray got) {
        return new IllegalArgumentException("layer '" + name() + "' (" + conf.getClass().getSimpleName() + ") expects input "
                + expected + ", got " + Arrays.toString(got.shape()));
    }
}
