import type { Queryable } from '../platform/db.js';
import { compositeStatus } from '../processors/gate.js';
import { normaliseEmail } from '../mirror/identity.js';
import { findPersonIdsByEmail, loadOrdersOfPersons, loadPersons } from '../operator/customers.repository.js';
import { type RequestRow, listRequests } from '../dsr/requests.repository.js';
import type { ClosedRequest } from './views/requests.js';
import type { AuditInfo, MailInfo } from './views/request-detail.js';
import type { OrderInfo, PersonInfo, SyncInfo } from './views/persons.js';
import type { FailedPush } from './views/operations.js';

/** The desk's reads that the JSON API does not already offer in this shape. Personal data only where a page shows it. */

/** Open requests of every open status, earliest due first (per status, so closed history never crowds them out). */
export async function openRequests(db: Queryable, now: Date): Promise<RequestRow[]> {
  const lists = await Promise.all((['received', 'awaiting_verification', 'in_progress'] as const)
    .map((status) => listRequests(db, { status, overdue: false, now })));
  return lists.flat().sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.receivedAt.getTime() - b.receivedAt.getTime());
}

/* $1 limit */
const CLOSED = /* sql */ `
  SELECT id, type, status, COALESCE(completed_at, rejected_at) AS closed_at FROM privacy_requests
  WHERE status IN ('completed', 'rejected') ORDER BY COALESCE(completed_at, rejected_at) DESC NULLS LAST LIMIT $1`;

export async function closedRequests(db: Queryable, limit: number): Promise<ClosedRequest[]> {
  return (await db.query(CLOSED, [limit])).rows.map((r) => ({ id: r.id, type: r.type, status: r.status, closedAt: r.closed_at }));
}

/* $1 request id — never the body, subject or address */
const MAILS = /* sql */ `SELECT template, status, attempts, created_at, sent_at FROM mail_outbox WHERE request_id = $1 ORDER BY id`;

export async function mailsOf(db: Queryable, requestId: string): Promise<MailInfo[]> {
  return (await db.query(MAILS, [requestId])).rows.map((r) => ({ template: r.template, status: r.status, attempts: r.attempts, createdAt: r.created_at, sentAt: r.sent_at }));
}

/* $1 request id */
const AUDIT = /* sql */ `SELECT at, actor, action, detail FROM audit_log WHERE request_id = $1 ORDER BY id LIMIT 500`;

export async function auditOf(db: Queryable, requestId: string): Promise<AuditInfo[]> {
  return (await db.query(AUDIT, [requestId])).rows.map((r) => ({ at: r.at, actor: r.actor, action: r.action, detail: r.detail }));
}

/* Pushes failed for good, newest first */
const FAILED = /* sql */ `
  SELECT o.wc_order_id, o.number, s.processor, s.kind, s.attempts, s.last_error, s.updated_at
  FROM processor_syncs s JOIN orders o ON o.id = s.order_id WHERE s.status = 'failed' ORDER BY s.updated_at DESC, s.id DESC LIMIT 500`;

export async function failedPushes(db: Queryable): Promise<FailedPush[]> {
  return (await db.query(FAILED)).rows.map((r) => ({
    wcOrderId: Number(r.wc_order_id), number: r.number, processor: r.processor, kind: r.kind, attempts: r.attempts, lastError: r.last_error, updatedAt: r.updated_at,
  }));
}

/* $1 order ids */
const SYNCS = /* sql */ `SELECT order_id, processor, kind, status, reason, attempts, last_error FROM processor_syncs WHERE order_id = ANY($1::bigint[]) ORDER BY id`;
/* $1 order ids */
const LABELS = /* sql */ `SELECT order_id, label_pdf IS NOT NULL AS available FROM shipment_labels WHERE order_id = ANY($1::bigint[])`;

/** Everyone the mirror holds under this email, with orders, each order's pushes and label. */
export async function personsByEmail(db: Queryable, email: string): Promise<PersonInfo[]> {
  const ids = await findPersonIdsByEmail(db, normaliseEmail(email));
  if (!ids.length) return [];
  const [persons, orders] = await Promise.all([loadPersons(db, ids), loadOrdersOfPersons(db, ids)]);
  const orderIds = orders.map((o) => o.id);
  const [syncs, labels] = await Promise.all([db.query(SYNCS, [orderIds]), db.query(LABELS, [orderIds])]);
  const syncsOf = new Map<number, SyncInfo[]>();
  for (const s of syncs.rows) {
    const k = Number(s.order_id);
    syncsOf.set(k, [...(syncsOf.get(k) ?? []), { processor: s.processor, kind: s.kind, status: s.status, reason: s.reason, attempts: s.attempts, lastError: s.last_error }]);
  }
  const labelOf = new Map(labels.rows.map((l) => [Number(l.order_id), l.available ? 'available' as const : 'purged' as const]));
  return persons.map((p) => ({
    id: Number(p.id), name: [p.first_name, p.last_name].filter(Boolean).join(' '), emails: p.emails,
    status: compositeStatus({ erased: p.status === 'erased', restricted: p.restricted, objection: p.objection }),
    restricted: p.restricted, objection: p.objection, legalHold: p.legal_hold, lastActivityAt: p.last_activity_at, accountDeletedAt: p.wc_account_deleted_at,
    orders: orders.filter((o) => Number(o.person_id) === Number(p.id)).map((o): OrderInfo => ({
      wcOrderId: Number(o.wc_order_id), number: o.number, status: o.status, total: o.total, currency: o.currency, dateCreated: o.date_created_gmt,
      syncs: syncsOf.get(Number(o.id)) ?? [], label: labelOf.get(Number(o.id)) ?? null,
    })),
  }));
}

/* Backlogs for the health page */
const BACKLOGS = /* sql */ `
  SELECT (SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL)::int AS inbox,
         (SELECT count(*) FROM mail_outbox WHERE status = 'pending')::int AS mail_pending,
         (SELECT count(*) FROM mail_outbox WHERE status = 'failed')::int AS mail_failed`;

export async function backlogs(db: Queryable): Promise<{ inboxBacklog: number; mail: { pending: number; failed: number } }> {
  const r = (await db.query(BACKLOGS)).rows[0]!;
  return { inboxBacklog: r.inbox, mail: { pending: r.mail_pending, failed: r.mail_failed } };
}
