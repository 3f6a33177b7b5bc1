package org.dl4jbridge.util;

import java.io.IOException;

/**
 * A DL4J file (model zip, configuration.json, ND4J binary array) could not be read or written as
 * DL4J defines it. The message names the file or zip entry, what is wrong, and where possible the
 * value found and what was expected.
 */
public class ModelFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
