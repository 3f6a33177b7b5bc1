package org.dl4jbridge.datasets;

import java.io.IOException;

/** The bytes of an image file could not be decoded (corrupt, truncated, or not an image format we read). */
public final class UnreadableImageException extends IOException {
    public UnreadableImageException(String message) { super(message); }
    public UnreadableImageException(String message, Throwable cause) { super(message, cause); }
}
