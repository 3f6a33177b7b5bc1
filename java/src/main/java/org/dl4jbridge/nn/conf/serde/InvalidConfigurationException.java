package org.dl4jbridge.nn.conf.serde;

/** configuration.json that cannot be read: names the JSON path, what was found and what was expected. */
public class InvalidConfigurationException extends IllegalArgumentException {
    public InvalidConfigurationException(String message) { super(message); }
    public InvalidConfigurationException(String message, Throwable cause) { super(message, cause); }
}
