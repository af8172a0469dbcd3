package dev.kembed.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Lengths in an untrusted pickle are checked against the file before anything is allocated for them. */
class RestrictedUnpicklerTest {
    static byte[] pickle(int capacity, java.util.function.Consumer<ByteBuffer> body) {
        ByteBuffer b = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x80).put((byte) 2); // PROTO 2
        body.accept(b);
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    static Object load(byte[] data) {
        return new RestrictedUnpickler(data, "evil.pkl").load();
    }

    @Test
    void aTwentyByteFileCannotClaimGigabytes() {
        byte[] twoGb = pickle(20, b -> b.put((byte) 'B').putInt(2_000_000_000).put(new byte[10]));
        assertThat(twoGb.length).isLessThanOrEqualTo(20);
        assertThatThrownBy(() -> load(twoGb)).isInstanceOf(CheckpointException.class)
                .hasMessage("evil.pkl: a length of 2000000000 bytes at offset 7 runs past the end of the pickle (10 bytes left)");
        byte[] fourGb = pickle(20, b -> b.put((byte) 'X').putInt(-1)); // an unsigned 4-byte length, not a negative one
        assertThatThrownBy(() -> load(fourGb)).isInstanceOf(CheckpointException.class).hasMessageContaining("a length of 4294967295 bytes");
        byte[] huge = pickle(20, b -> b.put((byte) 0x8d).putLong(1L << 40));
        assertThatThrownBy(() -> load(huge)).isInstanceOf(CheckpointException.class).hasMessageContaining("a length of 1099511627776 bytes");
        byte[] negative = pickle(20, b -> b.put((byte) 0x8d).putLong(-5));
        assertThatThrownBy(() -> load(negative)).isInstanceOf(CheckpointException.class).hasMessageContaining("a length of -5 bytes at offset 11");
    }

    @Test
    void aTruncatedArgumentIsAClearError() {
        byte[] cut = pickle(20, b -> b.put((byte) 'J').put((byte) 1).put((byte) 2));
        assertThatThrownBy(() -> load(cut)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("evil.pkl: truncated: an opcode's argument runs past the end of the pickle");
    }

    @Test
    void aWellFormedShortStringStillLoads() {
        byte[] ok = pickle(20, b -> b.put((byte) 0x8c).put((byte) 2).put((byte) 'h').put((byte) 'i').put((byte) '.'));
        assertThat(load(ok)).isEqualTo("hi");
    }
}
