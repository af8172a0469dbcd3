package dev.kembed.engine.queue;

import java.util.Locale;

/** Whose work an engine batch is: a query's (the priority lane) or documents'. A batch is always one class. */
public enum WorkClass {
    QUERY, DOCUMENT;

    /** The metric tag value: {@code query}, {@code document}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static WorkClass of(TaskHandle owner) {
        return owner.priority() ? QUERY : DOCUMENT;
    }
}
