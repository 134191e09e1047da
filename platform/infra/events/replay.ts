import type { DataSource } from 'typeorm';
import type { Logger } from '#platform/infra/observability/logger';
import type { ConsumerProcessor } from '#platform/infra/events/consumer';
import { schemaName, withRunner } from '#platform/infra/events/db';
import type { EventTransport } from '#platform/infra/events/transport';

export interface ReplayResult {
  consumer: string;
  since: string;
  /** Events of the consumer's types found in the retained log since then. */
  events: number;
  applied: number;
  duplicate: number;
  retry: number;
  deadLetter: number;
}

/**
 * Runs one consumer's handlers again over the retained log from `since` (by occurrence time): its
 * processed-id marks from then on are forgotten first, so each event is applied once more. Handlers
 * should therefore be idempotent on the event id where their effect allows (as analytics is), so
 * that a replay rebuilds rather than doubles. Events earlier than `since` are not touched.
 */
export async function replayConsumer(options: {
  dataSource: DataSource;
  schema: string;
  transport: EventTransport;
  processor: ConsumerProcessor;
  since: Date;
  log: Logger;
}): Promise<ReplayResult> {
  const { dataSource, transport, processor, since, log } = options;
  const s = schemaName(options.schema);
  const result: ReplayResult = {
    consumer: processor.name,
    since: since.toISOString(),
    events: 0,
    applied: 0,
    duplicate: 0,
    retry: 0,
    deadLetter: 0,
  };
  await withRunner(dataSource, (r) =>
    r.query(`DELETE FROM ${s}.processed_events WHERE consumer = $1 AND occurred_at >= $2`, [processor.name, since]),
  );
  for await (const page of transport.readSince(since, processor.types)) {
    for (const event of page) {
      result.events += 1;
      const outcome = await processor.process(event);
      if (outcome === 'applied') {
        result.applied += 1;
        await withRunner(dataSource, (r) =>
          r
            .query(`DELETE FROM ${s}.dead_letters WHERE consumer = $1 AND event_id = $2`, [processor.name, event.id])
            .then(() =>
              r.query(`DELETE FROM ${s}.event_retries WHERE consumer = $1 AND event_id = $2`, [
                processor.name,
                event.id,
              ]),
            ),
        );
      } else if (outcome === 'duplicate') result.duplicate += 1;
      else if (outcome === 'retry') result.retry += 1;
      else if (outcome === 'dead_letter') result.deadLetter += 1;
    }
  }
  log.info(result, 'replay finished');
  return result;
}
