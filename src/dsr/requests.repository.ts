import type { Queryable } from '../platform/db.js';
import type { RequestStatus, RequestType } from './request-rules.js';
import { holdInForce } from '../legal-holds/holds.repository.js';

/** SQL of privacy requests and their steps. */

export interface RequestRow {
  id: string;
  type: RequestType;
  status: RequestStatus;
  email: string | null;
  subjectKey: Buffer;
  personId: number | null;
  lang: 'nl' | 'en';
  receivedAt: Date;
  dueAt: Date;
  extendedAt: Date | null;
  extensionReason: string | null;
  verifiedAt: Date | null;
  verification: 'code' | 'operator' | null;
  completedAt: Date | null;
  rejectedAt: Date | null;
  rejectionReason: string | null;
  linkedTo: string | null;
  changes: Record<string, unknown> | null;
  objectionDecision: 'upheld' | 'rejected' | null;
  decisionReason: string | null;
  noDataHeld: boolean;
  outcome: Record<string, unknown>;
  filedBy: string;
  note: string | null;
}

const COLUMNS = /* sql */ `id, type, status, email, subject_key AS "subjectKey", person_id AS "personId", lang,
  received_at AS "receivedAt", due_at AS "dueAt", extended_at AS "extendedAt", extension_reason AS "extensionReason",
  verified_at AS "verifiedAt", verification, completed_at AS "completedAt", rejected_at AS "rejectedAt",
  rejection_reason AS "rejectionReason", linked_to AS "linkedTo", changes, objection_decision AS "objectionDecision",
  decision_reason AS "decisionReason", no_data_held AS "noDataHeld", outcome, filed_by AS "filedBy", note`;

const fix = (r: RequestRow): RequestRow => ({ ...r, personId: r.personId === null ? null : Number(r.personId) });

/* 14 params, see insertRequest */
const INSERT = /* sql */ `
  INSERT INTO privacy_requests (type, status, email, subject_key, person_id, lang, received_at, due_at, linked_to,
    changes, filed_by, note, verification, verified_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ${COLUMNS}`;

export async function insertRequest(db: Queryable, r: {
  type: RequestType; status: RequestStatus; email: string; subjectKey: Buffer; personId: number | null; lang: string;
  receivedAt: Date; dueAt: Date; linkedTo: string | null; changes: unknown; filedBy: string; note: string | null;
  verification?: 'operator' | null; verifiedAt?: Date | null;
}): Promise<RequestRow> {
  const { rows } = await db.query<RequestRow>(INSERT, [
    r.type, r.status, r.email, r.subjectKey, r.personId, r.lang, r.receivedAt, r.dueAt, r.linkedTo,
    r.changes === null || r.changes === undefined ? null : JSON.stringify(r.changes), r.filedBy, r.note, r.verification ?? null, r.verifiedAt ?? null,
  ]);
  return fix(rows[0]!);
}

/*
 * $1 type, $2 subject key, $3 changes — the open request this one would duplicate. A rectification duplicates only one
 * asking for the same changes: a linked request is never run on its own, so different changes would be lost.
 */
const OPEN_DUPLICATE = /* sql */ `
  SELECT ${COLUMNS} FROM privacy_requests
  WHERE type = $1 AND subject_key = $2 AND linked_to IS NULL AND status NOT IN ('completed', 'rejected')
    AND (type <> 'rectification' OR changes = $3::jsonb)
  ORDER BY received_at LIMIT 1 FOR UPDATE`;

export async function openDuplicate(db: Queryable, type: RequestType, subjectKey: Buffer, changes: unknown): Promise<RequestRow | null> {
  const r = (await db.query<RequestRow>(OPEN_DUPLICATE, [type, subjectKey, changes === null || changes === undefined ? null : JSON.stringify(changes)])).rows[0];
  return r ? fix(r) : null;
}

export async function getRequest(db: Queryable, id: string, lock = false): Promise<RequestRow | null> {
  const r = (await db.query<RequestRow>(`SELECT ${COLUMNS} FROM privacy_requests WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id])).rows[0];
  return r ? fix(r) : null;
}

/* $1 status or null, $2 overdue only, $3 now */
const LIST = /* sql */ `
  SELECT ${COLUMNS} FROM privacy_requests
  WHERE ($1::text IS NULL OR status = $1)
    AND (NOT $2 OR (status NOT IN ('completed', 'rejected') AND due_at < $3))
  ORDER BY due_at, received_at LIMIT 500`;

export async function listRequests(db: Queryable, q: { status: string | null; overdue: boolean; now: Date }): Promise<RequestRow[]> {
  return (await db.query<RequestRow>(LIST, [q.status, q.overdue, q.now])).rows.map(fix);
}

/** Sets the given columns (camelCase keys of RequestRow that map to columns) and cascades the status to linked requests. */
const COLUMN_OF: Record<string, string> = {
  status: 'status', dueAt: 'due_at', extendedAt: 'extended_at', extensionReason: 'extension_reason', verifiedAt: 'verified_at',
  verification: 'verification', completedAt: 'completed_at', rejectedAt: 'rejected_at', rejectionReason: 'rejection_reason',
  objectionDecision: 'objection_decision', decisionReason: 'decision_reason', noDataHeld: 'no_data_held', outcome: 'outcome',
  personId: 'person_id',
};

export async function updateRequest(db: Queryable, id: string, set: Partial<RequestRow>): Promise<void> {
  const keys = Object.keys(set).filter((k) => COLUMN_OF[k]);
  if (!keys.length) return;
  const values = keys.map((k) => (k === 'outcome' ? JSON.stringify(set[k as keyof RequestRow]) : set[k as keyof RequestRow]));
  const assignments = keys.map((k, i) => `${COLUMN_OF[k]} = $${i + 2}`).join(', ');
  await db.query(`UPDATE privacy_requests SET ${assignments} WHERE id = $1`, [id, ...values]);
  // A duplicate linked to this request follows it (it was never run on its own).
  const follow = keys.filter((k) => ['status', 'dueAt', 'completedAt', 'rejectedAt', 'rejectionReason', 'verifiedAt'].includes(k));
  if (follow.length) {
    const fa = follow.map((k, i) => `${COLUMN_OF[k]} = $${i + 2}`).join(', ');
    await db.query(`UPDATE privacy_requests SET ${fa} WHERE linked_to = $1`, [id, ...follow.map((k) => set[k as keyof RequestRow])]);
  }
}

/* $1 request id, $2 actor, $3 step, $4 note */
export async function addStep(db: Queryable, requestId: string, actor: string, step: string, note: string | null = null): Promise<void> {
  await db.query(`INSERT INTO privacy_request_steps (request_id, actor, step, note) VALUES ($1, $2, $3, $4)`, [requestId, actor, step, note]);
}

export async function stepsOf(db: Queryable, requestId: string) {
  const { rows } = await db.query<{ at: Date; actor: string; step: string; note: string | null }>(
    `SELECT at, actor, step, note FROM privacy_request_steps WHERE request_id = $1 ORDER BY id`, [requestId]);
  return rows.map((r) => ({ at: r.at.toISOString(), actor: r.actor, step: r.step, note: r.note }));
}

/**
 * What a request loses when its subject is forgotten: the address, the corrections and every free text an operator
 * typed (it may name the person). Type, dates, outcome and subject key stay — the administration of P14b.
 */
export const CLEARED_REQUEST_FIELDS = /* sql */ `email = NULL, changes = NULL, note = NULL, extension_reason = NULL,
  rejection_reason = NULL, decision_reason = NULL`;

/*
 * $1 now, $2 days. A concluded (completed or rejected) request from an address that is nobody's in the mirror (answered
 * "no data held", or the address left the person) and under no legal hold keeps type, dates, outcome and subject key
 * — the administration of P14b — but loses the address and free text once its last mail has had MAIL_RETENTION_DAYS
 * to go out: no person's erasure will ever clear them.
 */
const FORGET_CONCLUDED_STRANGERS = /* sql */ `
  WITH gone AS (
    UPDATE privacy_requests r SET ${CLEARED_REQUEST_FIELDS}
    WHERE r.email IS NOT NULL AND r.status IN ('completed', 'rejected')
      AND COALESCE(r.completed_at, r.rejected_at) < $1::timestamptz - make_interval(days => $2)
      AND NOT EXISTS (SELECT 1 FROM person_emails e WHERE e.subject_key = r.subject_key)
      AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.subject_key = r.subject_key AND ${holdInForce('h', '$1::timestamptz')})
    RETURNING r.id),
  notes AS (UPDATE privacy_request_steps s SET note = NULL FROM gone WHERE s.request_id = gone.id AND s.note IS NOT NULL)
  SELECT count(*)::int AS n FROM gone`;

export async function forgetConcludedStrangers(db: Queryable, now: Date, days: number): Promise<number> {
  return (await db.query<{ n: number }>(FORGET_CONCLUDED_STRANGERS, [now, days])).rows[0]!.n;
}
