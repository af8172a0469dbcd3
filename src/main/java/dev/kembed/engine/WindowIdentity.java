package dev.kembed.engine;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What fully determines a window's result, hashed: the engine and the model it runs (fingerprint
 * qualified by precision), what else fixes the engine's numbers ({@link EngineInfo#numerics}: graph
 * format version, linear format, variant), the window's token ids, its global-attention mask, its pool mask
 * (which tokens it owns) and its chunk slots (late chunking). Equal identities have equal results, so a result can be reused; a
 * different model, precision or engine never matches. 128 bits of SHA-256.
 */
public final class WindowIdentity {
    private WindowIdentity() {}

    public static String of(EngineInfo engine, EngineWindow w) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((engine.engine() + "\n" + engine.modelFingerprint() + "\n" + engine.numerics() + "\n").getBytes(StandardCharsets.UTF_8));
            d.update(ints(w.inputIds()));
            d.update((byte) 0xFE); // separators keep (ids, masks) splits from colliding
            d.update(w.globalMask() == null ? new byte[0] : ints(w.globalMask()));
            d.update((byte) 0xFE);
            d.update(ints(w.poolMask()));
            if (w.chunkSlots() != null) { // windows without chunk slots keep the identities they had before late chunking
                d.update((byte) 0xFD);
                d.update(ints(w.chunkSlots()));
            }
            byte[] h = d.digest();
            return HexFormat.of().formatHex(h, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static byte[] ints(int[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 + values.length * 4);
        b.putInt(values.length);
        for (int v : values) {
            b.putInt(v);
        }
        return b.array();
    }
}
