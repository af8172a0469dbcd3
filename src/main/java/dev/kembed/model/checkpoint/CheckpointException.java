package dev.kembed.model.checkpoint;

import dev.kembed.error.KembedException;

/** A checkpoint that cannot be used as given; the message names the file and, where known, the tensor. Fatal: kembed cannot start on it. */
public class CheckpointException extends KembedException {
    public CheckpointException(String message) {
        super(Kind.FATAL, "bad-checkpoint", message, null);
    }

    public CheckpointException(String message, Throwable cause) {
        super(Kind.FATAL, "bad-checkpoint", message, cause);
    }
}
