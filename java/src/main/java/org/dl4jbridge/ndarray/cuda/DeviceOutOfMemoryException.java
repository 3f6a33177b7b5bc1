package org.dl4jbridge.ndarray.cuda;

/** The GPU has too little free memory for an allocation; the message names the sizes and the fix. */
public final class DeviceOutOfMemoryException extends RuntimeException {
    public DeviceOutOfMemoryException(String message) { super(message); }
}
