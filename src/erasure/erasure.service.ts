import { randomUUID } from 'node:crypto';
import type { PoolClient } from '../platform/db.js';
import { type ErasureBatch, ERASED_CATEGORIES, PERSONAL_DATA_STORES } from './stores.js';
import { type LedgerEntry, toLedgerEntry } from './ledger.js';
import { lockPushesOf, settlePushesOfErased } from '../processors/sync.repository.js';
import { recordPendingFanOut } from '../processors/erasure-fanout.js';
import { insertTombstones, lockCorrectionsOf, lockIdentities, lockOpenPersons, personsInvitedToReview, type TombstoneRow } from './erasure.repository.js';

/**
 * The erasure core: closes a batch of persons in the caller's transaction — every registered store and one
 * tombstone per person; after the commit the caller runs writeLedger (ledger.ts). Set-based: the same
 * handful of statements for one person or a thousand. Persons already erased are skipped; held ones are reported.
 */


export type ErasureReason = 'request' | 'retention' | 'operator' | 'replay';

export interface ErasureSettings {
  dataDir: string;
  fiscal: { prefix: string; years: number };
}

export interface BatchResult {
  erased: { personId: number; tombstoneId: string }[];
  /**
   * Persons a processor holds data of that must be asked to erase too (GDPR Art. 19): their emails, read before
   * the erasure and kept in memory only, for the caller to pass on after the commit (processors/erasure-fanout.ts).
   */
  fanOut: { tombstoneId: string; processor: 'reviews'; emails: string[] }[];
  held: number[];
  /** The ledger lines of this batch's tombstones, to append once it has committed (writeLedger). */
  ledger: LedgerEntry[];
  /** Rows changed per store. */
  counts: Record<string, number>;
}

export async function eraseBatch(
  db: PoolClient,
  settings: ErasureSettings,
  personIds: number[],
  why: {
    reason: ErasureReason; ref: string | null; erasedAt: Date; tombstoneIds?: Map<number, string>;
    /** A sweep's cutoff: persons active since (after they were picked) are left alone. */
    inactiveBefore?: Date;
  },
): Promise<BatchResult> {
  // Pushes in flight first, while nothing else is held here (a push never waits for what an erasure holds): an
  // invitation sent meanwhile is recorded before the fan-out below looks, and a label is not stored after the deletion.
  await lockPushesOf(db, personIds);
  await lockCorrectionsOf(db, personIds);
  // The names the mirror locks first, taken first here too: a delivery for this person waits for the erasure
  // (and then finds the tombstone) instead of deadlocking against it.
  await lockIdentities(db, personIds);
  const open = await lockOpenPersons(db, personIds, why.erasedAt, why.inactiveBefore ?? null);
  const held = open.filter((p) => p.held).map((p) => p.id);
  const todo = open.filter((p) => !p.held);
  const counts: Record<string, number> = {};
  if (!todo.length) return { erased: [], fanOut: [], held, ledger: [], counts };
  const invited = await personsInvitedToReview(db, todo.map((p) => p.id));

  const batch: ErasureBatch = {
    personIds: todo.map((p) => p.id), subjectKeys: todo.flatMap((p) => p.subjectKeys), erasedAt: why.erasedAt, fiscal: settings.fiscal,
  };
  for (const store of PERSONAL_DATA_STORES) counts[store.name] = await store.erase(db, batch);
  const pushes = await settlePushesOfErased(db, batch.personIds);
  counts.pushesDropped = pushes.dropped;
  if (pushes.released) counts.pushesReleased = pushes.released;

  const tombstones: TombstoneRow[] = todo.map((p) => ({
    id: why.tombstoneIds?.get(p.id) ?? randomUUID(), personId: p.id, wcCustomerId: p.wcCustomerId, subjectKeys: p.subjectKeys,
  }));
  await insertTombstones(db, tombstones, {
    erasedAt: why.erasedAt, reason: why.reason, ref: why.ref, categories: ERASED_CATEGORIES, forgetsBefore: why.inactiveBefore ?? null,
  });
  counts.tombstones = tombstones.length;
  // The ledger is written after the commit (writeLedger), so it never holds an erasure that rolled back.
  const fanOut = tombstones.flatMap((t) => (invited.has(t.personId) ? [{ tombstoneId: t.id, processor: 'reviews' as const, emails: invited.get(t.personId)! }] : []));
  // Recorded now, settled by the call after the commit: a process that dies in between leaves a trace to follow up.
  await recordPendingFanOut(db, fanOut);
  const ledger = tombstones.map((t) => toLedgerEntry({
    id: t.id, wcCustomerId: t.wcCustomerId, erasedAt: why.erasedAt, reason: why.reason, ref: why.ref, categories: ERASED_CATEGORIES,
    subjectKeys: t.subjectKeys.map((k) => k.toString('hex')).sort(),
  }));
  return { erased: tombstones.map((t) => ({ personId: t.personId, tombstoneId: t.id })), fanOut, held, ledger, counts };
}
