package dev.kembed.engine.djl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Graph files kept between starts (an engine cache directory). A graph is written to a temporary
 * file and moved into place atomically, then its size and SHA-256 go into a {@code .sha256} file
 * beside it; a cached graph is used only when that record matches. A crash mid-write, a truncated
 * or altered file, or a file from before this format is rebuilt, never loaded.
 */
public final class GraphCache {
    private static final Logger LOG = LoggerFactory.getLogger(GraphCache.class);

    /** Writes a complete graph to the path it is given. */
    @FunctionalInterface
    public interface GraphWriter {
        void writeTo(Path file) throws IOException;
    }

    private GraphCache() {}

    /** {@code dir/name}, valid: the cached file if its record matches, else one {@code writer} writes now. */
    public static Path ensure(Path dir, String name, GraphWriter writer) throws IOException {
        Path file = dir.resolve(name);
        Path record = dir.resolve(name + ".sha256");
        String problem = problem(file, record);
        if (problem == null) {
            return file;
        }
        if (Files.exists(file)) {
            LOG.warn("cached graph {} is not usable ({}): rebuilding it", file, problem);
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, name + ".", ".tmp");
        try {
            writer.writeTo(tmp);
            String written = describe(tmp);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            Path recordTmp = Files.createTempFile(dir, name + ".", ".sha256.tmp");
            Files.writeString(recordTmp, written, StandardCharsets.UTF_8);
            Files.move(recordTmp, record, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Null when {@code file} is what {@code record} says was written; else why not. */
    static String problem(Path file, Path record) throws IOException {
        if (!Files.exists(file)) {
            return "absent";
        }
        if (!Files.exists(record)) {
            return "no " + record.getFileName() + " (written before this cache format, or not finished)";
        }
        String expected = Files.readString(record, StandardCharsets.UTF_8).trim();
        String actual = describe(file);
        return expected.equals(actual) ? null : "expected " + expected + ", found " + actual;
    }

    /** {@code <size> <sha256>} of a file. */
    static String describe(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            long size = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
                size += n;
            }
            return size + " " + HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
