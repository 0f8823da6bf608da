import { type Pool, type Queryable, sessionLocksInTransactionSql, xactLocksSql } from '../platform/db.js';
import type { SubjectKeyOf } from './subject-key.js';
import { holdInForce } from '../legal-holds/holds.repository.js';
import { mayHaveReached } from '../processors/sync.repository.js';

/** SQL of erasure: who can be erased, their keys, tombstones, and the tombstone lookups the mirror makes. */

/* $1 person ids — the advisory locks (see lockNames) of these persons' customer ids and emails, in one round trip */
const LOCK_IDENTITIES = xactLocksSql(/* sql */ `
  SELECT 'customer:' || wc_customer_id FROM persons WHERE id = ANY($1::bigint[]) AND wc_customer_id IS NOT NULL
  UNION ALL
  SELECT 'email:' || email FROM person_emails WHERE person_id = ANY($1::bigint[])`);

export async function lockIdentities(db: Queryable, personIds: number[]): Promise<void> {
  await db.query(LOCK_IDENTITIES, [personIds]);
}

/**
 * The name a correction (P18) of a person runs under, from its check to its last write (rights.service.ts). The
 * erasure takes it too, so it waits for a correction in progress and erases it after, and no correction reaches the
 * shop after an erasure has run.
 */
export const CORRECTION_LOCK = 'rectify:';
/* $1 person ids */
const LOCK_CORRECTIONS = sessionLocksInTransactionSql(/* sql */ `SELECT '${CORRECTION_LOCK}' || unnest($1::bigint[])`);

export async function lockCorrectionsOf(db: Queryable, personIds: number[]): Promise<void> {
  await db.query(LOCK_CORRECTIONS, [personIds]);
}

/*
 * $1 person ids, $2 now, $3 inactive-before (a sweep's cutoff, else null) — locks the open ones, except those active
 * since the cutoff (checked again on the row as it is once locked: a request filed, an order placed after the sweep
 * picked them); says which are under an active legal hold.
 */
const LOCK_OPEN_PERSONS = /* sql */ `
  SELECT p.id, p.wc_customer_id,
    EXISTS (SELECT 1 FROM person_emails e JOIN legal_holds h ON h.subject_key = e.subject_key
            WHERE e.person_id = p.id AND ${holdInForce('h', '$2')}) AS held,
    (SELECT json_agg(encode(e.subject_key, 'hex') ORDER BY e.added_at, e.email) FROM person_emails e
     WHERE e.person_id = p.id AND e.subject_key IS NOT NULL) AS subject_keys
  FROM persons p WHERE p.id = ANY($1::bigint[]) AND p.status <> 'erased'
    AND ($3::timestamptz IS NULL OR (COALESCE(p.last_activity_at, p.created_at) < $3 AND NOT p.restricted))
  ORDER BY p.id FOR UPDATE OF p`;

export interface OpenPerson {
  id: number;
  wcCustomerId: number | null;
  held: boolean;
  subjectKeys: Buffer[];
}

/** Keys travel as JSON arrays of hex: node-postgres parses a bytea[] character by character, JSON natively. */
const fromHex = (keys: string[] | null): Buffer[] => (keys ?? []).map((k) => Buffer.from(k, 'hex'));

export async function lockOpenPersons(db: Queryable, personIds: number[], now: Date, inactiveBefore: Date | null): Promise<OpenPerson[]> {
  const { rows } = await db.query<{ id: string; wc_customer_id: string | null; held: boolean; subject_keys: string[] | null }>(
    LOCK_OPEN_PERSONS, [personIds, now, inactiveBefore]);
  return rows.map((r) => ({
    id: Number(r.id), wcCustomerId: r.wc_customer_id === null ? null : Number(r.wc_customer_id), held: r.held,
    subjectKeys: fromHex(r.subject_keys),
  }));
}

/* $1 ids, $2 person ids, $3 wc customer ids, $4 erased at, $5 reason, $6 reason ref, $7 categories — a replayed
   tombstone comes from the ledger, so it is in the ledger already */
const INSERT_TOMBSTONES = /* sql */ `
  INSERT INTO erasure_tombstones (id, person_id, wc_customer_id, erased_at, reason, reason_ref, categories, ledgered_at, forgets_before)
  SELECT id, person_id, wc_customer_id, $4, $5, $6, $7, CASE WHEN $5 = 'replay' THEN now() END, $8
  FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS t(id, person_id, wc_customer_id)`;
/* $1 subject keys, $2 tombstone ids (parallel arrays) */
const INSERT_KEYS = /* sql */ `
  INSERT INTO erasure_subject_keys (subject_key, tombstone_id) SELECT * FROM unnest($1::bytea[], $2::uuid[]) ON CONFLICT DO NOTHING`;

export interface TombstoneRow {
  id: string;
  personId: number;
  wcCustomerId: number | null;
  subjectKeys: Buffer[];
}

export async function insertTombstones(
  db: Queryable,
  rows: TombstoneRow[],
  meta: {
    erasedAt: Date; reason: string; ref: string | null; categories: string[];
    /** A sweep's cutoff: records created after it are activity the sweep did not know of, not forgotten (migration 0018). */
    forgetsBefore?: Date | null;
  },
): Promise<void> {
  if (!rows.length) return;
  await db.query(INSERT_TOMBSTONES, [
    rows.map((r) => r.id), rows.map((r) => r.personId), rows.map((r) => r.wcCustomerId), meta.erasedAt, meta.reason, meta.ref, meta.categories,
    meta.forgetsBefore ?? null,
  ]);
  const keys = rows.flatMap((r) => r.subjectKeys.map((k) => [k, r.id] as const));
  if (keys.length) await db.query(INSERT_KEYS, [keys.map((k) => k[0]), keys.map((k) => k[1])]);
}

/*
 * $1 subject keys, $2 wc customer id, $3 when the record was created (null = unknown, counts as old).
 * The first erasure that forgot records as old as this one (created before its erasure, or before a sweep's cutoff).
 */
const TOMBSTONE_FOR_RECORD = /* sql */ `
  SELECT t.id, t.person_id, t.erased_at FROM erasure_tombstones t
  WHERE (t.id IN (SELECT tombstone_id FROM erasure_subject_keys WHERE subject_key = ANY($1::bytea[]))
         OR ($2::bigint IS NOT NULL AND t.wc_customer_id = $2))
    AND ($3::timestamptz IS NULL OR $3 < COALESCE(t.forgets_before, t.erased_at))
  ORDER BY t.erased_at LIMIT 1`;

/** The erasure that covers a record (created before it) about these keys or this customer id, if any. */
export async function tombstoneForRecord(
  db: Queryable,
  q: { subjectKeys: Buffer[]; wcCustomerId: number | null; createdAt: string | null },
): Promise<{ tombstoneId: string; personId: number } | null> {
  if (!q.subjectKeys.length && q.wcCustomerId === null) return null;
  const { rows } = await db.query<{ id: string; person_id: string }>(TOMBSTONE_FOR_RECORD, [q.subjectKeys, q.wcCustomerId, q.createdAt]);
  return rows[0] ? { tombstoneId: rows[0].id, personId: Number(rows[0].person_id) } : null;
}

/* $1 subject keys, $2 wc customer ids */
const ANY_TOMBSTONE = /* sql */ `
  SELECT EXISTS (SELECT 1 FROM erasure_subject_keys WHERE subject_key = ANY($1::bytea[]))
      OR EXISTS (SELECT 1 FROM erasure_tombstones WHERE wc_customer_id = ANY($2::bigint[])) AS hit`;

/** Cheap pre-check for a batch: does any erasure concern these keys or customer ids at all? */
export async function anyTombstone(db: Queryable, subjectKeys: Buffer[], wcCustomerIds: number[]): Promise<boolean> {
  if (!subjectKeys.length && !wcCustomerIds.length) return false;
  return (await db.query<{ hit: boolean }>(ANY_TOMBSTONE, [subjectKeys, wcCustomerIds])).rows[0]!.hit;
}

/* $1 subject key */
const TOMBSTONES_OF_KEY = /* sql */ `
  SELECT t.id, t.erased_at FROM erasure_tombstones t JOIN erasure_subject_keys k ON k.tombstone_id = t.id
  WHERE k.subject_key = $1 ORDER BY t.erased_at DESC LIMIT 1`;

export async function latestTombstoneOfKey(db: Queryable, key: Buffer): Promise<{ id: string; erasedAt: Date } | null> {
  const r = (await db.query<{ id: string; erased_at: Date }>(TOMBSTONES_OF_KEY, [key])).rows[0];
  return r ? { id: r.id, erasedAt: r.erased_at } : null;
}

/* $1 subject keys */
const PERSONS_BY_KEYS = /* sql */ `SELECT DISTINCT person_id FROM person_emails WHERE subject_key = ANY($1::bytea[])`;

export async function personIdsByKeys(db: Queryable, keys: Buffer[]): Promise<number[]> {
  return (await db.query<{ person_id: string }>(PERSONS_BY_KEYS, [keys])).rows.map((r) => Number(r.person_id));
}

/* $1 inbox ids */
const SCRUB_ROWS = /* sql */ `UPDATE webhook_inbox SET body = '\\x'::bytea, scrubbed_at = now() WHERE id = ANY($1::bigint[])`;

/** The mirror applied these deliveries about erased subjects: their raw bodies go at once. */
export async function scrubInboxRows(db: Queryable, inboxIds: number[]): Promise<void> {
  if (inboxIds.length) await db.query(SCRUB_ROWS, [inboxIds]);
}

/* $1 batch size */
const EMAILS_WITHOUT_KEY = /* sql */ `SELECT email FROM person_emails WHERE subject_key IS NULL LIMIT $1`;
/* $1 emails, $2 keys */
const SET_KEYS = /* sql */ `
  UPDATE person_emails e SET subject_key = k.key FROM unnest($1::text[], $2::bytea[]) AS k(email, key) WHERE e.email = k.email`;

/** Emails stored before subject keys existed get theirs (batched; a no-op once done). Returns how many. */
export async function fillMissingSubjectKeys(pool: Pool, subjectKey: SubjectKeyOf, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const emails = (await pool.query<{ email: string }>(EMAILS_WITHOUT_KEY, [batch])).rows.map((r) => r.email);
    if (!emails.length) return total;
    await pool.query(SET_KEYS, [emails, emails.map(subjectKey)]);
    total += emails.length;
  }
}

/* $1 inbox ids, $2 subject keys per row (one bytea[] literal each, as text) */
const KEY_UNAPPLIED = /* sql */ `
  UPDATE webhook_inbox w SET subject_keys = k.keys::bytea[] FROM unnest($1::bigint[], $2::text[]) AS k(id, keys) WHERE w.id = k.id`;
/* $1 inbox ids — those carrying the key of an erased subject lose their body now */
const SCRUB_IF_ERASED = /* sql */ `
  UPDATE webhook_inbox SET body = '\\x'::bytea, scrubbed_at = now()
  WHERE id = ANY($1::bigint[]) AND scrubbed_at IS NULL
    AND EXISTS (SELECT 1 FROM erasure_subject_keys k WHERE k.subject_key = ANY(webhook_inbox.subject_keys))`;

/**
 * Deliveries the mirror could not apply keep the subject keys of the emails in their body, so a later erasure can
 * scrub them; one carrying an already erased subject is scrubbed at once.
 */
export async function keyUnappliedRows(db: Queryable, rows: { id: number; keys: Buffer[] }[]): Promise<void> {
  if (!rows.length) return;
  const literal = (keys: Buffer[]) => `{${keys.map((k) => `"\\\\x${k.toString('hex')}"`).join(',')}}`;
  await db.query(KEY_UNAPPLIED, [rows.map((r) => r.id), rows.map((r) => literal(r.keys))]);
  await db.query(SCRUB_IF_ERASED, [rows.map((r) => r.id)]);
}

/* $1 person ids — persons whose review invitation went out, or may have: the review site holds their name and email */
const INVITED = /* sql */ `
  SELECT e.person_id, array_agg(e.email ORDER BY e.email) AS emails FROM person_emails e
  WHERE e.person_id = ANY($1::bigint[]) AND EXISTS (
    SELECT 1 FROM processor_syncs s JOIN orders o ON o.id = s.order_id
    WHERE o.person_id = e.person_id AND s.processor = 'reviews' AND ${mayHaveReached('s')})
  GROUP BY e.person_id`;

export async function personsInvitedToReview(db: Queryable, personIds: number[]): Promise<Map<number, string[]>> {
  const { rows } = await db.query<{ person_id: string; emails: string[] }>(INVITED, [personIds]);
  return new Map(rows.map((r) => [Number(r.person_id), r.emails]));
}
