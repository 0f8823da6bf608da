import { type Queryable, sessionLocksInTransactionSql } from '../platform/db.js';
import type { ProcessorId } from './types.js';
import { PUSH_LOCK } from './push-lock.js';
import { PUSH_BASIS } from './register.js';
import type { ExistingSync, OrderForPlanning, PlannedPush, PushKind } from './triggers.js';

/** SQL of sync records (one per order, processor and push): planning, the outbox to the queues, and state changes. */

/* $1 wc order ids */
const PLANNING_STATE = /* sql */ `
  SELECT o.id, o.wc_order_id, o.status, o.date_modified_gmt, o.date_paid_gmt, o.date_completed_gmt,
    COALESCE((SELECT array_agg(l.code) FROM order_lines l WHERE l.order_id = o.id AND l.kind = 'shipping' AND l.code IS NOT NULL), '{}') AS methods,
    COALESCE((SELECT array_agg(l.wc_line_id) FROM order_lines l WHERE l.order_id = o.id AND l.kind = 'refund' AND l.wc_line_id IS NOT NULL), '{}') AS refunds,
    COALESCE((SELECT jsonb_agg(jsonb_build_object('id', s.id, 'processor', s.processor, 'kind', s.kind, 'ref', s.ref, 'status', s.status,
                'reason', s.reason, 'runAt', s.run_at))
              FROM processor_syncs s WHERE s.order_id = o.id), '[]') AS syncs,
    COALESCE((SELECT c.granted FROM consents c WHERE c.person_id = o.person_id AND c.purpose = 'review_invitation'
              ORDER BY c.recorded_at DESC, c.id DESC LIMIT 1), o.review_consent, false) AS review_consent
  FROM orders o WHERE o.wc_order_id = ANY($1::bigint[])`;

export async function loadPlanningState(db: Queryable, applied: { wcOrderId: number; origin: string }[]) {
  const origin = new Map(applied.map((a) => [a.wcOrderId, a.origin]));
  const { rows } = await db.query(PLANNING_STATE, [[...origin.keys()]]);
  return rows.map((r) => ({
    order: {
      orderId: Number(r.id), status: r.status as string, dateModified: (r.date_modified_gmt as Date | null)?.toISOString() ?? null,
      datePaid: (r.date_paid_gmt as Date | null)?.toISOString() ?? null, dateCompleted: (r.date_completed_gmt as Date | null)?.toISOString() ?? null,
      origin: origin.get(Number(r.wc_order_id)) ?? 'webhook', shippingMethodIds: r.methods as string[], refundIds: (r.refunds as string[]).map(Number),
      reviewConsent: r.review_consent as boolean,
    } satisfies OrderForPlanning,
    existing: r.syncs as ExistingSync[],
  }));
}

/* $1 order ids, $2 processors, $3 kinds, $4 refs, $5 run at, $6 skip reasons (null: pending) */
const INSERT_SYNCS = /* sql */ `
  INSERT INTO processor_syncs (order_id, processor, kind, ref, run_at, status, reason)
  SELECT x.order_id, x.processor, x.kind, x.ref, x.run_at, CASE WHEN x.skipped IS NULL THEN 'pending' ELSE 'skipped' END, x.skipped
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[]) AS x(order_id, processor, kind, ref, run_at, skipped)
  ON CONFLICT (order_id, processor, kind, ref) DO NOTHING`;

export async function insertSyncs(db: Queryable, rows: (PlannedPush & { orderId: number })[]): Promise<number> {
  if (!rows.length) return 0;
  const r = await db.query(INSERT_SYNCS, [
    rows.map((p) => p.orderId), rows.map((p) => p.processor), rows.map((p) => p.kind), rows.map((p) => p.ref), rows.map((p) => p.runAt),
    rows.map((p) => p.skipped ?? null),
  ]);
  return r.rowCount ?? 0;
}

/* A push goes (back) to the outbox: pending, not in any queue yet, so the relay queues it as if new. */
const TO_OUTBOX = /* sql */ `status = 'pending', reason = NULL, enqueued_at = NULL, job_id = NULL, updated_at = now()`;

/* $1 ids — only what is still skipped for want of consent */
const REVIVE = /* sql */ `
  UPDATE processor_syncs SET ${TO_OUTBOX} WHERE id = ANY($1::bigint[]) AND status = 'skipped' AND reason = 'no_consent'`;

export async function reviveSyncs(db: Queryable, ids: number[]): Promise<number> {
  return ids.length ? (await db.query(REVIVE, [ids])).rowCount ?? 0 : 0;
}

/* $1 person id, $2 now — consent granted: their invitations skipped for want of it and not due yet go again (P10) */
const REVIVE_PERSON = /* sql */ `
  UPDATE processor_syncs s SET ${TO_OUTBOX}
  FROM orders o WHERE o.id = s.order_id AND o.person_id = $1 AND o.status = 'completed'
    AND s.processor = 'reviews' AND s.kind = 'invitation' AND s.status = 'skipped' AND s.reason = 'no_consent' AND s.run_at > $2`;

export async function reviveInvitationsOf(db: Queryable, personId: number, now: Date): Promise<number> {
  return (await db.query(REVIVE_PERSON, [personId, now])).rowCount ?? 0;
}

/* $1 ids, $2 reasons — only what has not gone yet */
const SKIP_SYNCS = /* sql */ `
  UPDATE processor_syncs s SET status = 'skipped', reason = x.reason, updated_at = now()
  FROM unnest($1::bigint[], $2::text[]) AS x(id, reason) WHERE s.id = x.id AND s.status IN ('pending', 'held')`;

export async function skipSyncs(db: Queryable, rows: { id: number; reason: string }[]): Promise<void> {
  if (rows.length) await db.query(SKIP_SYNCS, [rows.map((r) => r.id), rows.map((r) => r.reason)]);
}

/* $1 limit — pending records not in a queue yet; the relay claims them (SKIP LOCKED: several relays never collide) */
const CLAIM_UNQUEUED = /* sql */ `
  UPDATE processor_syncs s SET enqueued_at = now() FROM (
    SELECT id FROM processor_syncs WHERE enqueued_at IS NULL AND status = 'pending' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
  ) c WHERE s.id = c.id
  RETURNING s.id, s.processor, s.run_at`;

export async function claimUnqueued(db: Queryable, limit: number): Promise<{ id: number; processor: ProcessorId; runAt: Date }[]> {
  const { rows } = await db.query(CLAIM_UNQUEUED, [limit]);
  return rows.map((r) => ({ id: Number(r.id), processor: r.processor, runAt: r.run_at }));
}

/* $1 ids, $2 job ids */
const SET_JOB_IDS = /* sql */ `
  UPDATE processor_syncs s SET job_id = x.job_id FROM unnest($1::bigint[], $2::text[]) AS x(id, job_id) WHERE s.id = x.id`;

export async function setJobIds(db: Queryable, rows: { id: number; jobId: string }[]): Promise<void> {
  if (rows.length) await db.query(SET_JOB_IDS, [rows.map((r) => r.id), rows.map((r) => r.jobId)]);
}

/*
 * $1 min age (ms), $2 limit, $3/$4 after (enqueued at, id; null: from the start) — pending records handed to the queue
 * a while ago: is their job still there? Read in pages: invitations wait days as delayed jobs, and a check that always
 * read the oldest page would never reach a newer record whose job was lost.
 */
const ENQUEUED_PENDING = /* sql */ `
  SELECT id, processor, job_id, enqueued_at FROM processor_syncs
  WHERE status = 'pending' AND enqueued_at IS NOT NULL AND enqueued_at < now() - make_interval(secs => $1::float8 / 1000)
    AND ($3::timestamptz IS NULL OR (enqueued_at, id) > ($3::timestamptz, $4::bigint))
  ORDER BY enqueued_at, id LIMIT $2`;

export interface EnqueuedPending { id: number; processor: ProcessorId; jobId: string | null; enqueuedAt: Date }

export async function enqueuedPending(
  db: Queryable, minAgeMs: number, limit: number, after: { enqueuedAt: Date; id: number } | null = null,
): Promise<EnqueuedPending[]> {
  const { rows } = await db.query(ENQUEUED_PENDING, [minAgeMs, limit, after?.enqueuedAt ?? null, after?.id ?? null]);
  return rows.map((r) => ({ id: Number(r.id), processor: r.processor, jobId: r.job_id, enqueuedAt: r.enqueued_at }));
}

/* $1 ids, $2 the job ids they were checked against — hands them back to the relay unless re-queued meanwhile */
const UNQUEUE = /* sql */ `
  UPDATE processor_syncs s SET enqueued_at = NULL, job_id = NULL, updated_at = now()
  FROM unnest($1::bigint[], $2::text[]) AS x(id, job_id)
  WHERE s.id = x.id AND s.status = 'pending' AND s.job_id IS NOT DISTINCT FROM x.job_id`;

export async function unqueue(db: Queryable, rows: { id: number; jobId: string | null }[]): Promise<number> {
  if (!rows.length) return 0;
  return (await db.query(UNQUEUE, [rows.map((r) => r.id), rows.map((r) => r.jobId)])).rowCount ?? 0;
}

export interface SyncRecord {
  id: number;
  orderId: number;
  wcOrderId: number;
  personId: number;
  processor: ProcessorId;
  kind: PushKind;
  ref: string;
  status: 'pending' | 'held' | 'done' | 'failed' | 'skipped';
  externalId: string | null;
  attempts: number;
  /** When the push was planned: for a credit, when the refund was first seen (the credit note's date). */
  createdAt: Date;
}

/* $1 id — locks the record for the duration of a push step */
const LOAD = /* sql */ `
  SELECT s.id, s.order_id, o.wc_order_id, o.person_id, s.processor, s.kind, s.ref, s.status, s.external_id, s.attempts, s.created_at
  FROM processor_syncs s JOIN orders o ON o.id = s.order_id WHERE s.id = $1 FOR UPDATE OF s`;

export async function loadSync(db: Queryable, id: number): Promise<SyncRecord | null> {
  const r = (await db.query(LOAD, [id])).rows[0];
  if (!r) return null;
  return {
    id: Number(r.id), orderId: Number(r.order_id), wcOrderId: Number(r.wc_order_id), personId: Number(r.person_id), processor: r.processor,
    kind: r.kind, ref: r.ref, status: r.status, externalId: r.external_id, attempts: r.attempts, createdAt: r.created_at,
  };
}

/* $1 id, $2 status, $3 reason, $4 external id, $5 last error, $6 count an attempt */
const SET_STATE = /* sql */ `
  UPDATE processor_syncs SET status = $2, reason = $3, external_id = COALESCE($4, external_id), last_error = $5,
    attempts = attempts + CASE WHEN $6 THEN 1 ELSE 0 END, updated_at = now()
  WHERE id = $1`;

export async function setSyncState(
  db: Queryable, id: number,
  s: { status: SyncRecord['status']; reason?: string | null; externalId?: string | null; lastError?: string | null; attempt?: boolean },
): Promise<void> {
  await db.query(SET_STATE, [id, s.status, s.reason ?? null, s.externalId ?? null, s.lastError ?? null, s.attempt ?? false]);
}

/* $1 id, $2 external id — e.g. a PostNL barcode, kept before the call that uses it */
export async function setExternalId(db: Queryable, id: number, externalId: string): Promise<void> {
  await db.query(`UPDATE processor_syncs SET external_id = $2, updated_at = now() WHERE id = $1`, [id, externalId]);
}

/**
 * A push of sync record `s` may have reached its processor: it went out, an attempt failed after the processor may
 * have stored it (no answer within the timeout, a 5xx after storing), or a call began whose outcome was never
 * recorded (the worker died) — whatever became of the record since.
 */
export const mayHaveReached = (s: string): string => /* sql */ `(${s}.status = 'done' OR ${s}.attempts > 0 OR ${s}.called_at IS NOT NULL)`;

/* $1 id — committed before the push's first request leaves (see migration 0020) */
export async function markCalling(db: Queryable, id: number): Promise<void> {
  await db.query(`UPDATE processor_syncs SET called_at = now() WHERE id = $1`, [id]);
}

/* $1 person ids — the names their pending pushes run under (PUSH_LOCK): any of them may be talking to a processor now */
const LOCK_PUSHES = sessionLocksInTransactionSql(/* sql */ `
  SELECT '${PUSH_LOCK}' || s.id FROM processor_syncs s JOIN orders o ON o.id = s.order_id
  WHERE o.person_id = ANY($1::bigint[]) AND s.status = 'pending'`);

/**
 * Waits for the persons' pushes in flight to finish and keeps new ones from starting until the caller's transaction
 * ends: a push decides at its start and records at its end, so a change of the person's state in between (an
 * erasure, a release of held pushes) would otherwise be overwritten by, or miss, the push's outcome.
 */
export async function lockPushesOf(db: Queryable, personIds: number[]): Promise<void> {
  await db.query(LOCK_PUSHES, [personIds]);
}

/* Processors whose pushes the law requires (Art. 17(3)(b)): they go on for an erased person, as the gate lets them. */
const REQUIRED_BY_LAW = Object.entries(PUSH_BASIS).filter(([, basis]) => basis === 'legal_obligation').map(([p]) => p);
/* $1 person ids, $2 REQUIRED_BY_LAW — what has not gone yet never will */
const DROP_FOR_ERASED = /* sql */ `
  UPDATE processor_syncs s SET status = 'skipped', reason = 'erased', updated_at = now()
  FROM orders o WHERE o.id = s.order_id AND o.person_id = ANY($1::bigint[]) AND s.status IN ('pending', 'held')
    AND s.processor <> ALL($2::text[])`;
/* $1 person ids, $2 REQUIRED_BY_LAW — held ones go back to the outbox: no release ever comes for an erased person */
const RELEASE_FOR_ERASED = /* sql */ `
  UPDATE processor_syncs s SET ${TO_OUTBOX}
  FROM orders o WHERE o.id = s.order_id AND o.person_id = ANY($1::bigint[]) AND s.status = 'held' AND s.processor = ANY($2::text[])`;

/**
 * Erasure (inside its transaction): the persons' pushes that have not gone yet are dropped — the gate would drop them,
 * and held ones must not wait for a release — except what the law requires (the books), which goes on, held or not,
 * with the order as erasure leaves it.
 */
export async function settlePushesOfErased(db: Queryable, personIds: number[]): Promise<{ dropped: number; released: number }> {
  const dropped = (await db.query(DROP_FOR_ERASED, [personIds, REQUIRED_BY_LAW])).rowCount ?? 0;
  const released = (await db.query(RELEASE_FOR_ERASED, [personIds, REQUIRED_BY_LAW])).rowCount ?? 0;
  return { dropped, released };
}

/* $1 person id — holdFor: every push of the person that has not gone yet waits */
const HOLD_PERSON = /* sql */ `
  UPDATE processor_syncs s SET status = 'held', reason = $2, updated_at = now()
  FROM orders o WHERE o.id = s.order_id AND o.person_id = $1 AND s.status = 'pending'`;
/* $1 person id — releaseFor: held pushes go back to the outbox and run with the data as it is then */
const RELEASE_PERSON = /* sql */ `
  UPDATE processor_syncs s SET ${TO_OUTBOX}
  FROM orders o WHERE o.id = s.order_id AND o.person_id = $1 AND s.status = 'held'`;

/* $1 person id — an upheld objection ends, for good, what rests on consent or legitimate interest (P21) */
const DROP_NON_REQUIRED = /* sql */ `
  UPDATE processor_syncs s SET status = 'skipped', reason = 'objection_upheld', updated_at = now()
  FROM orders o WHERE o.id = s.order_id AND o.person_id = $1 AND s.processor = 'reviews' AND s.status IN ('pending', 'held')`;

export async function dropForUpheldObjection(db: Queryable, personId: number): Promise<number> {
  return (await db.query(DROP_NON_REQUIRED, [personId])).rowCount ?? 0;
}

export async function holdPerson(db: Queryable, personId: number, reason: string): Promise<number> {
  return (await db.query(HOLD_PERSON, [personId, reason])).rowCount ?? 0;
}
export async function releasePerson(db: Queryable, personId: number): Promise<number> {
  return (await db.query(RELEASE_PERSON, [personId])).rowCount ?? 0;
}

/* $1 wc order id */
const SYNCS_OF_ORDER = /* sql */ `
  SELECT s.id, s.processor, s.kind, s.ref, s.status, s.reason, s.external_id, s.attempts, s.last_error, s.updated_at
  FROM processor_syncs s JOIN orders o ON o.id = s.order_id WHERE o.wc_order_id = $1 ORDER BY s.id`;

export async function syncsOfOrder(db: Queryable, wcOrderId: number) {
  const { rows } = await db.query(SYNCS_OF_ORDER, [wcOrderId]);
  return rows.map((r) => ({
    id: Number(r.id), processor: r.processor as ProcessorId, kind: r.kind as PushKind, ref: r.ref as string, status: r.status as string,
    reason: r.reason as string | null, externalId: r.external_id as string | null, attempts: r.attempts as number,
    lastError: r.last_error as string | null, updatedAt: (r.updated_at as Date).toISOString(),
  }));
}

/* $1 id — an operator's retry: a failed (or skipped) push goes back to the outbox, attempts kept */
export async function resetForRetry(db: Queryable, id: number): Promise<void> {
  await db.query(`UPDATE processor_syncs SET ${TO_OUTBOX}, run_at = now() WHERE id = $1`, [id]);
}
