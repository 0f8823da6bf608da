import type { Logger } from 'pino';
import type { Pool } from '../platform/db.js';
import { withTransaction } from '../platform/db.js';
import type { Metrics } from '../platform/metrics.js';
import { safeError } from '../platform/logger.js';
import type { Queues } from '../platform/queues.js';
import { QueueUnavailable, enqueueMirror } from './relay-enqueue.js';
import { backlog, claimRelayedUnprocessed, claimUnrelayed, markRelayed, unclaim } from './inbox.repository.js';

/**
 * Moves committed inbox rows into BullMQ in bulk (transactional outbox). Intake never waits for Redis:
 * if Redis is down the rows wait here and the relay retries with backoff. Job ids make a repeated pass harmless.
 *
 * Two ways in. Webhook intake writes its rows already claimed (enqueued_at set in the INSERT) and hands the new ids
 * to `relayClaimed` after the commit: no relay pass has to find and re-write every row (that UPDATE was a quarter of
 * Postgres's work per delivery). Rows written unclaimed (backfill, reconciliation, re-fetch) are found and claimed by
 * a pass over the unrelayed index, on `kick()` and every idle interval. Claimed ids the queue will not take (it is
 * down) are unclaimed again, so they wait in the inbox like any unrelayed row; only a process killed in the few
 * milliseconds between its commit and the hand-over leaves claimed rows behind, and the orphan sweep below relays
 * them (late, never lost).
 *
 * Redis may also lose jobs it had accepted (a restart without persistence, the last second of an AOF
 * `everysec`, a failover). Rows relayed but still unprocessed are therefore relayed again: all of them as soon
 * as the relay reaches the queue after an outage, and those relayed longer than `orphanAgeMs` ago on every
 * sweep. Re-adding a job id that still exists in the queue is a no-op; a job run twice finds its recorded outcome.
 */
export interface RelayOptions {
  pool: Pool;
  queues: Queues;
  log: Logger;
  metrics: Metrics;
  batchSize?: number;
  idleIntervalMs?: number;
  /** How often relayed-but-unprocessed rows are checked for jobs Redis may have lost. */
  sweepIntervalMs?: number;
  /** A row relayed this long ago and still unprocessed is relayed again by the periodic sweep. */
  orphanAgeMs?: number;
}

/**
 * Under load a pass waits this long for the next burst of commits: one `addBulk` then carries ~100 ms of deliveries
 * instead of ~20 (each call is a Redis round trip and a BullMQ script per job, ~1 ms of this process's CPU), at the
 * price of a delivery reaching its worker up to 0.1 s later while a burst lasts. An idle relay starts at once.
 */
const COALESCE_MS = 100;
/** A sweep re-relays at most this many batches; new deliveries are relayed between sweeps. */
const MAX_REQUEUE_ROUNDS = 5;

export function createRelay(o: RelayOptions) {
  const batchSize = o.batchSize ?? 500;
  const idleMs = o.idleIntervalMs ?? 1000;
  const sweepEveryMs = o.sweepIntervalMs ?? 60_000;
  const orphanAgeMs = o.orphanAgeMs ?? 15 * 60_000;
  let lastSweepAt = 0;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = true;
  let failures = 0;
  /** When the queue, once reached, stopped answering (0: no outage, or never reached since start). */
  let outageSince = 0;
  let reachedQueue = false;
  /** Committed, claimed at insert, not in the queue yet (oldest first). */
  let held: number[] = [];
  /**
   * Whether the next pass also looks for rows written unclaimed (backfill, reconciliation, re-fetch, rows given back,
   * other processes' leftovers): asked by kick() and the idle timer, and at least every idle interval under load —
   * not after each intake commit, whose rows this process already holds (that scan was a transaction per pass).
   */
  let scanWanted = true;
  let lastScanAt = 0;
  /** Ids committed while stopped, being unclaimed; a pass waits for it so it can claim them. */
  let giveBack: Promise<void> = Promise.resolve();

  const enqueue = (ids: number[], pass = '') => enqueueMirror(o.queues, ids, pass);

  async function passOnce(): Promise<number> {
    return withTransaction(o.pool, async (db) => {
      const ids = await claimUnrelayed(db, batchSize); // marked too: the rollback undoes it if enqueue throws
      if (!ids.length) return 0;
      await enqueue(ids);
      return ids.length;
    });
  }

  /** Hands the held ids to the queue, oldest first. Throws (keeping what is left) if the queue fails. */
  async function flushHeld(): Promise<void> {
    while (held.length) {
      const ids = held.slice(0, batchSize).sort((a, b) => a - b);
      await enqueue(ids);
      held = held.slice(ids.length);
      o.metrics.relayedJobs.inc(ids.length);
    }
  }

  /**
   * The queue is unreachable: held ids are unclaimed, so the rows wait in the inbox for a pass that reaches the queue
   * (in this process or any other) instead of in this process's memory. Kept if Postgres is unreachable too.
   */
  async function releaseHeld(): Promise<void> {
    if (!held.length) return;
    const ids = held;
    held = [];
    try {
      await unclaim(o.pool, ids);
    } catch {
      held = ids.concat(held);
    }
  }

  /** Relays again every row relayed at least minAgeMs ago and not processed yet. Returns how many. */
  async function requeueRelayed(minAgeMs: number): Promise<number> {
    let afterId = 0;
    let total = 0;
    const pass = `-r${Date.now()}`;
    for (let round = 0; round < MAX_REQUEUE_ROUNDS; round++) {
      const ids = await withTransaction(o.pool, async (db) => {
        const claimed = await claimRelayedUnprocessed(db, minAgeMs, afterId, batchSize);
        if (claimed.length) {
          await enqueue(claimed, pass);
          await markRelayed(db, claimed);
        }
        return claimed;
      });
      total += ids.length;
      if (ids.length < batchSize || stopped) return total;
      afterId = ids[ids.length - 1]!;
    }
    return total; // the rest waits for the next sweep, so new deliveries are not held up
  }

  async function loop(): Promise<void> {
    do {
      again = false;
      try {
        if (!o.queues.isReady()) throw new QueueUnavailable('queue connection not ready');
        await giveBack;
        await flushHeld();
        if (scanWanted || Date.now() - lastScanAt >= idleMs) {
          scanWanted = false;
          lastScanAt = Date.now();
          let moved: number;
          do {
            moved = await passOnce();
            if (moved) o.metrics.relayedJobs.inc(moved);
          } while (moved === batchSize && !stopped);
        }
        // After an outage Redis may have come back without the jobs it held: relay again every unprocessed row
        // relayed before the outage began (rows relayed since then went to the queue as it is now). A queue not yet
        // ready at start is no outage: what earlier processes relayed is the orphan sweep's.
        const afterOutage = failures > 0 && outageSince > 0;
        if (afterOutage || Date.now() - lastSweepAt >= sweepEveryMs) {
          const requeued = await requeueRelayed(afterOutage ? Math.max(0, Date.now() - outageSince) : orphanAgeMs);
          lastSweepAt = Date.now();
          if (requeued) o.metrics.relayedJobs.inc(requeued);
          if (afterOutage) o.log.info({ failures, requeued }, 'relay reached the queue again');
          else if (requeued) o.log.warn({ requeued }, 'relayed deliveries again that were not processed in time');
        }
        failures = 0;
        outageSince = 0;
        reachedQueue = true;
      } catch (err) {
        if (err instanceof QueueUnavailable && reachedQueue && !outageSince) outageSince = Date.now();
        failures++;
        scanWanted = true; // rows given back below, or a scan cut short, wait in the inbox
        await releaseHeld();
        o.metrics.relayErrors.inc();
        if (failures === 1 || failures % 30 === 0) o.log.warn({ err: safeError(err), failures }, 'relay cannot reach the queue; deliveries wait in the inbox');
      }
      // Under load every intake commit kicks the relay; waiting a moment lets one pass carry the whole burst. After
      // a failed pass the back-off timer decides when to try again.
      if (again && !stopped && !failures) await new Promise((r) => setTimeout(r, COALESCE_MS));
    } while (again && !stopped && !failures);
  }

  function schedule(delay: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void kick(), delay);
  }

  /** Runs a pass now (or right after the current one) that also looks for unclaimed rows in the inbox. */
  function kick(): Promise<void> {
    scanWanted = true;
    return run();
  }

  function run(): Promise<void> {
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
    /**
     * Ids this process committed already claimed (insertDeliveries with `claimed`): queued on the next pass. Every
     * process that takes webhooks runs its relay from start to shutdown (after the intake's last commit).
     */
    relayClaimed(ids: number[]): void {
      if (stopped) {
        // Nothing would hand them over (a process that takes webhooks without its relay, or a commit after stop):
        // back to the inbox for any relay, instead of claimed rows only the 15-minute orphan sweep would find.
        giveBack = giveBack.then(() => unclaim(o.pool, ids)).catch((err) => {
          held.push(...ids); // handed over at the next start; if there is none, the orphan sweep finds the rows
          o.log.warn({ err: safeError(err), ids: ids.length }, 'could not give committed deliveries back to the inbox');
        });
        return;
      }
      for (const id of ids) held.push(id);
      // While the queue is down the back-off timer hands held ids back to the inbox; a commit does not wake the loop.
      if (!failures || o.queues.isReady()) void run();
    },
    /** Claimed ids not in the queue yet (this process). */
    held: () => held.length,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await giveBack;
      // Hand over what this process still holds; if the queue cannot take them they are unclaimed for the next relay.
      if (held.length) await flushHeld().catch(releaseHeld);
    },
    /** Resolves once ids committed while stopped are back in the inbox. */
    givenBack: () => giveBack,
    async refreshBacklogGauge() {
      const b = await backlog(o.pool);
      o.metrics.inboxBacklog.set({ stage: 'unrelayed' }, b.unrelayed + held.length);
      o.metrics.inboxBacklog.set({ stage: 'unprocessed' }, b.unprocessed);
    },
  };
}

export type Relay = ReturnType<typeof createRelay>;
