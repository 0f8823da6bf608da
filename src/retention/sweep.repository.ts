import type { Queryable } from '../platform/db.js';
import { holdInForce } from '../legal-holds/holds.repository.js';

/*
 * Whether a legal hold is in force (at `now`) for the customer of archive row `f`: the row's order belongs to an
 * erased person, whose tombstone keeps the subject keys a hold names.
 */
const fiscalRowHeld = (f: string, now: string): string => /* sql */ `EXISTS (
  SELECT 1 FROM orders o JOIN erasure_tombstones t ON t.person_id = o.person_id
    JOIN erasure_subject_keys k ON k.tombstone_id = t.id JOIN legal_holds h ON h.subject_key = k.subject_key
  WHERE o.id = ${f}.order_id AND ${holdInForce('h', now)})`;

/** SQL of retention sweeps: the sweep rows, who is due, and the set-based steps that are not erasure itself. */

export type SweepStatus = 'running' | 'completed' | 'failed' | 'blocked';
export type SweepPhase = 'persons' | 'fiscal' | 'purge' | 'done';

export interface SweepRow {
  id: string;
  status: SweepStatus;
  trigger: 'schedule' | 'operator';
  forced: boolean;
  created_at: Date;
  cutoff: Date;
  today: string;
  phase: SweepPhase;
  cursor: string;
  counts: Record<string, number>;
  preview: Record<string, unknown> | null;
  blocked: string[] | null;
  error: string | null;
  started_at: Date | null;
  finished_at: Date | null;
}

const COLUMNS = /* sql */ `id, status, trigger, forced, created_at, cutoff, to_char(today, 'YYYY-MM-DD') AS today, phase,
  cursor, counts, preview, blocked, error, started_at, finished_at`;

/* $1 status, $2 trigger, $3 forced, $4 created at, $5 cutoff, $6 today, $7 preview, $8 blocked reasons, $9 counts */
const INSERT = /* sql */ `
  INSERT INTO retention_sweeps (status, trigger, forced, created_at, cutoff, today, preview, blocked, counts, started_at, finished_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $1 = 'running' THEN $4::timestamptz END,
          CASE WHEN $1 = 'blocked' THEN $4::timestamptz END)
  RETURNING ${COLUMNS}`;

export async function insertSweep(
  db: Queryable,
  s: {
    status: 'running' | 'blocked'; trigger: string; forced: boolean; createdAt: Date; cutoff: Date; today: string;
    preview: unknown; blocked: string[] | null; counts: Record<string, number>;
  },
): Promise<SweepRow> {
  const { rows } = await db.query<SweepRow>(INSERT, [
    s.status, s.trigger, s.forced, s.createdAt, s.cutoff, s.today, JSON.stringify(s.preview), s.blocked && JSON.stringify(s.blocked),
    JSON.stringify(s.counts),
  ]);
  return rows[0]!;
}

export async function getSweep(db: Queryable, id: string): Promise<SweepRow | null> {
  return (await db.query<SweepRow>(`SELECT ${COLUMNS} FROM retention_sweeps WHERE id = $1`, [id])).rows[0] ?? null;
}

export async function runningSweep(db: Queryable): Promise<SweepRow | null> {
  return (await db.query<SweepRow>(`SELECT ${COLUMNS} FROM retention_sweeps WHERE status = 'running'`)).rows[0] ?? null;
}

export async function listSweeps(db: Queryable, limit: number): Promise<SweepRow[]> {
  return (await db.query<SweepRow>(`SELECT ${COLUMNS} FROM retention_sweeps ORDER BY created_at DESC LIMIT $1`, [limit])).rows;
}

/* $1 id, $2 phase, $3 cursor, $4 counts to add (jsonb of numbers) */
const ADVANCE = /* sql */ `
  UPDATE retention_sweeps s SET phase = $2, cursor = $3,
    counts = (SELECT COALESCE(jsonb_object_agg(k, COALESCE((s.counts->>k)::bigint, 0) + COALESCE((($4::jsonb)->>k)::bigint, 0)), '{}')
              FROM (SELECT jsonb_object_keys(s.counts) AS k UNION SELECT jsonb_object_keys($4::jsonb)) keys)
  WHERE id = $1`;

/** Records a finished step in the same transaction as its changes: a crash resumes right after it. */
export async function advanceSweep(db: Queryable, id: string, phase: SweepPhase, cursor: number, add: Record<string, number>): Promise<void> {
  await db.query(ADVANCE, [id, phase, cursor, JSON.stringify(add)]);
}

/* $1 id, $2 status, $3 error, $4 finished at */
const FINISH = /* sql */ `UPDATE retention_sweeps SET status = $2, error = $3, finished_at = $4, phase = CASE WHEN $2 = 'completed' THEN 'done' ELSE phase END WHERE id = $1`;

export async function finishSweep(db: Queryable, id: string, status: 'completed' | 'failed', error: string | null, at: Date): Promise<void> {
  await db.query(FINISH, [id, status, error, at]);
}

/* Open persons whose last transaction or contact is older than the cutoff ($1). */
const PAST_CUTOFF = /* sql */ `p.status <> 'erased' AND COALESCE(p.last_activity_at, p.created_at) < $1`;
/*
 * … not restricted (Art. 18(2): a restricted person's data may only be stored — anonymising it is processing too;
 * P13's "unless legally justified") and not under an active legal hold ($2 now): those the sweep erases.
 */
const DUE = /* sql */ `${PAST_CUTOFF} AND NOT p.restricted
  AND NOT EXISTS (SELECT 1 FROM person_emails e JOIN legal_holds h ON h.subject_key = e.subject_key
                  WHERE e.person_id = p.id AND ${holdInForce('h', '$2')})`;

/* $1 cutoff, $2 now, $3 after id, $4 limit */
const NEXT_DUE = /* sql */ `SELECT p.id FROM persons p WHERE ${DUE} AND p.id > $3 ORDER BY p.id LIMIT $4`;

export async function nextDuePersons(db: Queryable, cutoff: Date, now: Date, afterId: number, limit: number): Promise<number[]> {
  return (await db.query<{ id: string }>(NEXT_DUE, [cutoff, now, afterId, limit])).rows.map((r) => Number(r.id));
}

/*
 * $1 cutoff, $2 sweep id — ends the persons phase. The report counts everyone the sweep kept, as the preview does
 * (legal holds, also one placed mid-sweep): whoever is still open past the cutoff now.
 */
const END_PERSONS_PHASE = /* sql */ `
  UPDATE retention_sweeps SET phase = 'fiscal', cursor = 0,
    counts = counts || jsonb_build_object('personsHeld', (SELECT count(*) FROM persons p WHERE ${PAST_CUTOFF}))
  WHERE id = $2 AND phase = 'persons'`;

export async function endPersonsPhase(db: Queryable, id: string, cutoff: Date): Promise<void> {
  await db.query(END_PERSONS_PHASE, [cutoff, id]);
}

/* $1 cutoff, $2 now, $3 today (Amsterdam date) */
const PREVIEW = /* sql */ `
  WITH due AS (SELECT p.id FROM persons p WHERE ${DUE})
  SELECT
    (SELECT count(*) FROM due)::bigint AS persons_due,
    (SELECT count(*) FROM orders o WHERE o.person_id IN (SELECT id FROM due))::bigint AS orders_due,
    (SELECT count(*) FROM persons p WHERE p.status <> 'erased')::bigint AS persons_open,
    (SELECT count(*) FROM persons p WHERE ${PAST_CUTOFF})::bigint - (SELECT count(*) FROM due)::bigint AS persons_held,
    (SELECT count(*) FROM fiscal_archive f WHERE f.anonymised_at IS NULL AND f.retain_until < $3::date
       AND NOT ${fiscalRowHeld('f', '$2')})::bigint AS fiscal_past_term`;

export interface PreviewCounts {
  personsDue: number;
  ordersDue: number;
  personsOpen: number;
  personsHeld: number;
  fiscalPastTerm: number;
}

export async function previewCounts(db: Queryable, cutoff: Date, now: Date, today: string): Promise<PreviewCounts> {
  const r = (await db.query(PREVIEW, [cutoff, now, today])).rows[0]!;
  return {
    personsDue: Number(r.persons_due), ordersDue: Number(r.orders_due), personsOpen: Number(r.persons_open),
    personsHeld: Number(r.persons_held), fiscalPastTerm: Number(r.fiscal_past_term),
  };
}

/*
 * $1 today, $2 after id, $3 limit, $4 now — past its legal term an invoice keeps its amounts, not its name and address;
 * unless a legal hold is in force for its erased customer (P12): it is then kept as it is, and a later sweep, once
 * the hold has ended, anonymises it.
 */
const ANONYMISE_FISCAL = /* sql */ `
  WITH batch AS (
    SELECT f.id FROM fiscal_archive f WHERE f.anonymised_at IS NULL AND f.retain_until < $1::date AND f.id > $2
      AND NOT ${fiscalRowHeld('f', '$4')}
    ORDER BY f.id LIMIT $3
  )
  UPDATE fiscal_archive f SET
    billing_name = CASE WHEN f.billing_name IS NULL THEN NULL ELSE '[deleted]' END,
    billing_company = CASE WHEN f.billing_company IS NULL THEN NULL ELSE '[deleted]' END,
    billing_address = anonymise_address(f.billing_address), anonymised_at = now()
  FROM batch WHERE f.id = batch.id
  RETURNING f.id`;

export async function anonymiseFiscalPastTerm(db: Queryable, today: string, afterId: number, limit: number, now: Date): Promise<number[]> {
  return (await db.query<{ id: string }>(ANONYMISE_FISCAL, [today, afterId, limit, now])).rows.map((r) => Number(r.id));
}

/* $1 ended before — a lawful demand's record keeps its reason and dates; the address goes with the retention term */
const CLEAR_OLD_HOLDS = /* sql */ `
  UPDATE legal_holds SET email = NULL
  WHERE email IS NOT NULL AND COALESCE(released_at, until) < $1`;

export async function clearEndedHolds(db: Queryable, endedBefore: Date): Promise<number> {
  return (await db.query(CLEAR_OLD_HOLDS, [endedBefore])).rowCount ?? 0;
}
