package org.dl4jbridge.zoo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.Adler32;
import org.dl4jbridge.bridge.Interrupts;

/**
 * Makes a pretrained file available in the cache the way DL4J's ZooModel does (a cached file is
 * verified, a missing one downloaded, a wrong checksum refused), with three improvements: the download
 * goes to a temporary file that is renamed into place only when complete and verified, and a file
 * that fails its checksum is kept aside as {@code <name>.bad} rather than deleted, so it can be
 * inspected, and a damaged cached file is fetched again. Offline mode ({@value #OFFLINE_PROPERTY}=true or DL4J_BRIDGE_OFFLINE=1) never opens a URL.
 */
public final class PretrainedFiles {
    public static final String OFFLINE_PROPERTY = "dl4jbridge.offline";
    static final int TIMEOUT_MS = 60_000;

    private PretrainedFiles() {}

    public static boolean offline() {
        String v = System.getProperty(OFFLINE_PROPERTY);
        if (v == null) v = System.getenv("DL4J_BRIDGE_OFFLINE");
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1") || v.equalsIgnoreCase("yes"));
    }

    /** Returns {@code dest} holding the verified file from {@code url}; downloads it when missing. */
    public static Path ensure(String url, Path dest, long adler32) throws IOException {
        String note = "";
        if (Files.isRegularFile(dest)) {
            long actual = adler32(dest);
            if (actual == adler32) return dest;
            Path bad = setAside(dest);
            note = "the cached file had Adler-32 " + actual + " (damaged or a different file) and was moved aside to " + bad;
            System.err.println("dl4j-bridge: " + note + "; downloading " + url + " again");
        }
        if (offline()) {
            throw new ZooDownloadException(ZooDownloadException.Reason.OFFLINE, url, dest, adler32,
                    (note.isEmpty() ? "" : note + "; ") + "offline mode is on (" + OFFLINE_PROPERTY
                            + " / DL4J_BRIDGE_OFFLINE) and the file is not in the cache", null);
        }
        download(url, dest, adler32);
        return dest;
    }

    private static void download(String url, Path dest, long adler32) throws IOException {
        Files.createDirectories(dest.getParent());
        Path tmp = org.dl4jbridge.util.AtomicFiles.newTempFile(dest.getParent(), "." + dest.getFileName() + ".", ".part");
        try {
            Adler32 sum = new Adler32();
            try (InputStream in = open(url, dest, adler32); OutputStream out = Files.newOutputStream(tmp)) {
                byte[] buf = new byte[1 << 20];
                for (int n; (n = in.read(buf)) > 0; ) {
                    Interrupts.check("downloading " + url);  // the temporary file is deleted below
                    out.write(buf, 0, n);
                    sum.update(buf, 0, n);
                }
            } catch (ZooDownloadException e) {
                throw e;
            } catch (IOException e) {
                throw new ZooDownloadException(ZooDownloadException.Reason.UNREACHABLE, url, dest, adler32,
                        "the download broke off: " + e, e);
            }
            if (sum.getValue() != adler32) {
                Path bad = dest.resolveSibling(dest.getFileName() + ".bad");
                Files.move(tmp, bad, StandardCopyOption.REPLACE_EXISTING);
                throw new ZooDownloadException(ZooDownloadException.Reason.CHECKSUM_MISMATCH, url, dest, adler32,
                        "the downloaded file has Adler-32 " + sum.getValue() + "; it was kept aside as " + bad
                                + " and the cache path was left untouched (corrupt download, or the mirror serves a different file)", null);
            }
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static InputStream open(String url, Path dest, long adler32) throws ZooDownloadException {
        try {
            URLConnection c = new URL(url).openConnection();
            c.setConnectTimeout(TIMEOUT_MS);
            c.setReadTimeout(TIMEOUT_MS);
            return c.getInputStream();
        } catch (IOException | IllegalArgumentException e) {
            throw new ZooDownloadException(ZooDownloadException.Reason.UNREACHABLE, url, dest, adler32,
                    "could not download the pretrained file (" + e + ")", e);
        }
    }

    private static Path setAside(Path file) throws IOException {
        Path bad = file.resolveSibling(file.getFileName() + ".bad");
        Files.move(file, bad, StandardCopyOption.REPLACE_EXISTING);
        return bad;
    }

    public static long adler32(Path file) throws IOException {
        Adler32 sum = new Adler32();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                Interrupts.check("verifying " + file);
                sum.update(buf, 0, n);
            }
        }
        return sum.getValue();
    }

    /** The SHA-256 of a file as lowercase hex (how PyPI and pip identify files). */
    public static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java runtime lacks SHA-256", e);
        }
    }
}
