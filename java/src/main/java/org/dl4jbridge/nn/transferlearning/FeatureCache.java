package org.dl4jbridge.nn.transferlearning;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.ndarray.NDArray;

/**
 * Featurized minibatches on disk, so re-running a lesson skips the frozen part's forward pass
 * (the expensive part: VGG16 up to fc2 is 31 GFLOP per image).
 *
 * <p>An entry is one file named by its key (SHA-256 of what the features depend on: the frozen
 * part's parameters and configuration, the boundary vertices, the input data). It holds every
 * minibatch (features, labels) followed by a SHA-256 of everything before it. Entries are written
 * to a temp file and renamed, so a crash leaves either no entry or a whole one; an entry that
 * fails its checksum or cannot be parsed is deleted and reported as a miss, never trusted.
 */
public final class FeatureCache {
    private static final byte[] MAGIC = "DL4JBFC1".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT_VERSION = 1;
    private static final int MAX_RANK = 8;

    private final Path dir;
    private volatile String lastStatus = "unused";

    public FeatureCache(Path dir) {
        if (dir == null) throw new IllegalArgumentException("the feature cache needs a directory, got null");
        this.dir = dir.toAbsolutePath();
    }

    public Path directory() { return dir; }

    /** What the last {@link #load} found: "hit", "miss" or "corrupt (...), rebuilt". */
    public String lastStatus() { return lastStatus; }

    /** A key from the parts the cached features depend on (order matters; no separator ambiguity). */
    public static String key(String... parts) {
        MessageDigest md = sha256();
        for (String p : parts) {
            byte[] b = (p == null ? "\u0000null" : p).getBytes(StandardCharsets.UTF_8);
            md.update(ByteBuffer.allocate(4).putInt(b.length).array());
            md.update(b);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    public Path fileFor(String key) {
        if (key == null || !key.matches("[0-9a-f]{16,128}")) {
            throw new IllegalArgumentException("a cache key must be lowercase hex (from FeatureCache.key), got " + key);
        }
        return dir.resolve("features-" + key + ".bin");
    }

    /** The cached minibatches, or empty when absent or corrupt (a corrupt file is deleted). */
    public Optional<List<DataSet>> load(String key) {
        Path f = fileFor(key);
        if (!Files.isRegularFile(f)) {
            lastStatus = "miss";
            return Optional.empty();
        }
        try {
            List<DataSet> batches = read(f);
            lastStatus = "hit";
            return Optional.of(batches);
        } catch (IOException | RuntimeException e) {
            lastStatus = "corrupt (" + e.getMessage() + "), rebuilt";
            System.err.println("dl4j-bridge WARNING: feature cache file " + f + " is unreadable (" + e.getMessage()
                    + "); deleting it and recomputing the features");
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // The next store() replaces it atomically anyway.
            }
            return Optional.empty();
        }
    }

    /** Writes the minibatches under {@code key}, atomically (temp file in the same folder + rename). */
    public void store(String key, List<DataSet> batches) {
        Path target = fileFor(key);
        try {
            Files.createDirectories(dir);
            Path tmp = org.dl4jbridge.util.AtomicFiles.newTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try {
                write(tmp, batches);
                moveAtomically(tmp, target);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the feature cache entry " + target + ": " + e.getMessage()
                    + " (check free space and permissions, or disable the feature cache)", e);
        }
    }

    private static void moveAtomically(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    // ---- file format ------------------------------------------------------------------------
    // MAGIC, version, batch count, then per batch: features array, labels array (rank, shape,
    // little-endian float32 data); then the SHA-256 of all preceding bytes.

    private static void write(Path f, List<DataSet> batches) throws IOException {
        MessageDigest md = sha256();
        try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(f), 1 << 20)) {
            DataOutputStream out = new DataOutputStream(new DigestOutputStream(raw, md));
            out.write(MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeInt(batches.size());
            for (DataSet ds : batches) {
                writeArray(out, ds.getFeatures());
                writeArray(out, ds.getLabels());
            }
            out.flush();
            raw.write(md.digest());
        }
    }

    private static void writeArray(DataOutputStream out, NDArray a) throws IOException {
        int[] shape = a.shape();
        out.writeInt(shape.length);
        for (int s : shape) out.writeInt(s);
        float[] v = a.toFloatArray();
        ByteBuffer bb = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(v);
        out.write(bb.array());
    }

    private static List<DataSet> read(Path f) throws IOException {
        long size = Files.size(f);
        if (size < MAGIC.length + 8 + 32) throw new IOException("truncated: " + size + " bytes");
        MessageDigest md = sha256();
        List<DataSet> out = new ArrayList<>();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(f), 1 << 20)) {
            DataInputStream in = new DataInputStream(new DigestInputStream(raw, md));
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) throw new IOException("not a feature cache file (bad magic)");
            int version = in.readInt();
            if (version != FORMAT_VERSION) throw new IOException("format version " + version + ", expected " + FORMAT_VERSION);
            int n = in.readInt();
            if (n < 0) throw new IOException("negative batch count " + n);
            long budget = size;
            for (int i = 0; i < n; i++) {
                NDArray features = readArray(in, budget);
                NDArray labels = readArray(in, budget);
                out.add(new DataSet(features, labels));
            }
            byte[] expected = md.digest();
            byte[] stored = raw.readNBytes(32);
            if (!Arrays.equals(expected, stored)) throw new IOException("checksum mismatch");
            if (raw.read() != -1) throw new IOException("trailing bytes after the checksum");
        } catch (EOFException e) {
            throw new IOException("truncated", e);
        }
        return out;
    }

    private static NDArray readArray(DataInputStream in, long budget) throws IOException {
        int rank = in.readInt();
        if (rank < 1 || rank > MAX_RANK) throw new IOException("bad array rank " + rank);
        int[] shape = new int[rank];
        long n = 1;
        for (int d = 0; d < rank; d++) {
            shape[d] = in.readInt();
            if (shape[d] < 0) throw new IOException("negative dimension " + shape[d]);
            n *= shape[d];
            if (n * Float.BYTES > budget) throw new IOException("array " + Arrays.toString(shape) + " exceeds the file");
        }
        byte[] data = in.readNBytes((int) n * Float.BYTES);
        if (data.length != n * Float.BYTES) throw new EOFException();
        float[] v = new float[(int) n];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return NDArray.of(v, shape);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every Java runtime has SHA-256", e);
        }
    }
}
