package org.dl4jbridge.nn.conf.layers;

/** Fully connected layer: {@code out = act(x W + b)}, W [nIn, nOut] (DL4J: DenseLayer). */
public class DenseLayer extends FeedForwardLayer {
    protected boolean hasBias = true;
    protected boolean hasLayerNorm = false;

    protected DenseLayer() {}

    protected DenseLayer(Builder b) {
        super(b);
        this.hasBias = b.hasBias;
        this.hasLayerNorm = b.hasLayerNorm;
    }

    public boolean hasBias() { return hasBias; }
    public void setHasBias(boolean v) { this.hasBias = v; }
    public boolean hasLayerNorm() { return hasLayerNorm; }
    public void setHasLayerNorm(boolean v) { this.hasLayerNorm = v; }

    /** An empty configuration for the JSON reader (fields are set afterwards). */
    public static DenseLayer blank() { return new DenseLayer(); }

    public static class Builder extends FeedForwardLayer.Builder<Builder> {
        protected boolean hasBias = true;
        protected boolean hasLayerNorm = false;

        public Builder hasBias(boolean v) { this.hasBias = v; return this; }
        public Builder hasLayerNorm(boolean v) {
            if (v) throw new IllegalArgumentException("DenseLayer layer normalization is not supported by this engine");
            this.hasLayerNorm = v;
            return this;
        }

        @Override @SuppressWarnings("unchecked")
        public DenseLayer build() { return new DenseLayer(this); }
    }
}
