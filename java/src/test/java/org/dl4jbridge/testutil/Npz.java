package org.dl4jbridge.testutil;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Reads numpy .npz files (zips of .npy, as np.savez writes them) for reference-value tests.
 * Supports little-endian float32/float64/int32/int64, c-order. Values come back as double[] with
 * the shape beside them, so float64 references keep their precision.
 */
public final class Npz {
    public record Array(int[] shape, double[] data) {
        public int length() { return data.length; }
        public float[] floats() {
            float[] f = new float[data.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) data[i];
            return f;
        }
    }

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([<>|])([fi])(\\d)'");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private Npz() {}

    public static Map<String, Array> read(Path path) throws IOException {
        Map<String, Array> out = new LinkedHashMap<>();
        try (ZipInputStream zin = new ZipInputStream(Files.newInputStream(path))) {
            ZipEntry e;
            while ((e = zin.getNextEntry()) != null) {
                String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4) : e.getName();
                out.put(name, readNpy(zin.readAllBytes(), path + ":" + e.getName()));
            }
        }
        return out;
    }

    static Array readNpy(byte[] bytes, String where) {
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10 || bytes[0] != (byte) 0x93 || bytes[1] != 'N') throw new IllegalArgumentException(where + ": not .npy");
        int major = bytes[6];
        int headerLen = major == 1 ? (bb.getShort(8) & 0xffff) : bb.getInt(8);
        int dataStart = (major == 1 ? 10 : 12) + headerLen;
        String header = new String(bytes, major == 1 ? 10 : 12, headerLen, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (header.contains("'fortran_order': True")) throw new IllegalArgumentException(where + ": fortran order not supported");
        Matcher d = DESCR.matcher(header), s = SHAPE.matcher(header);
        if (!d.find() || !s.find()) throw new IllegalArgumentException(where + ": bad header " + header);
        if (d.group(1).equals(">")) throw new IllegalArgumentException(where + ": big-endian not supported");
        String[] dims = s.group(1).split(",");
        int n = 1;
        java.util.List<Integer> shape = new java.util.ArrayList<>();
        for (String dim : dims) {
            if (dim.isBlank()) continue;
            int v = Integer.parseInt(dim.trim());
            shape.add(v);
            n *= v;
        }
        char kind = d.group(2).charAt(0);
        int width = Integer.parseInt(d.group(3));
        double[] data = new double[n];
        bb.position(dataStart);
        for (int i = 0; i < n; i++) {
            if (kind == 'f') data[i] = width == 4 ? bb.getFloat() : bb.getDouble();
            else data[i] = width == 4 ? bb.getInt() : bb.getLong();
        }
        return new Array(shape.stream().mapToInt(Integer::intValue).toArray(), data);
    }

    /**
     * The DL4J fixtures folder: system property dl4jbridge.fixtures (the pom passes
     * ../shared/dl4j-fixtures beside the checkout), else $DL4J_BRIDGE_SHARED/dl4j-fixtures, else this
     * workplace's /work/shared/dl4j-fixtures. The first that exists wins; none -> a clear failure.
     */
    public static Path fixtures() {
        java.util.List<String> candidates = new java.util.ArrayList<>();
        String prop = System.getProperty("dl4jbridge.fixtures");
        if (prop != null && !prop.isBlank() && !prop.contains("${")) candidates.add(prop);
        String shared = System.getenv("DL4J_BRIDGE_SHARED");
        if (shared != null && !shared.isBlank()) candidates.add(shared + "/dl4j-fixtures");
        candidates.add("/work/shared/dl4j-fixtures");
        for (String c : candidates) {
            Path p = Path.of(c).toAbsolutePath().normalize();
            if (Files.isDirectory(p)) return p;
        }
        throw new IllegalStateException("DL4J fixtures not found (tried " + candidates
                + "); set DL4J_BRIDGE_SHARED=/path/to/shared or -Ddl4jbridge.fixtures=/path/to/dl4j-fixtures");
    }

    public static InputStream resource(String name) {
        InputStream in = Npz.class.getResourceAsStream("/" + name);
        if (in == null) throw new IllegalArgumentException("test resource " + name + " not found");
        return in;
    }
}
