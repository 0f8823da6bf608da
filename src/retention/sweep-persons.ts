import type { Logger } from 'pino';
import type { Pool, PoolClient } from '../platform/db.js';
import { withTransaction } from '../platform/db.js';
import { type BatchResult, type ErasureSettings, eraseBatch } from '../erasure/erasure.service.js';
import { advanceSweep, getSweep, nextDuePersons } from './sweep.repository.js';

/**
 * The persons phase of a sweep (P13): due persons in batches of ids, each erased in one transaction that also moves
 * the sweep's cursor. Up to `concurrency` batches work at once (Postgres does the heavy part; a second batch uses
 * the machine's second core), yet they commit strictly in order: a batch commits only after the one before it has
 * committed and the caller has handled it (ledger, fan-out, progress). So the cursor, the counts, the progress and a
 * crash at any point mean what they mean with one batch at a time: everyone up to the cursor is done, nobody after.
 */

export interface PersonsPhase {
  pool: Pool;
  log: Logger;
  erasure: ErasureSettings;
  sweepId: string;
  cutoff: Date;
  now: Date;
  batchSize: number;
  concurrency: number;
  /** After each batch commits, in order. A throw stops the phase; batches not yet committed roll back. */
  afterCommit: (r: BatchResult, ids: number[]) => Promise<void>;
}

interface InFlight {
  ids: number[];
  /** Held (transaction-scoped advisory lock) from the batch's start to its end, so the next one can wait in Postgres. */
  turn: string;
  done: Promise<BatchResult>;
  /** Resolved once the caller has handled this batch; rejected when the phase stops before that. */
  handled: Deferred;
}

type Deferred = { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void };

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  promise.catch(() => undefined); // awaited later, or by nobody when the phase stops
  return { promise, resolve, reject };
}

const TURN_LOCK = /* sql */ `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`; // $1 turn name

const STOPPED = 'retention sweep stopped before this batch committed';

/**
 * Failures that two batches at once can cause and one at a time cannot, after which the rest of the phase runs one
 * batch at a time: a deadlock on a row both change (Postgres breaks it), or the shared lock table running out
 * (a batch holds an advisory lock per email and customer id of its persons; by default the table has room for
 * max_locks_per_transaction 64 × ~120 backends ≈ 7,800 locks, shared with everything else).
 */
const isConcurrencyFailure = (err: unknown) => ['40P01', '53200'].includes((err as { code?: string }).code ?? '');

export async function sweepPersons(p: PersonsPhase): Promise<void> {
  try {
    await runPipeline(p, p.concurrency);
  } catch (err) {
    if (p.concurrency <= 1 || !isConcurrencyFailure(err)) throw err;
    const reason = (err as { code?: string }).code === '40P01' ? 'deadlocked on a row both change' : 'ran out of shared lock space';
    p.log.warn({ sweepId: p.sweepId }, `two retention batches ${reason}; the rest of the phase runs one batch at a time`);
    await runPipeline(p, 1);
  }
}

async function runPipeline(p: PersonsPhase, concurrency: number): Promise<void> {
  const sweep = await getSweep(p.pool, p.sweepId);
  let fetchedUpTo = Number(sweep!.cursor);
  let exhausted = false;
  let stopped = false;
  let serial = 0;
  const window: InFlight[] = [];
  let current: InFlight | undefined;

  const start = (ids: number[], prev: InFlight | undefined): { batch: InFlight; turnHeld: Promise<unknown> } => {
    const turn = `retention-sweep:${p.sweepId}:batch:${serial++}`;
    const handled = deferred();
    let held!: () => void;
    const turnTaken = new Promise<void>((res) => { held = res; });
    const done = withTransaction(p.pool, async (db: PoolClient) => {
      await db.query('SET LOCAL synchronous_commit = off'); // resumable: a lost tail is redone
      await db.query(TURN_LOCK, [turn]);
      held();
      const r = await eraseBatch(db, p.erasure, ids, { reason: 'retention', ref: p.sweepId, erasedAt: p.now, inactiveBefore: p.cutoff });
      if (prev) {
        // Wait in Postgres first: should the previous batch wait for a row this one holds, the deadlock is seen there.
        await db.query(TURN_LOCK, [prev.turn]);
        await prev.handled.promise;
      }
      if (stopped) throw new Error(STOPPED);
      await advanceSweep(db, p.sweepId, 'persons', ids[ids.length - 1]!, {
        personsErased: r.erased.length, personsHeld: r.held.length, ordersAnonymised: r.counts.orders ?? 0,
        fiscalArchived: r.counts['fiscal-archive'] ?? 0, inboxScrubbed: r.counts['webhook-inbox'] ?? 0,
      });
      return r;
    });
    done.catch(() => undefined); // its error surfaces when the loop reaches it
    return { batch: { ids, turn, done, handled }, turnHeld: Promise.race([turnTaken, done.catch(() => undefined)]) };
  };

  const fill = async () => {
    while (window.length < concurrency && !exhausted) {
      const ids = await nextDuePersons(p.pool, p.cutoff, p.now, fetchedUpTo, p.batchSize);
      if (!ids.length) {
        exhausted = true;
        break;
      }
      fetchedUpTo = ids[ids.length - 1]!;
      // After the one before it, which may be committed and still being handled (then no longer in the window).
      const { batch, turnHeld } = start(ids, window[window.length - 1] ?? current);
      await turnHeld; // the next batch must find this one's turn taken, not free
      window.push(batch);
    }
  };

  let filling: Promise<void> | undefined;
  try {
    for (;;) {
      await fill();
      current = window.shift();
      if (!current) return;
      const r = await current.done;
      // Committed: its transaction and locks are gone, so the next batch starts while the caller handles this one
      // (ledger fsync, fan-out, progress) — still at most `concurrency` transactions open. The handling runs even
      // if starting the next batch fails: what this batch committed must reach the ledger and the processors.
      filling = fill();
      filling.catch(() => undefined);
      await p.afterCommit(r, current.ids);
      current.handled.resolve();
      await filling;
    }
  } catch (err) {
    stopped = true;
    for (const b of [current, ...window]) b?.handled.reject(new Error(STOPPED));
    await filling?.catch(() => undefined);
    await Promise.allSettled(window.map((b) => b.done));
    throw err;
  }
}
