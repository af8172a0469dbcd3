package dev.kembed.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kembed.error.KembedException;
import dev.kembed.serde.AvroWireFormat;
import dev.kembed.serde.SchemaRegistry;
import dev.kembed.serde.SerdeException;
import dev.kembed.text.BadInputException;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class DocumentDecoderTest {
    static final SchemaRegistry DOWN = new SchemaRegistry() {
        @Override
        public int register(String subject, Schema schema) {
            throw SerdeException.registryUnavailable("schema registry http://r:8081 unreachable: connection refused", null);
        }

        @Override
        public Schema byId(int id) {
            throw SerdeException.registryUnavailable("schema registry http://r:8081 unreachable: connection refused", null);
        }
    };

    @Test
    void registryOutageIsRetryableNotBadInput() {
        DocumentDecoder d = new DocumentDecoder(InputFormat.AVRO, new AvroWireFormat(DOWN), 1000, 100);
        assertThatThrownBy(() -> d.decode("k", new byte[] {0, 0, 0, 0, 1, 2}))
                .isInstanceOfSatisfying(KembedException.class, e -> {
                    assertThat(e.kind()).isEqualTo(KembedException.Kind.RETRYABLE);
                    assertThat(e.reason()).isEqualTo("registry-unavailable");
                })
                .isNotInstanceOf(BadInputException.class)
                .hasMessageContaining("unreachable");
    }

    @Test
    void aValueThatIsNotWireFormatIsBadInput() {
        DocumentDecoder d = new DocumentDecoder(InputFormat.AVRO, new AvroWireFormat(DOWN), 1000, 100);
        assertThatThrownBy(() -> d.decode("k", new byte[] {7, 1}))
                .isInstanceOfSatisfying(KembedException.class, e -> {
                    assertThat(e.kind()).isEqualTo(KembedException.Kind.BAD_INPUT);
                    assertThat(e.reason()).isEqualTo("not-wire-format");
                });
    }

    @Test
    void jsonKeyWinsAndMetadataPassesThrough() {
        DocumentDecoder d = new DocumentDecoder(InputFormat.JSON, null, 1000, 100);
        DocumentEvent e = d.decode("key-id", "{\"id\": \"value-id\", \"text\": \"hi\", \"metadata\": {\"a\": \"b\", \"n\": 3}, \"version\": 2}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(e.id()).isEqualTo("key-id");
        assertThat(e.metadata()).containsEntry("a", "b").containsEntry("n", "3");
        assertThat(e.version()).isEqualTo(2L);
    }

    @Test
    void preTokenizedIdsAreCheckedAgainstTheVocabulary() {
        DocumentDecoder d = new DocumentDecoder(InputFormat.JSON, null, 1000, 100);
        assertThat(d.decode("k", "{\"input_ids\": [0, 99]}".getBytes(StandardCharsets.UTF_8)).inputIds()).containsExactly(0, 99);
        assertThatThrownBy(() -> d.decode("k", "{\"input_ids\": [100]}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("outside the model's vocabulary [0, 100)");
    }

    static String reason(DocumentDecoder d, String key, String json) {
        try {
            d.decode(key, json.getBytes(StandardCharsets.UTF_8));
            return "accepted";
        } catch (BadInputException e) {
            return e.reason() + ": " + e.getMessage();
        }
    }

    @Test
    void fractionalTokenIdsAreRefusedNotTruncated() {
        DocumentDecoder d = new DocumentDecoder(InputFormat.JSON, null, 1000, 100);
        assertThat(reason(d, "k", "{\"input_ids\": [5.5, 7.2]}")).isEqualTo("invalid-input-ids: input_ids[0] is 5.5, not an integer token id");
        assertThat(reason(d, "k", "{\"input_ids\": [5, 7.0]}")).startsWith("invalid-input-ids: input_ids[1] is 7.0");
        assertThat(reason(d, "k", "{\"input_ids\": [5, \"7\"]}")).startsWith("invalid-input-ids: input_ids[1] is \"7\"");
        assertThat(reason(d, "k", "{\"input_ids\": [0, 5, 99]}")).isEqualTo("accepted");
    }

    @Test
    void versionAndTimestampAreIntegersOrStringsOfOne() {
        DocumentDecoder d = new DocumentDecoder(InputFormat.JSON, null, 1000, 100);
        assertThat(reason(d, "k", "{\"text\": \"t\", \"version\": \"abc\"}"))
                .isEqualTo("invalid-version: \"version\" must be a 64-bit integer (or a string of one), got \"abc\"");
        assertThat(reason(d, "k", "{\"text\": \"t\", \"version\": 7.5}")).startsWith("invalid-version");
        assertThat(reason(d, "k", "{\"text\": \"t\", \"version\": true}")).startsWith("invalid-version");
        assertThat(reason(d, "k", "{\"text\": \"t\", \"version\": \"99999999999999999999\"}")).startsWith("invalid-version");
        assertThat(reason(d, "k", "{\"text\": \"t\", \"timestamp\": \"yesterday\"}")).startsWith("invalid-timestamp");
        // a string of digits is a version: JavaScript producers send 64-bit numbers that way
        DocumentEvent quoted = d.decode("k", "{\"text\": \"t\", \"version\": \"7\", \"timestamp\": \"1764400000000\"}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(quoted.version()).isEqualTo(7L);
        assertThat(quoted.timestamp()).isEqualTo(1764400000000L);
        assertThat(d.decode("k", "{\"text\": \"t\", \"version\": 9007199254740993}".getBytes(StandardCharsets.UTF_8)).version())
                .isEqualTo(9007199254740993L);
        assertThat(d.decode("k", "{\"text\": \"t\", \"version\": null}".getBytes(StandardCharsets.UTF_8)).version()).isNull();
    }

    @Test
    void metadataThatIsNotAnObjectIsRefused() {
        DocumentDecoder d = new DocumentDecoder(InputFormat.JSON, null, 1000, 100);
        assertThat(reason(d, "k", "{\"text\": \"t\", \"metadata\": \"source=wiki\"}"))
                .isEqualTo("invalid-metadata: \"metadata\" must be an object of string values, got string");
        assertThat(reason(d, "k", "{\"text\": \"t\", \"metadata\": [1, 2]}")).isEqualTo(
                "invalid-metadata: \"metadata\" must be an object of string values, got array");
        assertThat(reason(d, "k", "{\"text\": \"t\", \"metadata\": null}")).isEqualTo("accepted");
    }

    @Test
    void aUtf8ByteOrderMarkIsAcceptedAndNotPartOfTheText() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] json = "{\"text\": \"hello\"}".getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[bom.length + json.length];
        System.arraycopy(bom, 0, value, 0, 3);
        System.arraycopy(json, 0, value, 3, json.length);
        assertThat(new DocumentDecoder(InputFormat.JSON, null, 1000, 100).decode("k", value).text()).isEqualTo("hello");
        byte[] text = "hello".getBytes(StandardCharsets.UTF_8);
        byte[] plain = new byte[3 + text.length];
        System.arraycopy(bom, 0, plain, 0, 3);
        System.arraycopy(text, 0, plain, 3, text.length);
        assertThat(new DocumentDecoder(InputFormat.TEXT, null, 1000, 100).decode("k", plain).text()).isEqualTo("hello");
    }
}
