import type { Queryable } from '../platform/db.js';

/** SQL of legal holds (P12). A hold matches a subject by key, so it also covers a person not mirrored yet. */

export interface HoldRow {
  id: string;
  email: string | null;
  reason: string;
  until: Date | null;
  created_at: Date;
  released_at: Date | null;
}

/* $1 email, $2 subject key, $3 reason, $4 until */
const INSERT = /* sql */ `
  INSERT INTO legal_holds (email, subject_key, reason, until) VALUES ($1, $2, $3, $4)
  RETURNING id, email, reason, until, created_at, released_at`;

export async function insertHold(db: Queryable, h: { email: string; subjectKey: Buffer; reason: string; until: Date | null }): Promise<HoldRow> {
  return (await db.query<HoldRow>(INSERT, [h.email, h.subjectKey, h.reason, h.until])).rows[0]!;
}

/* $1 id, $2 now */
const RELEASE = /* sql */ `
  UPDATE legal_holds SET released_at = COALESCE(released_at, $2) WHERE id = $1 RETURNING id`;

export async function releaseHold(db: Queryable, id: string, now: Date): Promise<boolean> {
  return ((await db.query(RELEASE, [id, now])).rowCount ?? 0) > 0;
}

/**
 * The one rule of a hold in force (P12) — not released and not past `until` — as a condition on the legal_holds row
 * `h` at the time `now` (a parameter or an SQL expression), for every statement that asks whether someone is held.
 */
export const holdInForce = (h: string, now: string): string => `${h}.released_at IS NULL AND (${h}.until IS NULL OR ${h}.until > ${now})`;

/* $1 now */
const ACTIVE = /* sql */ `
  SELECT id, email, reason, until, created_at, released_at FROM legal_holds h
  WHERE ${holdInForce('h', '$1')} ORDER BY created_at`;

export async function activeHolds(db: Queryable, now: Date): Promise<HoldRow[]> {
  return (await db.query<HoldRow>(ACTIVE, [now])).rows;
}
