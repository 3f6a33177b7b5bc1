package org.dl4jbridge.nn.conf.layers;

import org.dl4jbridge.nn.conf.losses.ILossFunction;
import org.dl4jbridge.nn.conf.losses.LossFunctions;

/** A dense layer with a loss (DL4J: BaseOutputLayer). */
public abstract class BaseOutputLayer extends FeedForwardLayer {
    protected ILossFunction lossFn;
    protected boolean hasBias = true;

    protected BaseOutputLayer() {}

    protected BaseOutputLayer(Builder<?> b) {
        super(b);
        this.lossFn = b.lossFn;
        this.hasBias = b.hasBias;
    }

    public ILossFunction getLossFn() { return lossFn; }
    public void setLossFn(ILossFunction l) { this.lossFn = l; }
    public boolean hasBias() { return hasBias; }
    public void setHasBias(boolean v) { this.hasBias = v; }
    @Override public boolean isOutputLayer() { return true; }

    @SuppressWarnings("unchecked")
    public abstract static class Builder<T extends Builder<T>> extends FeedForwardLayer.Builder<T> {
        protected ILossFunction lossFn = LossFunctions.LossFunction.MCXENT.getILossFunction();
        protected boolean hasBias = true;

        public T lossFunction(LossFunctions.LossFunction l) { this.lossFn = l.getILossFunction(); return (T) this; }
        public T lossFunction(ILossFunction l) { this.lossFn = l; return (T) this; }
        public T hasBias(boolean v) { this.hasBias = v; return (T) this; }
    }
}
