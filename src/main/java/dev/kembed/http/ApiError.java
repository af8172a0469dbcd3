package dev.kembed.http;

/**
 * A request the routes refuse, or could not answer: the HTTP status, a stable code, a message for
 * the caller and the request field at fault (or null). Each route writes it in its ecosystem's
 * error shape.
 */
final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final String param;

    ApiError(int status, String code, String message, String param) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.param = param;
    }

    ApiError(int status, String code, String message) {
        this(status, code, message, null);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    String param() {
        return param;
    }
}
