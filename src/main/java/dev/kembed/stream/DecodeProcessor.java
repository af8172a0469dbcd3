package dev.kembed.stream;

import dev.kembed.text.BadInputException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Raw bytes in; a {@link DocumentEvent} (or a tombstone) on to the embed processor, or a
 * {@link DeadLetter} with the original bytes and the reason. Never throws on bad input.
 */
final class DecodeProcessor implements Processor<byte[], byte[], String, Decoded> {
    private final DocumentDecoder decoder;
    private final PipelineMetrics metrics;
    private ProcessorContext<String, Decoded> ctx;

    DecodeProcessor(DocumentDecoder decoder, PipelineMetrics metrics) {
        this.decoder = decoder;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Decoded> context) {
        this.ctx = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        metrics.documentIn();
        try {
            String key = record.key() == null ? null : DocumentDecoder.utf8(record.key());
            if (record.value() == null) {
                DocumentDecoder.checkKey(key); // a tombstone names the document it deletes by the same rule
                ctx.forward(record.withKey(key).withValue((Decoded) null), Names.EMBED);
                return;
            }
            DocumentEvent event = decoder.decode(key, record.value());
            ctx.forward(record.withKey(key).withValue((Decoded) event), Names.EMBED);
        } catch (BadInputException e) {
            metrics.deadLetter(e.reason());
            ctx.forward(record.withKey((String) null).withValue((Decoded) new DeadLetter(record.key(), record.value(), e.reason(), e.getMessage())),
                    Names.DEAD_LETTERS);
        }
    }
}
