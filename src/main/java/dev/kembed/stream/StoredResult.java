package dev.kembed.stream;

import dev.kembed.engine.WindowResult;

/** A window's pooled result as the window-results store keeps it, with the identity that makes it reusable. */
record StoredResult(String identity, float[] cls, float[] sum, float count) {
    static StoredResult of(String identity, WindowResult r) {
        return new StoredResult(identity, r.cls(), r.sum(), r.count());
    }

    WindowResult result() {
        return new WindowResult(cls, sum, count, null);
    }
}
