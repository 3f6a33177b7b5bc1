package org.dl4jbridge.zoo;

import org.dl4jbridge.util.ModelFormatException;

/**
 * A PyTorch checkpoint could not be read: names the file, the position or key, and what was found.
 * A ModelFormatException, so Python sees a ModelFormatError.
 */
public class CheckpointFormatException extends ModelFormatException {
    private static final long serialVersionUID = 1L;

    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
