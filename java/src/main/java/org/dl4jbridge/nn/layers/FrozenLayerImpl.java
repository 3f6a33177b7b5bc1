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
    }

    public AbstractLayer inner() { return inner; }
    @Override public boolean isFrozen() { return true; }
    public boolean passesGradient() { return passGradient; }
    @Override public Map<String, NDArray> paramTable() { return inner.paramTable(); }
    @Override public Map<String, NDArray> gradientTable() { return inner.gradientTable(); }
    @Override public void setRandom(RandomGenerator rng) { inner.setRandom(rng); }

    @Override
    public void setViews(NDArray flatParams, NDArray flatGrads, int start) { inner.setViews(flatParams, flatGrads, start); }

    @Override
    public NDArray activate(NDArray in, boolean training) {
        this.input = in;
        // Inference forward, but keep what backprop needs when the gradient must pass through.
        NDArray out = inner.activate(in, false);
        if (passGradient && training) inner.input = in;
        return out;
    }

    @Override protected NDArray forward(NDArray x, boolean training) { throw new AssertionError("unused"); }

    @Override
    public NDArray backprop(NDArray epsilon, boolean needInputGradient) {
        if (!passGradient || !needInputGradient) return null;
        throw new UnsupportedOperationException("layer '" + name() + "': FrozenLayerWithBackprop backprop is not supported yet");
    }

    @Override protected NDArray backward(NDArray eps, boolean needInputGradient) { return null; }

    @Override public void clearCaches() { super.clearCaches(); inner.clearCaches(); }
}
