package dev.kembed.stream;

import dev.kembed.text.BadInputException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Raw bytes in; a {@link DocumentEvent} (or a tombstone) on to the embed processor, or the
 * original bytes to the dead-letter topic with the reason. Never throws on bad input.
 */
final class DecodeProcessor implements Processor<byte[], byte[], Object, Object> {
    private final DocumentDecoder decoder;
    private final PipelineMetrics metrics;
    private ProcessorContext<Object, Object> ctx;

    DecodeProcessor(DocumentDecoder decoder, PipelineMetrics metrics) {
        this.decoder = decoder;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.ctx = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        metrics.documentIn();
        try {
            String key = record.key() == null ? null : DocumentDecoder.utf8(record.key());
            if (record.value() == null) {
                if (key == null) {
                    throw new BadInputException("null-key", "a tombstone without a key");
                }
                ctx.forward(record.withKey((Object) key).withValue(null), Names.EMBED);
                return;
            }
            DocumentEvent event = decoder.decode(key, record.value());
            ctx.forward(record.withKey((Object) key).withValue((Object) event), Names.EMBED);
        } catch (BadInputException e) {
            metrics.deadLetter(e.reason());
            DeadLetters.send(ctx, record, record.key(), record.value(), e.reason(), e.getMessage());
        }
    }
}
