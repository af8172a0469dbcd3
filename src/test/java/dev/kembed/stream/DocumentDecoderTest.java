package dev.kembed.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
            throw new SerdeException("registry-unavailable", "schema registry http://r:8081 unreachable: connection refused");
        }

        @Override
        public Schema byId(int id) {
            throw new SerdeException("registry-unavailable", "schema registry http://r:8081 unreachable: connection refused");
        }
    };

    @Test
    void registryOutageIsRetriedNotDeadLettered() {
        DocumentDecoder d = new DocumentDecoder(InputFormat.AVRO, new AvroWireFormat(DOWN), 1000, 100);
        assertThatThrownBy(() -> d.decode("k", new byte[] {0, 0, 0, 0, 1, 2}))
                .isInstanceOf(DocumentDecoder.RegistryUnavailableException.class)
                .isNotInstanceOf(BadInputException.class)
                .hasMessageContaining("unreachable");
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
}
