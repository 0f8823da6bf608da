import type { Queryable } from '../platform/db.js';

/**
 * The audit trail (P14b): every processing action on personal data — what, when, who, about which subject key —
 * never the data itself. Append-only (a trigger refuses UPDATE and DELETE); it is the export's processing history.
 */

export interface AuditEntry {
  actor: string;
  action: string;
  subjectKey?: Buffer | null;
  requestId?: string | null;
  /** Ids, counts, processor names — no personal data. */
  detail?: Record<string, unknown>;
}

/* $1 actors, $2 actions, $3 subject keys, $4 request ids, $5 details */
const APPEND = /* sql */ `
  INSERT INTO audit_log (actor, action, subject_key, request_id, detail)
  SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::uuid[], $5::jsonb[])`;

export async function audit(db: Queryable, ...entries: AuditEntry[]): Promise<void> {
  if (!entries.length) return;
  await db.query(APPEND, [
    entries.map((e) => e.actor), entries.map((e) => e.action), entries.map((e) => e.subjectKey ?? null),
    entries.map((e) => e.requestId ?? null), entries.map((e) => JSON.stringify(e.detail ?? {})),
  ]);
}
