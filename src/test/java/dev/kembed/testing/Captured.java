package dev.kembed.testing;

import dev.kembed.app.KembedCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** A CLI run in this JVM with its exit code and what it printed to stderr. */
public record Captured(int exitCode, String stderr) {
    public static synchronized Captured run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int rc = KembedCli.execute(args);
            System.err.flush();
            return new Captured(rc, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }
}
