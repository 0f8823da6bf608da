import type { Logger } from 'pino';
import type { Pool } from '../platform/db.js';
import { withTransaction } from '../platform/db.js';
import type { Metrics } from '../platform/metrics.js';
import { safeError } from '../platform/logger.js';
import type { Queues } from '../platform/queues.js';
import { JobName, jobId } from '../jobs.js';
import { backlog, claimUnrelayed, markRelayed } from './inbox.repository.js';

/**
 * Moves committed inbox rows into BullMQ in bulk (transactional outbox). Intake never waits for Redis:
 * if Redis is down the rows wait here and the relay retries with backoff. Job ids make a repeated pass harmless.
 */
export interface RelayOptions {
  pool: Pool;
  queues: Queues;
  log: Logger;
  metrics: Metrics;
  batchSize?: number;
  idleIntervalMs?: number;
}

export function createRelay(o: RelayOptions) {
  const batchSize = o.batchSize ?? 500;
  const idleMs = o.idleIntervalMs ?? 1000;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = true;
  let failures = 0;

  async function passOnce(): Promise<number> {
    return withTransaction(o.pool, async (db) => {
      const ids = await claimUnrelayed(db, batchSize);
      if (!ids.length) return 0;
      await o.queues.mirror.addBulk(
        ids.map((inboxId) => ({ name: JobName.MirrorDelivery, data: { inboxId }, opts: { jobId: jobId.mirrorDelivery(inboxId) } })),
      );
      await markRelayed(db, ids);
      return ids.length;
    });
  }

  async function loop(): Promise<void> {
    do {
      again = false;
      try {
        let moved: number;
        do {
          moved = await passOnce();
          if (moved) o.metrics.relayedJobs.inc(moved);
        } while (moved === batchSize && !stopped);
        if (failures) o.log.info({ failures }, 'relay reached the queue again');
        failures = 0;
      } catch (err) {
        failures++;
        o.metrics.relayErrors.inc();
        if (failures === 1 || failures % 30 === 0) o.log.warn({ err: safeError(err), failures }, 'relay cannot reach the queue; deliveries wait in the inbox');
      }
    } while (again && !stopped);
  }

  function schedule(delay: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void kick(), delay);
  }

  /** Runs a pass now (or right after the current one). Called after every intake commit. */
  function kick(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = loop().finally(() => {
      running = null;
      // Back off up to 10 s while the queue is unreachable; otherwise poll for rows other processes left behind.
      schedule(failures ? Math.min(10_000, 250 * 2 ** Math.min(failures, 6)) : idleMs);
    });
    return running;
  }

  return {
    start() {
      stopped = false;
      void kick();
    },
    kick,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    async refreshBacklogGauge() {
      const b = await backlog(o.pool);
      o.metrics.inboxBacklog.set({ stage: 'unrelayed' }, b.unrelayed);
      o.metrics.inboxBacklog.set({ stage: 'unprocessed' }, b.unprocessed);
    },
  };
}

export type Relay = ReturnType<typeof createRelay>;
