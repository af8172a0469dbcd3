package dev.kembed.serde;

/** A value that cannot be (de)serialized; {@code reason} is a short code for DLQ headers. */
public class SerdeException extends RuntimeException {
    private final String reason;

    public SerdeException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
