package dev.kembed.stream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Turns {@link DeadLetter}s from decode and embed into dead-letter records: original key and value,
 * the source record's headers (bounded by {@link SourceHeaders}, carried on the record), plus headers
 * naming the error and the failed document's own source coordinates (carried in the letter: a letter
 * may be written while another record is processed).
 *
 * <p>A dead letter is bounded whatever the input was: the value is cut to
 * {@code kembed.dlq.max.value.bytes}, the key to {@link RecordLimits#DLQ_MAX_KEY_BYTES}, the message
 * to {@link RecordLimits#MESSAGE_MAX_CHARS}; the original sizes are in headers. A record the input
 * topic took can be larger than what the producer or the DLQ topic takes, and a refused send would
 * stop the stream thread and, under exactly-once, loop on the same input.
 */
final class DeadLetterProcessor implements Processor<String, DeadLetter, byte[], byte[]> {
    private final int maxValueBytes;
    private ProcessorContext<byte[], byte[]> ctx;

    DeadLetterProcessor(int maxValueBytes) {
        this.maxValueBytes = maxValueBytes;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.ctx = context;
    }

    @Override
    public void process(Record<String, DeadLetter> record) {
        DeadLetter letter = record.value();
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.add(Names.HEADER_REASON, bytes(letter.reason()));
        headers.add(Names.HEADER_MESSAGE, bytes(cut(letter.message())));
        SourceRecord s = letter.source();
        headers.add(Names.HEADER_TOPIC, bytes(s.topic()));
        headers.add(Names.HEADER_PARTITION, bytes(Integer.toString(s.partition())));
        headers.add(Names.HEADER_OFFSET, bytes(Long.toString(s.offset())));
        List<String> truncated = new ArrayList<>(2);
        byte[] key = letter.key();
        if (key != null) {
            headers.add(Names.HEADER_KEY_BYTES, bytes(Integer.toString(key.length)));
            if (key.length > RecordLimits.DLQ_MAX_KEY_BYTES) {
                key = Arrays.copyOf(key, RecordLimits.DLQ_MAX_KEY_BYTES);
                truncated.add("key");
            }
        }
        byte[] value = letter.value();
        if (value != null) {
            headers.add(Names.HEADER_VALUE_BYTES, bytes(Integer.toString(value.length)));
            if (value.length > maxValueBytes) {
                value = Arrays.copyOf(value, maxValueBytes);
                truncated.add("value");
            }
        }
        if (!truncated.isEmpty()) {
            headers.add(Names.HEADER_TRUNCATED, bytes(String.join(",", truncated)));
        }
        ctx.forward(new Record<>(key, value, record.timestamp(), headers), Names.DLQ_SINK);
    }

    private static String cut(String message) {
        if (message == null || message.length() <= RecordLimits.MESSAGE_MAX_CHARS) {
            return message;
        }
        int end = RecordLimits.MESSAGE_MAX_CHARS - 1;
        if (Character.isHighSurrogate(message.charAt(end - 1))) {
            end--; // never half a character
        }
        return message.substring(0, end) + "…";
    }

    static byte[] bytes(String s) {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }
}
