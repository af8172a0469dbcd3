package dev.kembed.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kembed.avro.Document;
import dev.kembed.serde.AvroWireFormat;
import dev.kembed.text.BadInputException;
import dev.kembed.text.DocumentText;
import dev.kembed.text.WindowPlan;
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
 * Turns an input value into a {@link DocumentEvent}, or throws a {@link dev.kembed.error.KembedException}:
 * bad input (its reason becomes the DLQ header) or retryable (the schema registry does not answer).
 * The record key is the document id and wins over an id in the value.
 */
public final class DocumentDecoder {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InputFormat format;
    private final AvroWireFormat avro;
    private final int maxChars;
    private final int vocabSize;
    private final int metadataMaxBytes;

    public DocumentDecoder(InputFormat format, AvroWireFormat avro, int maxChars, int vocabSize) {
        this(format, avro, maxChars, vocabSize, RecordLimits.DEFAULT_METADATA_MAX_BYTES);
    }

    /** @param metadataMaxBytes {@code kembed.metadata.max.bytes}: the metadata is copied into every output and chunk record */
    public DocumentDecoder(InputFormat format, AvroWireFormat avro, int maxChars, int vocabSize, int metadataMaxBytes) {
        this.format = format;
        this.avro = avro;
        this.maxChars = maxChars;
        this.vocabSize = vocabSize;
        this.metadataMaxBytes = metadataMaxBytes;
    }

    /**
     * The document id rule, for values and tombstones alike: present, not empty, no NUL, at most
     * {@link RecordLimits#ID_MAX_BYTES} in UTF-8 (the id is copied into every record of the document).
     */
    public static void checkKey(String key) {
        if (key == null) {
            throw new BadInputException("null-key", "the record has no key; kembed needs the document id as key");
        }
        if (key.isEmpty() || key.indexOf('\u0000') >= 0) {
            throw new BadInputException("invalid-key", "the document id (record key) is empty or holds a NUL character");
        }
        long bytes = RecordLimits.utf8Length(key);
        if (bytes > RecordLimits.ID_MAX_BYTES) {
            throw new BadInputException("key-too-long", "the document id (record key) has " + bytes + " bytes; at most "
                    + RecordLimits.ID_MAX_BYTES + " are allowed");
        }
    }

    public DocumentEvent decode(String key, byte[] value) {
        checkKey(key);
        DocumentEvent e = switch (format) {
            case TEXT -> new DocumentEvent(key, withoutBom(utf8(value)), null, Map.of(), null, null, null);
            case JSON -> json(key, value);
            case AVRO -> avro(key, value);
        };
        if (e.text() != null) {
            DocumentText.check(e.text());
        }
        if (e.text() != null && e.text().length() > maxChars) {
            throw new BadInputException("text-too-long", "text has " + e.text().length() + " chars; kembed.input.max.chars is " + maxChars);
        }
        long metadataBytes = RecordLimits.metadataBytes(e.metadata());
        if (metadataBytes > metadataMaxBytes) {
            throw new BadInputException("metadata-too-large", "the metadata has " + metadataBytes + " bytes (keys and values in UTF-8, 12 per "
                    + "entry); kembed.metadata.max.bytes is " + metadataMaxBytes + " (it is copied into every output and chunk record)");
        }
        if (e.inputIds() != null) {
            WindowPlan.checkContentIds(e.inputIds(), vocabSize); // here too, so the dead letter keeps the original bytes
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

    /** A leading U+FEFF is an encoding mark some Windows tools write, not content. */
    private static String withoutBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    private DocumentEvent json(String key, byte[] value) {
        JsonNode n;
        try {
            n = JSON.readTree(withoutBom(utf8(value)));
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
                JsonNode id = arr.get(i);
                // canConvertToInt() alone accepts 5.5 (it fits an int once truncated)
                if (!id.isIntegralNumber() || !id.canConvertToInt()) {
                    throw new BadInputException("invalid-input-ids", "input_ids[" + i + "] is " + id + ", not an integer token id");
                }
                ids[i] = id.asInt();
            }
        }
        requireContent(text, ids);
        Map<String, String> meta = new LinkedHashMap<>();
        JsonNode m = n.get("metadata");
        if (m != null && !m.isNull() && !m.isObject()) {
            throw new BadInputException("invalid-metadata", "\"metadata\" must be an object of string values, got " + m.getNodeType().name()
                    .toLowerCase(java.util.Locale.ROOT));
        }
        if (m != null && m.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                meta.put(f.getKey(), f.getValue().isTextual() ? f.getValue().asText() : f.getValue().toString());
            }
        }
        return new DocumentEvent(key, text, ids, meta, longField(n, "version"), longField(n, "timestamp"), null);
    }

    /**
     * A 64-bit integer: a JSON integer, or a string holding one (JavaScript producers send 64-bit
     * numbers as strings, since a JSON number past 2^53 loses digits there). Anything else
     * ({@code "abc"}, {@code 7.5}, {@code true}) is refused instead of becoming 0.
     */
    private static Long longField(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return v.asLong();
        }
        if (v.isTextual() && v.asText().matches("-?[0-9]{1,19}")) {
            try {
                return Long.parseLong(v.asText());
            } catch (NumberFormatException e) {
                // past Long.MAX_VALUE: refused below
            }
        }
        throw new BadInputException("invalid-" + field, "\"" + field + "\" must be a 64-bit integer (or a string of one), got " + v);
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

    private DocumentEvent avro(String key, byte[] value) {
        // a SerdeException that is bad input (not wire format, undecodable, unknown schema id) reaches the
        // dead-letter topic; one that is retryable (the registry does not answer) parks the record
        GenericRecord r = avro.read(value, Document.getClassSchema());
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
        return new DocumentEvent(key, text, ids, meta, (Long) r.get("version"), (Long) r.get("timestamp"), null);
    }
}
