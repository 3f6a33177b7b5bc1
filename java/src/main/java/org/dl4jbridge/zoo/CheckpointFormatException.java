package org.dl4jbridge.zoo;

import java.io.IOException;

/**
 * A PyTorch checkpoint could not be read: names the file, the position or key, and what was found.
 */
public class CheckpointFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
