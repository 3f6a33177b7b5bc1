package org.dl4jbridge.nn.conf.layers;

import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;

/** A layer mapping nIn features to nOut (DL4J: FeedForwardLayer). */
public abstract class FeedForwardLayer extends BaseLayer {
    protected long nIn;
    protected long nOut;

    protected FeedForwardLayer() {}

    protected FeedForwardLayer(Builder<?> b) {
        super(b);
        this.nIn = b.nIn;
        this.nOut = b.nOut;
    }

    public long getNIn() { return nIn; }
    public void setNIn(long nIn) { this.nIn = nIn; }
    public long getNOut() { return nOut; }
    public void setNOut(long nOut) { this.nOut = nOut; }

    @Override
    public InputType getOutputType(int layerIndex, InputType in) {
        requireFeedForwardCompatible(in);
        return InputType.feedForward(nOut);
    }

    @Override
    public void setNIn(InputType in, boolean override) {
        if (nIn > 0 && !override) return;
        requireFeedForwardCompatible(in);
        nIn = in.arrayElementsPerExample();
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType in) {
        if (in instanceof InputType.InputTypeConvolutional c) {
            return new CnnToFeedForwardPreProcessor(c.getHeight(), c.getWidth(), c.getChannels(), c.getFormat());
        }
        return null;
    }

    protected void requireFeedForwardCompatible(InputType in) {
        if (in == null) {
            throw new IllegalArgumentException("layer '" + layerName + "' (" + getClass().getSimpleName()
                    + ") got no input type");
        }
        if (in.getType() == InputType.Type.RNN || in.getType() == InputType.Type.CNN3D) {
            throw new IllegalArgumentException("layer '" + layerName + "' (" + getClass().getSimpleName()
                    + ") takes feed-forward or CNN input, got " + in);
        }
    }

    @SuppressWarnings("unchecked")
    public abstract static class Builder<T extends Builder<T>> extends BaseLayer.Builder<T> {
        protected long nIn;
        protected long nOut;

        public T nIn(long nIn) { this.nIn = nIn; return (T) this; }
        public T nOut(long nOut) { this.nOut = nOut; return (T) this; }
        public T units(long nOut) { return nOut(nOut); }
    }
}
