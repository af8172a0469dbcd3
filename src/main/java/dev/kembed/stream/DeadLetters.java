package dev.kembed.stream;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Sends a record to the dead-letter topic with headers naming the error and the source coordinates. */
final class DeadLetters {
    private DeadLetters() {}

    static void send(ProcessorContext<Object, Object> ctx, Record<?, ?> source, byte[] key, byte[] value, String reason, String message) {
        RecordHeaders headers = new RecordHeaders(source.headers().toArray());
        headers.add(Names.HEADER_REASON, bytes(reason));
        headers.add(Names.HEADER_MESSAGE, bytes(message));
        RecordMetadata m = ctx.recordMetadata().orElse(null);
        if (m != null) {
            headers.add(Names.HEADER_TOPIC, bytes(m.topic()));
            headers.add(Names.HEADER_PARTITION, bytes(Integer.toString(m.partition())));
            headers.add(Names.HEADER_OFFSET, bytes(Long.toString(m.offset())));
        }
        ctx.forward(new Record<Object, Object>(key, value, source.timestamp(), headers), Names.DLQ_SINK);
    }

    static byte[] bytes(String s) {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }
}
