package org.dl4jbridge.nn.layers;

import java.util.Map;
import java.util.random.RandomGenerator;
import org.dl4jbridge.nn.conf.layers.misc.FrozenLayer;
import org.dl4jbridge.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.dl4jbridge.ndarray.NDArray;

/**
 * A frozen layer (DL4J_SPEC 5.6): the wrapped layer always runs in inference mode (no dropout, batch
 * norm with running statistics) and its parameters get no gradient. FrozenLayer passes no gradient to
 * its input; FrozenLayerWithBackprop passes the input gradient through.
 */
public class FrozenLayerImpl extends AbstractLayer {
    private final AbstractLayer inner;
    private final boolean passGradient;

    public FrozenLayerImpl(FrozenLayer conf, AbstractLayer inner) {
        super(conf);
        this.inner = inner;
        this.passGradient = conf instanceof FrozenLayerWithBackprop;
        inner.setCacheInInference(passGradient);
    }

    public AbstractLayer inner() { return inner; }
    @Override public boolean isFrozen() { return true; }
    public boolean passesGradient() { return passGradient; }
    @Override public Map<String, NDArray> paramTable() { return inner.paramTable(); }
    @Override public Map<String, NDArray> gradientTable() { return inner.gradientTable(); }
    @Override public void setRandom(RandomGenerator rng) { inner.setRandom(rng); }

    @Override
    public void setViews(NDArray flatParams, NDArray flatGrads, int start) { inner.setViews(flatParams, flatGrads, start); }

    /** Always the wrapped layer's inference forward; with backprop it keeps what the input gradient needs. */
    @Override
    public NDArray activate(NDArray in, boolean training) { return inner.activate(in, false); }

    @Override protected NDArray forward(NDArray x, boolean training) { throw new AssertionError("unused"); }

    @Override
    public NDArray backprop(NDArray epsilon, boolean needInputGradient) {
        if (!passGradient || !needInputGradient) return null;
        NDArray dx = inner.backprop(epsilon, true);
        // The wrapped layer wrote parameter gradients; a frozen layer has none.
        for (NDArray g : inner.gradientTable().values()) g.assign(0f);
        return dx;
    }

    @Override protected NDArray backward(NDArray eps, boolean needInputGradient) { return null; }

    @Override public void clearCaches() { super.clearCaches(); inner.clearCaches(); }

    /** The wrapped layer computes the activations, so it is the one that takes them from the step's pool. */
    @Override public void setTrainingArrays(TrainingArrays arrays) { super.setTrainingArrays(arrays); inner.setTrainingArrays(arrays); }
}
