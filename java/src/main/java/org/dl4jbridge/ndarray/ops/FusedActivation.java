package org.dl4jbridge.ndarray.ops;

/**
 * Activations a convolution can apply while its output is still in cache (an epilogue), so a
 * network does not make an extra pass over the activation memory. Training code that needs the
 * pre-activation gradient turns dL/da into dL/dz with {@link #gradFromOutput}.
 */
public enum FusedActivation {
    IDENTITY, RELU, RELU6;

    /** dL/dz from dL/da, using the activation's own output {@code a} (all three are monotone). */
    public float gradFromOutput(float a, float gradA) {
        switch (this) {
            case RELU: return a > 0f ? gradA : 0f;
            case RELU6: return a > 0f && a < 6f ? gradA : 0f;
            default: return gradA;
        }
    }

    /** Applies z -> act(z + bias) to {@code n} contiguous floats of {@code data} from {@code off}. */
    void applyInPlace(float[] data, int off, int n, float bias) {
        switch (this) {
            case RELU:
                for (int i = off; i < off + n; i++) data[i] = Math.max(data[i] + bias, 0f);
                break;
            case RELU6:
                for (int i = off; i < off + n; i++) data[i] = Math.min(Math.max(data[i] + bias, 0f), 6f);
                break;
            default:
                if (bias != 0f) for (int i = off; i < off + n; i++) data[i] += bias;
        }
    }
}
