import type { Queryable } from '../platform/db.js';
import { audit } from '../audit/audit.repository.js';
import { holdPerson } from '../processors/sync.repository.js';

/**
 * P21 for an objection filed while we held nothing for its address (no person to stop then): the moment the mirror
 * links that address to a person, the person's processing stops — pending until the operator's decision, as if the
 * objection were filed now. Filing and the mirror take the address's advisory lock (lockNames), so one of the two
 * always sees the other's commit. Start-up runs the same check over every address, for persons linked before this
 * was in place (or before their address had a subject key).
 */

/* Request `r` is an objection still waiting for its decision (a linked duplicate follows the one it duplicates). */
export const OPEN_OBJECTION = /* sql */ `r.type = 'objection' AND r.linked_to IS NULL
  AND r.status IN ('received', 'awaiting_verification', 'in_progress')`;

/* $1 emails just linked to a person, or null for every address */
const ADOPT = /* sql */ `
  UPDATE persons p SET objection = 'pending', updated_at = now()
  FROM (
    SELECT DISTINCT ON (e.person_id) e.person_id, e.subject_key, r.id AS request_id
    FROM person_emails e JOIN privacy_requests r ON r.subject_key = e.subject_key AND ${OPEN_OBJECTION}
    WHERE $1::text[] IS NULL OR e.email = ANY($1::text[])
    ORDER BY e.person_id, r.received_at
  ) hit
  WHERE p.id = hit.person_id AND p.status <> 'erased' AND p.objection IN ('none', 'rejected')
  RETURNING p.id, hit.subject_key, hit.request_id`;

/** Persons whose (given, or any) address has an open objection and who are not stopped yet stop now. Returns how many. */
export async function adoptOpenObjections(db: Queryable, emails: string[] | null = null): Promise<number> {
  if (emails && !emails.length) return 0;
  const { rows } = await db.query<{ id: number; subject_key: Buffer; request_id: string }>(ADOPT, [emails]);
  for (const r of rows) await holdPerson(db, r.id, 'objection_pending');
  await audit(db, ...rows.map((r) => ({
    actor: 'system', action: 'processing.stopped', subjectKey: r.subject_key, requestId: r.request_id,
    detail: { reason: 'objection_pending', cause: 'address_linked' },
  })));
  return rows.length;
}

/* Whether one of person p's addresses has an objection matching `cond` (on its request r). */
const anyObjection = (cond: string) => /* sql */ `EXISTS (SELECT 1 FROM person_emails e JOIN privacy_requests r ON r.subject_key = e.subject_key
  WHERE e.person_id = p.id AND r.type = 'objection' AND ${cond})`;

/*
 * $1 subject key — an objection of this address was rejected as a request (never verified, not one): its person is
 * stopped only while another objection still stands — upheld for any address stays upheld, one still open keeps it
 * pending; otherwise back to what the last decision said, or to none.
 */
const SETTLE_REJECTED = /* sql */ `
  UPDATE persons p SET updated_at = now(), objection = CASE
    WHEN ${anyObjection(`r.objection_decision = 'upheld'`)} THEN 'upheld'
    WHEN ${anyObjection(OPEN_OBJECTION)} THEN 'pending'
    WHEN ${anyObjection(`r.objection_decision = 'rejected'`)} THEN 'rejected'
    ELSE 'none' END
  WHERE p.id IN (SELECT person_id FROM person_emails WHERE subject_key = $1) AND p.objection = 'pending'
  RETURNING p.id, p.objection`;

/** After an objection request was rejected: the persons whose processing it alone had stopped resume. Returns them. */
export async function settleRejectedObjection(db: Queryable, subjectKey: Buffer): Promise<{ personId: number; objection: string }[]> {
  const { rows } = await db.query<{ id: string; objection: string }>(SETTLE_REJECTED, [subjectKey]);
  return rows.map((r) => ({ personId: Number(r.id), objection: r.objection }));
}
