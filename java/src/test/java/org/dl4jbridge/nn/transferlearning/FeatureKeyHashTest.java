package org.dl4jbridge.nn.transferlearning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.dl4jbridge.ndarray.NDArray;
import org.junit.jupiter.api.Test;

/**
 * The feature-cache key hashes parameters chunk by chunk; the chunk size is a memory choice only
 * and must never change a key (cache entries written before would silently stop matching).
 */
class FeatureKeyHashTest {
    /** SHA-256 over the shape text and every value as little-endian bytes, in one piece. */
    private static byte[] reference(NDArray a) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(Arrays.toString(a.shape()).getBytes(StandardCharsets.US_ASCII));
        float[] v = a.toFloatArray();
        ByteBuffer bb = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(v);
        md.update(bb.array());
        return md.digest();
    }

    private static byte[] chunked(NDArray a) {
        MessageDigest md = FeatureCache.sha256();
        TransferLearningHelper.hashArray(md, a);
        return md.digest();
    }

    @Test
    void chunkedHashEqualsOneShotHashForSmallLargeAndStridedArrays() throws Exception {
        Random r = new Random(7);
        float[] big = new float[17 * 11587]; // three chunks of 65536 floats and a partial one
        for (int i = 0; i < big.length; i++) big[i] = r.nextFloat() - 0.5f;
        NDArray large = NDArray.of(big, 17, 11587);
        NDArray small = NDArray.of(new float[] {1.5f, -2f, 3.25f}, 1, 3);
        NDArray strided = NDArray.of(Arrays.copyOf(big, 600 * 500), 600, 500).transpose();
        for (NDArray a : new NDArray[] {large, small, strided}) assertArrayEquals(reference(a), chunked(a));
    }
}
