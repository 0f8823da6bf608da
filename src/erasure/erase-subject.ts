import type { Pool } from '../platform/db.js';
import { withTransaction } from '../platform/db.js';
import { AppError } from '../platform/errors.js';
import type { Clock } from '../platform/clock.js';
import { identifyingEmail } from '../mirror/identity.js';
import type { SubjectKeyOf } from './subject-key.js';
import { type ErasureReason, type ErasureSettings, eraseBatch } from './erasure.service.js';
import { latestTombstoneOfKey, personIdsByKeys } from './erasure.repository.js';
import { writeLedger } from './ledger.js';
import type { FanOutItem, FanOutResult } from '../processors/erasure-fanout.js';

/**
 * eraseSubject: "forget me" for one person, found by any of their emails (or by person id). All of the
 * person's emails, orders and copies go in one transaction. Erasing again changes nothing and says so;
 * a legal hold (P12) refuses with 409 legal_hold.
 */

export type EraseTarget = { email: string } | { personId: number };

export type EraseOutcome =
  | {
    status: 'erased'; erasedAt: string; tombstoneIds: string[]; counts: Record<string, number>; processors: FanOutResult[];
    /** The ledger line could not be written now (DATA_DIR full or read-only): the next erasure, sweep or start appends it. */
    ledgerPending?: true;
  }
  | { status: 'already_erased'; erasedAt: string; tombstoneIds: string[] };

export interface EraseSubjectDeps {
  pool: Pool;
  settings: ErasureSettings;
  subjectKey: SubjectKeyOf;
  clock: Clock;
  /** After commit: copies outside Postgres (finished jobs in the queues). */
  afterErasure?: () => Promise<void>;
  onErased?: (reason: ErasureReason, persons: number) => void;
  /** Processors that received the person's data are asked to erase it too (Art. 19), after the commit. */
  fanOut?: (items: FanOutItem[]) => Promise<FanOutResult[]>;
  /** The ledger append failed after the commit (the erasure stands; see ledgerPending). */
  onLedgerError?: (err: unknown) => void;
}

export function createEraseSubject(deps: EraseSubjectDeps) {
  return async function eraseSubject(target: EraseTarget, why: { reason: ErasureReason; ref: string | null }): Promise<EraseOutcome> {
    const now = deps.clock.now();
    let fanOut: FanOutItem[] = [];
    const outcome = await withTransaction(deps.pool, async (db): Promise<EraseOutcome> => {
      let personIds: number[];
      let key: Buffer | null = null;
      if ('email' in target) {
        const email = identifyingEmail(target.email);
        if (!email) throw new AppError(400, 'invalid_email', 'email is not an address that identifies anyone');
        key = deps.subjectKey(email);
        personIds = await personIdsByKeys(db, [key]);
      } else {
        const { rows } = await db.query<{ status: string; erased_at: Date | null }>('SELECT status, erased_at FROM persons WHERE id = $1', [target.personId]);
        if (!rows[0]) throw new AppError(404, 'not_found', `no person ${target.personId}`);
        if (rows[0].status === 'erased') {
          const t = await db.query<{ id: string }>('SELECT id FROM erasure_tombstones WHERE person_id = $1 ORDER BY erased_at', [target.personId]);
          return { status: 'already_erased', erasedAt: rows[0].erased_at!.toISOString(), tombstoneIds: t.rows.map((r) => r.id) };
        }
        personIds = [target.personId];
      }
      if (!personIds.length) {
        const t = key ? await latestTombstoneOfKey(db, key) : null;
        if (t) return { status: 'already_erased', erasedAt: t.erasedAt.toISOString(), tombstoneIds: [t.id] };
        // Not "no data held": the address can still be in privacy requests (cleared by the daily purge once concluded).
        throw new AppError(404, 'not_found', 'no customer, order or account with this email is in the mirror');
      }
      // Already erased is answered above; a hold on any of the person's emails suspends the whole erasure.
      const r = await eraseBatch(db, deps.settings, personIds, { ...why, erasedAt: now });
      if (r.held.length) throw legalHold();
      fanOut = r.fanOut;
      return { status: 'erased', erasedAt: now.toISOString(), tombstoneIds: r.erased.map((e) => e.tombstoneId), counts: r.counts, processors: [] };
    });
    if (outcome.status === 'erased') {
      // The erasure has committed: a ledger that cannot be written now does not undo it or fail its answer (a
      // request would stay open and, asked again, find no one and say "no data held"); the line is appended later.
      await writeLedger(deps.pool, deps.settings.dataDir).catch((err: unknown) => {
        outcome.ledgerPending = true;
        deps.onLedgerError?.(err);
      });
      if (fanOut.length && deps.fanOut) outcome.processors = await deps.fanOut(fanOut);
      deps.onErased?.(why.reason, outcome.tombstoneIds.length);
      // The erasure has committed; a queue that cannot be cleaned now is cleaned by the next erasure or sweep.
      await deps.afterErasure?.().catch(() => undefined);
    }
    return outcome;
  };
}

const legalHold = () => new AppError(409, 'legal_hold', 'a legal hold applies to this person: erasure is suspended until it ends (P12)');

export type EraseSubject = ReturnType<typeof createEraseSubject>;
