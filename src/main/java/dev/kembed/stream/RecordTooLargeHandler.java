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
 * run. Kafka Streams 4.1 has no dead-letter response here (KIP-1034's arrives later). Seen on a
 * real 4.1.1 broker with exactly_once_v2 (an output topic's max.message.bytes lowered under a
 * running kembed): CONTINUE is logged, but the refused send has left the producer's transaction in
 * an error state, so the commit fails ("Cannot execute transactional method because we are in an
 * error state"), the stream thread dies and is replaced, and the input is read again until the
 * topic takes the record. Skipping ends the loop only with at-least-once processing; under
 * exactly-once, prevention (the bounds and the start-up check) is what holds. Every other error
 * keeps Kafka's answer.
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
