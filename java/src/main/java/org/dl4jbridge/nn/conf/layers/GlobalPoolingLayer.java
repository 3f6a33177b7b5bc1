package org.dl4jbridge.nn.conf.layers;

import org.dl4jbridge.nn.conf.inputs.InputType;

/** Pools each channel over all spatial positions: [mb,C,H,W] -> [mb,C] (DL4J: GlobalPoolingLayer). */
public class GlobalPoolingLayer extends NoParamLayer {
    protected PoolingType poolingType = PoolingType.MAX;
    protected int[] poolingDimensions;
    protected boolean collapseDimensions = true;
    protected int pnorm = 2;

    protected GlobalPoolingLayer() {}

    protected GlobalPoolingLayer(Builder b) {
        super(b);
        this.poolingType = b.poolingType;
        this.poolingDimensions = b.poolingDimensions;
        this.collapseDimensions = b.collapseDimensions;
        this.pnorm = b.pnorm;
    }

    public static GlobalPoolingLayer blank() { return new GlobalPoolingLayer(); }

    public PoolingType getPoolingType() { return poolingType; }
    public void setPoolingType(PoolingType t) { this.poolingType = t; }
    public int[] getPoolingDimensions() { return poolingDimensions == null ? null : poolingDimensions.clone(); }
    public void setPoolingDimensions(int[] d) { this.poolingDimensions = d == null ? null : d.clone(); }
    public boolean isCollapseDimensions() { return collapseDimensions; }
    public void setCollapseDimensions(boolean v) { this.collapseDimensions = v; }
    public int getPnorm() { return pnorm; }
    public void setPnorm(int p) { this.pnorm = p; }

    @Override
    public InputType getOutputType(int layerIndex, InputType in) {
        if (in instanceof InputType.InputTypeConvolutional c) {
            if (!collapseDimensions) return InputType.convolutional(1, 1, c.getChannels());
            return InputType.feedForward(c.getChannels());
        }
        if (in instanceof InputType.InputTypeFeedForward) return in;
        throw new IllegalArgumentException("layer '" + layerName + "' (GlobalPoolingLayer) needs convolutional input, got " + in);
    }

    public static class Builder extends Layer.Builder<Builder> {
        protected PoolingType poolingType = PoolingType.MAX;
        protected int[] poolingDimensions;
        protected boolean collapseDimensions = true;
        protected int pnorm = 2;

        public Builder() {}
        public Builder(PoolingType t) { this.poolingType = t; }

        public Builder poolingType(PoolingType t) { this.poolingType = t; return this; }
        public Builder poolingDimensions(int... d) { this.poolingDimensions = d.clone(); return this; }
        public Builder collapseDimensions(boolean v) { this.collapseDimensions = v; return this; }
        public Builder pnorm(int p) {
            if (p <= 0) throw new IllegalArgumentException("pnorm must be > 0, got " + p);
            this.pnorm = p;
            return this;
        }

        @Override @SuppressWarnings("unchecked")
        public GlobalPoolingLayer build() { return new GlobalPoolingLayer(this); }
    }
}
