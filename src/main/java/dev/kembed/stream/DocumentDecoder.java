package dev.kembed.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.avro.Document;
import dev.kembed.serde.AvroWireFormat;
import dev.kembed.serde.SerdeException;
import dev.kembed.text.BadInputException;
import dev.kembed.text.DocumentText;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * Turns an input value into a {@link DocumentEvent}, or a {@link BadInputException} whose reason
 * becomes the DLQ header. The record key is the document id and wins over an id in the value.
 */
public final class DocumentDecoder {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InputFormat format;
    private final AvroWireFormat avro;
    private final int maxChars;
    private final int vocabSize;

    public DocumentDecoder(InputFormat format, AvroWireFormat avro, int maxChars, int vocabSize) {
        this.format = format;
        this.avro = avro;
        this.maxChars = maxChars;
        this.vocabSize = vocabSize;
    }

    public DocumentEvent decode(String key, byte[] value) {
        if (key == null) {
            throw new BadInputException("null-key", "the record has no key; kembed needs the document id as key");
        }
        if (key.isEmpty() || key.indexOf('\u0000') >= 0) {
            throw new BadInputException("invalid-key", "the document id (record key) is empty or holds a NUL character");
        }
        DocumentEvent e = switch (format) {
            case TEXT -> new DocumentEvent(key, utf8(value), null, Map.of(), null, null);
            case JSON -> json(key, value);
            case AVRO -> avro(key, value);
        };
        if (e.text() != null) {
            DocumentText.check(e.text());
        }
        if (e.text() != null && e.text().length() > maxChars) {
            throw new BadInputException("text-too-long", "text has " + e.text().length() + " chars; kembed.input.max.chars is " + maxChars);
        }
        if (e.inputIds() != null) {
            if (e.inputIds().length == 0) {
                throw new BadInputException("empty-input-ids", "input_ids is empty");
            }
            for (int id : e.inputIds()) {
                if (id < 0 || id >= vocabSize) {
                    throw new BadInputException("invalid-token-id", "input_ids holds " + id + ", outside the model's vocabulary [0, " + vocabSize + ")");
                }
            }
        }
        return e;
    }

    static String utf8(byte[] value) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString();
        } catch (CharacterCodingException e) {
            throw new BadInputException("invalid-utf8", "the value is not valid UTF-8");
        }
    }

    private DocumentEvent json(String key, byte[] value) {
        JsonNode n;
        try {
            n = JSON.readTree(utf8(value));
        } catch (IOException e) {
            throw new BadInputException("invalid-json", "the value is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (n == null || !n.isObject()) {
            throw new BadInputException("invalid-json", "the value must be a JSON object with \"text\" or \"input_ids\"");
        }
        String text = n.hasNonNull("text") ? textField(n.get("text")) : null;
        int[] ids = null;
        if (n.hasNonNull("input_ids")) {
            JsonNode arr = n.get("input_ids");
            if (!arr.isArray()) {
                throw new BadInputException("invalid-input-ids", "input_ids must be an array of integers");
            }
            ids = new int[arr.size()];
            for (int i = 0; i < ids.length; i++) {
                if (!arr.get(i).canConvertToInt()) {
                    throw new BadInputException("invalid-input-ids", "input_ids[" + i + "] is not an integer");
                }
                ids[i] = arr.get(i).asInt();
            }
        }
        requireContent(text, ids);
        Map<String, String> meta = new LinkedHashMap<>();
        JsonNode m = n.get("metadata");
        if (m != null && m.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                meta.put(f.getKey(), f.getValue().isTextual() ? f.getValue().asText() : f.getValue().toString());
            }
        }
        Long version = n.hasNonNull("version") ? n.get("version").asLong() : null;
        Long ts = n.hasNonNull("timestamp") ? n.get("timestamp").asLong() : null;
        return new DocumentEvent(key, text, ids, meta, version, ts);
    }

    private static String textField(JsonNode t) {
        if (!t.isTextual()) {
            throw new BadInputException("missing-text", "\"text\" must be a string");
        }
        return t.asText();
    }

    private static void requireContent(String text, int[] ids) {
        if (text == null && ids == null) {
            throw new BadInputException("missing-text", "the document has neither \"text\" nor \"input_ids\"");
        }
        if (text != null && ids != null) {
            throw new BadInputException("ambiguous-content", "the document has both \"text\" and \"input_ids\"; send one");
        }
    }

    /** The schema registry could not answer; retry later rather than dead-letter the record. */
    public static final class RegistryUnavailableException extends RuntimeException {
        RegistryUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    private DocumentEvent avro(String key, byte[] value) {
        GenericRecord r;
        try {
            r = avro.read(value, Document.getClassSchema());
        } catch (SerdeException e) {
            if (e.reason().startsWith("registry-")) {
                // the registry is down or failing, the record is fine: fail the stream thread (it is
                // replaced and the record re-read after a pause) instead of dead-lettering good data
                pause();
                throw new RegistryUnavailableException(e.getMessage(), e);
            }
            throw new BadInputException(e.reason(), e.getMessage());
        }
        Object t = r.get("text");
        String text = t == null ? null : t.toString();
        int[] ids = null;
        if (r.get("input_ids") instanceof List<?> l) {
            ids = l.stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        }
        requireContent(text, ids);
        Map<String, String> meta = new LinkedHashMap<>();
        if (r.get("metadata") instanceof Map<?, ?> m) {
            m.forEach((k, v) -> meta.put(k.toString(), v == null ? null : v.toString()));
        }
        return new DocumentEvent(key, text, ids, meta, (Long) r.get("version"), (Long) r.get("timestamp"));
    }
}
