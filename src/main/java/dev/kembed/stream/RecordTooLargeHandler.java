package dev.kembed.stream;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last net under a record the producer or broker refuses for its size: logged with its topic,
 * size and source record, and skipped (CONTINUE) instead of failing the stream thread (Kafka's
 * default). kembed bounds what it writes and checks its topics at start-up, so this should never
 * run. Kafka Streams 4.1 has no dead-letter response here (KIP-1034's arrives later), and with
 * exactly-once a failed send also leaves the producer's transaction abortable (the client moves to
 * that state in {@code send} itself), so the task's transaction is aborted and its input re-read;
 * skipping only ends the loop with at-least-once processing. Every other error keeps Kafka's answer.
 */
public final class RecordTooLargeHandler implements ProductionExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(RecordTooLargeHandler.class);

    @Override
    public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (exception instanceof RecordTooLargeException) {
            LOG.error("record-too-large: a record of {} bytes (key {} bytes) to {} was refused ({}); source {}-{}@{}; skipped. kembed's bounds "
                    + "should make this impossible: please report it with this line", record.value() == null ? 0 : record.value().length,
                    record.key() == null ? 0 : record.key().length, record.topic(), exception.getMessage(), context.topic(), context.partition(),
                    context.offset());
            return ProductionExceptionHandlerResponse.CONTINUE;
        }
        return ProductionExceptionHandlerResponse.FAIL;
    }

    @Override
    public void configure(Map<String, ?> configs) {}
}
