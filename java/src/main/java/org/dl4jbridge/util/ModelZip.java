package org.dl4jbridge.util;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.dl4jbridge.ndarray.NDArray;

/**
 * The ModelSerializer zip container (DL4J_SPEC 1.1, 1.2) over plain data ({@link ModelFiles}).
 *
 * <p>Writing follows DL4J exactly: entries {@code configuration.json}, {@code coefficients.bin}
 * (or an empty one plus {@code noParams.marker}), {@code updaterState.bin} when there is state,
 * {@code normalizer.bin} when given, all DEFLATE, no directory entries, ASCII JSON; dl4j-bridge's
 * metadata entry comes last, where DL4J ignores it. The file is replaced atomically.
 *
 * <p>Reading accepts any entry order, skips entries it does not know (legacy {@code updater.bin},
 * {@code preprocessor.bin}, {@code objects/...}) and reports a missing entry, a truncated zip or a
 * corrupt array as a {@link ModelFormatException} naming the file and entry.
 */
public final class ModelZip {
    public static final String CONFIGURATION = "configuration.json";
    public static final String COEFFICIENTS = "coefficients.bin";
    public static final String NO_PARAMS_MARKER = "noParams.marker";
    public static final String UPDATER_STATE = "updaterState.bin";
    public static final String NORMALIZER = "normalizer.bin";
    public static final String METADATA = "dl4j-bridge-metadata.json";

    /** Far above any real configuration (VGG16's is about 50 KB), far below a heap problem. */
    private static final long MAX_TEXT_BYTES = 256L << 20;

    private ModelZip() {}

    /** One zip entry to write: its name and the code that writes its bytes. */
    public record Entry(String name, AtomicFiles.Body body) {}

    // ---- reading --------------------------------------------------------------------------------

    /** Reads every part of a model zip; the updater state only when {@code loadUpdater}. */
    public static ModelFiles read(Path zip, boolean loadUpdater) throws IOException {
        try (ZipFile zf = open(zip)) {
            Map<String, ZipEntry> entries = entries(zf);
            String name = zip.getFileName().toString();
            String config = readText(zf, entries, CONFIGURATION, name, true);
            NDArray params = null;
            ZipEntry coeff = entries.get(COEFFICIENTS);
            boolean noParams = entries.containsKey(NO_PARAMS_MARKER);
            if (coeff == null) {
                throw new ModelFormatException(name + ": no " + COEFFICIENTS + " entry (entries found: "
                        + entries.keySet() + "); not a complete DL4J model zip");
            }
            if (!(noParams && coeff.getSize() == 0)) params = readArray(zf, coeff, name);
            NDArray state = null;
            ZipEntry st = entries.get(UPDATER_STATE);
            if (loadUpdater && st != null) state = readArray(zf, st, name);
            byte[] normalizer = entries.containsKey(NORMALIZER) ? readBytes(zf, entries.get(NORMALIZER), name) : null;
            String meta = readText(zf, entries, METADATA, name, false);
            ModelMetadata metadata = meta == null ? null : ModelMetadata.fromJson(meta, name + ": " + METADATA);
            return new ModelFiles(config, params, state, normalizer, metadata);
        }
    }

    /** Only configuration.json, as stored. */
    public static String readConfiguration(Path zip) throws IOException {
        try (ZipFile zf = open(zip)) {
            return readText(zf, entries(zf), CONFIGURATION, zip.getFileName().toString(), true);
        }
    }

    /** Only the metadata entry, or null when the zip has none (e.g. written by DL4J). */
    public static ModelMetadata readMetadata(Path zip) throws IOException {
        try (ZipFile zf = open(zip)) {
            String name = zip.getFileName().toString();
            String meta = readText(zf, entries(zf), METADATA, name, false);
            return meta == null ? null : ModelMetadata.fromJson(meta, name + ": " + METADATA);
        }
    }

    /** The entry names in file order (for diagnostics and format tests). */
    public static List<String> entryNames(Path zip) throws IOException {
        try (ZipFile zf = open(zip)) {
            List<String> names = new ArrayList<>();
            for (Enumeration<? extends ZipEntry> e = zf.entries(); e.hasMoreElements(); ) names.add(e.nextElement().getName());
            return names;
        }
    }

    private static ZipFile open(Path zip) throws IOException {
        if (!Files.exists(zip)) throw new java.nio.file.NoSuchFileException(zip.toString(), null, "no such model file");
        try {
            return new ZipFile(zip.toFile());
        } catch (ZipException e) {
            throw new ModelFormatException(zip.getFileName() + ": not a readable zip file (truncated, corrupt, or "
                    + "not a DL4J model zip): " + e.getMessage(), e);
        }
    }

    private static Map<String, ZipEntry> entries(ZipFile zf) {
        Map<String, ZipEntry> out = new LinkedHashMap<>();
        for (Enumeration<? extends ZipEntry> e = zf.entries(); e.hasMoreElements(); ) {
            ZipEntry entry = e.nextElement();
            if (!entry.isDirectory()) out.putIfAbsent(entry.getName(), entry);
        }
        return out;
    }

    private static NDArray readArray(ZipFile zf, ZipEntry entry, String zipName) throws IOException {
        String where = zipName + ": " + entry.getName();
        try (InputStream in = new BufferedInputStream(zf.getInputStream(entry), 1 << 16)) {
            return Nd4jBinary.read(in, where, entry.getSize());
        } catch (ModelFormatException e) {
            throw e;
        } catch (ZipException | EOFException e) {
            throw new ModelFormatException(where + ": compressed data is corrupt or truncated: " + e.getMessage(), e);
        }
    }

    private static byte[] readBytes(ZipFile zf, ZipEntry entry, String zipName) throws IOException {
        String where = zipName + ": " + entry.getName();
        if (entry.getSize() > MAX_TEXT_BYTES) {
            throw new ModelFormatException(where + ": entry declares " + entry.getSize() + " bytes, more than the "
                    + MAX_TEXT_BYTES + " this entry can plausibly hold");
        }
        try (InputStream in = zf.getInputStream(entry)) {
            byte[] bytes = in.readNBytes((int) MAX_TEXT_BYTES + 1);
            if (bytes.length > MAX_TEXT_BYTES) throw new ModelFormatException(where + ": entry is implausibly large");
            return bytes;
        } catch (ZipException | EOFException e) {
            throw new ModelFormatException(where + ": compressed data is corrupt or truncated: " + e.getMessage(), e);
        }
    }

    private static String readText(ZipFile zf, Map<String, ZipEntry> entries, String entryName, String zipName,
                                   boolean required) throws IOException {
        ZipEntry e = entries.get(entryName);
        if (e == null) {
            if (!required) return null;
            throw new ModelFormatException(zipName + ": no " + entryName + " entry (entries found: " + entries.keySet()
                    + "); not a DL4J model zip");
        }
        return new String(readBytes(zf, e, zipName), StandardCharsets.UTF_8);
    }

    // ---- writing --------------------------------------------------------------------------------

    /** Writes {@code files} in DL4J's entry order, atomically replacing {@code target}. */
    public static void write(Path target, ModelFiles files) throws IOException {
        write(target, entriesOf(files));
    }

    /** Entries in DL4J's order for the given contents. */
    public static List<Entry> entriesOf(ModelFiles files) {
        List<Entry> out = new ArrayList<>();
        out.add(new Entry(CONFIGURATION, os -> os.write(asciiJson(files.configuration()))));
        if (files.params() == null) {
            out.add(new Entry(COEFFICIENTS, os -> { }));
            out.add(new Entry(NO_PARAMS_MARKER, os -> { }));
        } else {
            out.add(new Entry(COEFFICIENTS, os -> Nd4jBinary.write(files.params(), os)));
        }
        NDArray state = files.updaterState();
        if (state != null && state.length() > 0) out.add(new Entry(UPDATER_STATE, os -> Nd4jBinary.write(state, os)));
        if (files.normalizer() != null) out.add(new Entry(NORMALIZER, os -> os.write(files.normalizer())));
        if (files.metadata() != null) {
            out.add(new Entry(METADATA, os -> os.write(asciiJson(files.metadata().toJson()))));
        }
        return out;
    }

    /** Writes the entries as a DEFLATE zip, atomically replacing {@code target}. */
    public static void write(Path target, List<Entry> entries) throws IOException {
        AtomicFiles.write(target, out -> {
            ZipOutputStream zip = new ZipOutputStream(nonClosing(out), StandardCharsets.UTF_8);
            for (Entry e : entries) {
                ZipEntry ze = new ZipEntry(e.name());
                ze.setMethod(ZipEntry.DEFLATED);
                zip.putNextEntry(ze);
                e.body().writeTo(zip);
                zip.closeEntry();
            }
            zip.finish();
            zip.flush();
        });
    }

    /**
     * JSON as ASCII bytes: DL4J writes configuration.json in the platform charset, so any
     * non-ASCII character (only possible inside strings) is escaped as {@code \\uXXXX}.
     */
    static byte[] asciiJson(String json) {
        StringBuilder sb = null;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c < 128) {
                if (sb != null) sb.append(c);
                continue;
            }
            if (sb == null) sb = new StringBuilder(json.length() + 16).append(json, 0, i);
            sb.append(String.format("\\u%04x", (int) c));
        }
        return (sb == null ? json : sb.toString()).getBytes(StandardCharsets.US_ASCII);
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }
            @Override public void close() throws IOException { flush(); }
        };
    }
}
