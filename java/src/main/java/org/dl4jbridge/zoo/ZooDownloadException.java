package org.dl4jbridge.zoo;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A pretrained file could not be made available: the download failed, offline mode forbade it, or
 * the file's Adler-32 was wrong. Carries the URL, the cache path and the expected checksum, and the
 * message says how to place the file by hand.
 */
public class ZooDownloadException extends IOException {
    private static final long serialVersionUID = 1L;

    public enum Reason { UNREACHABLE, OFFLINE, CHECKSUM_MISMATCH }

    private final Reason reason;
    private final String url;
    private final transient Path cachePath;
    private final long expectedAdler32;

    public ZooDownloadException(Reason reason, String url, Path cachePath, long expectedAdler32, String what, Throwable cause) {
        super(what + ". URL: " + url + "; cache path: " + cachePath + "; expected Adler-32: " + expectedAdler32
                + ". To place the file by hand, download " + url + " on a machine that can reach it and copy it to "
                + cachePath + " (its Adler-32 must be " + expectedAdler32 + "), or point the system property "
                + DL4JResources.BASE_URL_PROPERTY + " at a mirror (file:// works) or "
                + DL4JResources.DIRECTORY_PROPERTY + " at a folder that holds models/...", cause);
        this.reason = reason;
        this.url = url;
        this.cachePath = cachePath;
        this.expectedAdler32 = expectedAdler32;
    }

    public Reason reason() {
        return reason;
    }

    public String url() {
        return url;
    }

    public Path cachePath() {
        return cachePath;
    }

    public long expectedAdler32() {
        return expectedAdler32;
    }
}
