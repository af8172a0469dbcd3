package dev.kembed.stream;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Turns {@link DeadLetter}s from decode and embed into dead-letter records: original key and value,
 * the source record's headers, plus headers naming the error and the failed document's own source
 * coordinates (carried in the letter: a letter may be written while another record is processed).
 */
final class DeadLetterProcessor implements Processor<String, DeadLetter, byte[], byte[]> {
    private ProcessorContext<byte[], byte[]> ctx;

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.ctx = context;
    }

    @Override
    public void process(Record<String, DeadLetter> record) {
        DeadLetter letter = record.value();
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.add(Names.HEADER_REASON, bytes(letter.reason()));
        headers.add(Names.HEADER_MESSAGE, bytes(letter.message()));
        SourceRecord s = letter.source();
        headers.add(Names.HEADER_TOPIC, bytes(s.topic()));
        headers.add(Names.HEADER_PARTITION, bytes(Integer.toString(s.partition())));
        headers.add(Names.HEADER_OFFSET, bytes(Long.toString(s.offset())));
        ctx.forward(new Record<>(letter.key(), letter.value(), record.timestamp(), headers), Names.DLQ_SINK);
    }

    static byte[] bytes(String s) {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }
}
