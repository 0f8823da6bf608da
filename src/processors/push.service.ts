import type { Logger } from 'pino';
import type { Pool } from '../platform/db.js';
import { withLock, withTransaction, withTryLock } from '../platform/db.js';
import type { Clock } from '../platform/clock.js';
import { gate } from './gate.js';
import { PUSH_BASIS } from './register.js';
import { loadPushContext } from './push-order.repository.js';
import { type SyncRecord, holdPerson, loadSync, lockPushesOf, markCalling, releasePerson, setExternalId, setSyncState } from './sync.repository.js';
import { type PostnlSettings, type SnelstartSettings, type StepResult, postnlStep, reviewsStep, snelstartStep } from './push-steps.js';
import type { ReviewsClient } from './reviews/reviews.types.js';
import { ProcessorError, type ProcessorId } from './types.js';
import { PUSH_LOCK } from './push-lock.js';

/**
 * Runs one push (a sync record): the processing gate first, then the processor's step. Outcomes land on the sync
 * record: done (with the external id), held, skipped (with the reason) or failed (with the processor's error,
 * normalised). Retryable failures are thrown back to BullMQ, which retries with backoff (see pushBackoff).
 */

export interface PushClients {
  snelstart: SnelstartSettings | null;
  postnl: PostnlSettings | null;
  reviews: ReviewsClient | null;
}

export interface PushDeps {
  pool: Pool;
  log: Logger;
  clock: Clock;
  clients: PushClients;
  invoicePrefix: string;
}

export type PushOutcome = { status: SyncRecord['status']; reason?: string | null; externalId?: string | null };

/* $1 order id, $2 barcode, $3 pdf, $4 warnings */
const KEEP_LABEL = /* sql */ `
  INSERT INTO shipment_labels (order_id, barcode, label_pdf, warnings) VALUES ($1, $2, $3, $4)
  ON CONFLICT (order_id) DO UPDATE SET barcode = EXCLUDED.barcode, label_pdf = EXCLUDED.label_pdf,
    warnings = EXCLUDED.warnings, created_at = now()`;

export function createPushService(deps: PushDeps) {
  async function step(sync: SyncRecord): Promise<StepResult | PushOutcome> {
    const ctx = await loadPushContext(deps.pool, sync.orderId, deps.invoicePrefix);
    if (!ctx) return { status: 'skipped', reason: 'order no longer in the mirror' };
    const decision = gate(ctx.person, PUSH_BASIS[sync.processor]);
    if (decision.action === 'hold') return { status: 'held', reason: decision.reason };
    if (decision.action === 'drop') return { status: 'skipped', reason: decision.reason };
    const io = {
      keepExternalId: (id: string) => setExternalId(deps.pool, sync.id, id),
      keepLabel: async (barcode: string, pdf: Buffer, warnings: string[]) => {
        await deps.pool.query(KEEP_LABEL, [sync.orderId, barcode, pdf, warnings]);
        if (warnings.length) deps.log.info({ syncId: sync.id, warnings }, 'PostNL answered with warnings');
      },
      now: () => deps.clock.now(),
      exclusive: <T>(key: string, fn: () => Promise<T>) => withLock(deps.pool, key, fn),
    };
    const c = deps.clients;
    if (!c[sync.processor]) return notConfigured(sync.processor);
    // From here a request may leave: the mark survives a worker killed before the outcome is recorded.
    await markCalling(deps.pool, sync.id);
    if (sync.processor === 'snelstart') return snelstartStep(c.snelstart!, ctx, sync, io);
    if (sync.processor === 'postnl') return postnlStep(c.postnl!, ctx, sync, io);
    return reviewsStep(c.reviews!, ctx);
  }

  /**
   * Runs sync record `id`. `lastAttempt`: no retry follows, so a retryable failure is recorded as failed.
   * Returns the outcome; throws a ProcessorError that BullMQ should retry.
   */
  async function run(id: number, lastAttempt: boolean): Promise<PushOutcome> {
    // One runner per record: a duplicate job (a relay repeated after a crash) waits its turn and then finds it done.
    const r = await withTryLock(deps.pool, `${PUSH_LOCK}${id}`, () => runLocked(id, lastAttempt));
    if (r === null) throw new ProcessorError('snelstart', 'retryable', null, 'busy', 'another worker is running this push');
    return r;
  }

  async function runLocked(id: number, lastAttempt: boolean): Promise<PushOutcome> {
    const sync = await withTransaction(deps.pool, (db) => loadSync(db, id));
    if (!sync) return { status: 'skipped', reason: 'sync record gone' };
    // Idempotent: only a pending record runs (an operator's retry puts a failed one back to pending).
    if (sync.status !== 'pending') return { status: sync.status };
    try {
      const r = await step(sync);
      await setSyncState(deps.pool, id, { status: r.status, reason: 'reason' in r ? r.reason ?? null : null, externalId: 'externalId' in r ? r.externalId ?? null : null, attempt: r.status === 'done' });
      return r;
    } catch (err) {
      const e = err instanceof ProcessorError ? err : new ProcessorError(sync.processor, 'retryable', null, 'internal', (err as Error).name || 'error');
      const final = lastAttempt || e.kind === 'permanent' || e.kind === 'auth';
      await setSyncState(deps.pool, id, { status: final ? 'failed' : 'pending', lastError: e.safeMessage, attempt: true });
      deps.log.warn({ syncId: id, processor: sync.processor, kind: e.kind, status: e.status, code: e.code, final }, 'push failed');
      if (final) return { status: 'failed', reason: e.safeMessage };
      throw e;
    }
  }

  return {
    run,
    /** The processing gate closes for a person (restriction, pending objection): pending pushes wait. */
    holdFor: (personId: number, reason = 'restricted') => holdPerson(deps.pool, personId, reason),
    /** The gate opens again: held pushes go back to the queue and run with the data as it is then. */
    releaseFor: (personId: number) => withTransaction(deps.pool, async (db) => {
      // A push that read the gate as closed and is about to record `held` finishes first, so its record is released too.
      await lockPushesOf(db, [personId]);
      return releasePerson(db, personId);
    }),
  };
}

function notConfigured(p: ProcessorId): PushOutcome {
  return { status: 'skipped', reason: `${p} is not configured` };
}

/** BullMQ backoff for pushes: a 429's Retry-After when given, else exponential with jitter (1 s, 2 s, 4 s … ≤ 15 min). */
export function pushBackoff(attemptsMade: number, _type?: string, err?: Error): number {
  const after = err instanceof ProcessorError ? err.retryAfterMs : null;
  if (after !== null && after !== undefined) return Math.min(after, 3_600_000);
  const base = Math.min(1000 * 2 ** Math.max(0, attemptsMade - 1), 15 * 60_000);
  return Math.round(base * (0.5 + Math.random() * 0.5));
}

export type PushService = ReturnType<typeof createPushService>;
