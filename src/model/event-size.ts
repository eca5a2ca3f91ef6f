/**
 * The one limit on a change event's size (capture.maxEventBytes), as each party enforces it. Kafka
 * refuses a larger record at the producer (max.request.size), the broker (message.max.bytes) and
 * the topic (max.message.bytes); a source task whose record is refused fails, and with it every
 * table. So the database refuses such a row first, with room left for Debezium's envelope.
 */

/** Room in an event for what is not row data: Debezium's envelope, its source block and the JSON converter's schema. */
export const EVENT_ENVELOPE_BYTES = 64 * 1024;

/** Kafka's default producer buffer (buffer.memory): kept unless the limit needs more. */
const DEFAULT_PRODUCER_BUFFER_BYTES = 32 * 1024 * 1024;

/** The row data (as JSON, old and new row together) the database lets into one event. */
export function maxRowJsonBytes(maxEventBytes: number): number {
  return maxEventBytes - EVENT_ENVELOPE_BYTES;
}

/** The limit in each client's and server's own settings. */
export function eventSizeSettings(maxEventBytes: number) {
  return {
    /** Brokers: the largest record batch, and followers fetch at least that much. */
    broker: { 'message.max.bytes': maxEventBytes, 'replica.fetch.max.bytes': maxEventBytes },
    /** Each CDC topic (a topic's own limit wins over the broker's). */
    topic: { 'max.message.bytes': String(maxEventBytes) },
    /** Connect's producers (worker config: connectors may not override producer settings); the buffer holds several. */
    connectWorker: { 'producer.max.request.size': maxEventBytes, 'producer.buffer.memory': Math.max(DEFAULT_PRODUCER_BUFFER_BYTES, 4 * maxEventBytes) },
    /** Consumers: one fetch per partition carries a whole event. */
    consumer: { 'max.partition.fetch.bytes': maxEventBytes },
  } as const;
}
