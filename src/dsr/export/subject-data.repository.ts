import type { Queryable } from '../../platform/db.js';
import { invoicesOf } from './invoices.js';
import { mayHaveReached } from '../../processors/sync.repository.js';
import type {
  SubjectAuditEvent, SubjectConsent, SubjectData, SubjectEmail, SubjectLabel, SubjectOrder, SubjectOrderLine,
  SubjectPerson, SubjectRequest, SubjectSync,
} from './subject-data.js';

export type { SubjectData } from './subject-data.js';

/**
 * Reads everything held about one person for an access or portability export (P17, P20). Set-based: nine
 * statements whatever the number of orders. Every statement is scoped by the person id, so nothing of another
 * person can enter the package. For one consistent snapshot, pass a client inside a REPEATABLE READ transaction.
 */

/* $1 person id */
const PERSON = /* sql */ `
  SELECT id, wc_customer_id AS "wcCustomerId", first_name AS "firstName", last_name AS "lastName",
    account_email AS "accountEmail", billing, shipping, status, restricted, objection,
    last_activity_at AS "lastActivityAt", wc_account_created_at AS "accountCreatedAt",
    wc_account_deleted_at AS "accountDeletedAt", created_at AS "createdAt", policy_version AS "policyVersion"
  FROM persons WHERE id = $1`;

/* $1 person id */
const EMAILS = /* sql */ `
  SELECT email, added_at AS "addedAt" FROM person_emails WHERE person_id = $1 ORDER BY added_at, email`;

/* $1 person id — oldest first, as a record of the relationship */
const ORDERS = /* sql */ `
  SELECT o.id, o.wc_order_id AS "wcOrderId", o.number, o.status, o.status_before_trash AS "statusBeforeTrash",
    o.currency, o.prices_include_tax AS "pricesIncludeTax", o.total, o.total_tax AS "totalTax",
    o.shipping_total AS "shippingTotal", o.shipping_tax AS "shippingTax", o.discount_total AS "discountTotal",
    o.discount_tax AS "discountTax", o.cart_tax AS "cartTax", o.payment_method AS "paymentMethod",
    o.payment_method_title AS "paymentMethodTitle", o.transaction_id AS "transactionId", o.billing, o.shipping,
    o.ip_address AS "ipAddress", o.date_created_gmt AS "dateCreated", o.date_modified_gmt AS "dateModified",
    o.date_paid_gmt AS "datePaid", o.date_completed_gmt AS "dateCompleted", o.wc_deleted_at AS "deletedInShopAt",
    o.created_at AS "storedAt", o.policy_version AS "policyVersion", o.review_consent AS "reviewConsent"
  FROM orders o WHERE o.person_id = $1
  ORDER BY o.date_created_gmt ASC NULLS LAST, o.wc_order_id`;

/* $1 person id — numeric columns arrive as exact decimal text */
const LINES = /* sql */ `
  SELECT l.order_id AS "orderId", l.kind, l.wc_line_id AS "wcLineId", l.name, l.code, l.quantity, l.total,
    l.total_tax AS "totalTax"
  FROM order_lines l JOIN orders o ON o.id = l.order_id
  WHERE o.person_id = $1 ORDER BY l.order_id, l.position`;

/* $1 person id — push records only: never last_error or payloads */
const SYNCS = /* sql */ `
  SELECT s.processor, s.kind, s.ref, o.wc_order_id AS "wcOrderId", o.number AS "orderNumber", s.status, s.reason,
    s.external_id AS "externalId", s.run_at AS "runAt", s.created_at AS "createdAt", s.updated_at AS "updatedAt",
    ${mayHaveReached('s')} AS "mayHaveReached"
  FROM processor_syncs s JOIN orders o ON o.id = s.order_id
  WHERE o.person_id = $1 ORDER BY s.created_at, s.id`;

/* $1 person id — the barcode and date; the PDF itself never leaves the table */
const LABELS = /* sql */ `
  SELECT o.wc_order_id AS "wcOrderId", o.number AS "orderNumber", l.barcode, l.created_at AS "createdAt",
    l.label_pdf IS NOT NULL AS "pdfHeld"
  FROM shipment_labels l JOIN orders o ON o.id = l.order_id
  WHERE o.person_id = $1 ORDER BY l.created_at, o.wc_order_id`;

/* $1 person id — API consents and the checkout checkbox of each order, in the order they were given */
const CONSENTS = /* sql */ `
  SELECT purpose, granted, source, "recordedAt", "wcOrderId" FROM (
    SELECT c.purpose, c.granted, c.source, c.recorded_at AS "recordedAt", NULL::bigint AS "wcOrderId", c.id AS tie
    FROM consents c WHERE c.person_id = $1
    UNION ALL
    SELECT 'review_invitation', o.review_consent, 'checkout', COALESCE(o.date_created_gmt, o.created_at), o.wc_order_id, o.id
    FROM orders o WHERE o.person_id = $1 AND o.review_consent IS NOT NULL
  ) c ORDER BY "recordedAt", source, tie`;

/* $1 person id — the trail is keyed by subject key (it holds no email), so it is found through the person's keys */
const HISTORY = /* sql */ `
  SELECT a.at, a.actor, a.action, a.detail FROM audit_log a
  WHERE a.subject_key IN (SELECT e.subject_key FROM person_emails e WHERE e.person_id = $1 AND e.subject_key IS NOT NULL)
  ORDER BY a.at, a.id`;

/* $1 person id — the person's requests by id or by one of their subject keys; never the requesting email */
const REQUESTS = /* sql */ `
  SELECT r.id, r.type, r.status, r.received_at AS "receivedAt", r.due_at AS "dueAt", r.extended_at AS "extendedAt",
    r.verified_at AS "verifiedAt", r.completed_at AS "completedAt", r.rejected_at AS "rejectedAt"
  FROM privacy_requests r
  WHERE r.person_id = $1
     OR r.subject_key IN (SELECT e.subject_key FROM person_emails e WHERE e.person_id = $1 AND e.subject_key IS NOT NULL)
  ORDER BY r.received_at, r.id`;

type OrderRow = Omit<SubjectOrder, 'lines'> & { id: number };
type LineRow = SubjectOrderLine & { orderId: number };

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Everything held about one person, or null when there is no such person.
 * `invoicePrefix` is INVOICE_PREFIX: invoice numbers are prefix + order number, as on the invoice itself.
 */
export async function loadSubjectData(db: Queryable, personId: number, opts: { invoicePrefix: string }): Promise<SubjectData | null> {
  // One statement at a time: a pg client runs queries serially anyway, and a pool would split the snapshot.
  const person = (await db.query<SubjectPerson>(PERSON, [personId])).rows[0];
  if (!person) return null;
  const emails = (await db.query<SubjectEmail>(EMAILS, [personId])).rows;
  const orderRows = (await db.query<OrderRow>(ORDERS, [personId])).rows;
  const lineRows = (await db.query<LineRow>(LINES, [personId])).rows;
  const syncs = (await db.query<SubjectSync>(SYNCS, [personId])).rows;
  const labels = (await db.query<SubjectLabel>(LABELS, [personId])).rows;
  const consents = (await db.query<SubjectConsent>(CONSENTS, [personId])).rows;
  const history = (await db.query<SubjectAuditEvent>(HISTORY, [personId])).rows;
  const requests = (await db.query<SubjectRequest>(REQUESTS, [personId])).rows;

  const linesOf = new Map<number, SubjectOrderLine[]>();
  for (const { orderId, ...line } of lineRows) {
    const list = linesOf.get(num(orderId)) ?? [];
    list.push({ ...line, wcLineId: numOrNull(line.wcLineId) });
    linesOf.set(num(orderId), list);
  }
  const orders: SubjectOrder[] = orderRows.map(({ id, ...o }) => ({ ...o, wcOrderId: num(o.wcOrderId), lines: linesOf.get(num(id)) ?? [] }));
  const syncList = syncs.map((s) => ({ ...s, wcOrderId: num(s.wcOrderId) }));

  return {
    person: { ...person, id: num(person.id), wcCustomerId: numOrNull(person.wcCustomerId) },
    emails,
    orders,
    syncs: syncList,
    labels: labels.map((l) => ({ ...l, wcOrderId: num(l.wcOrderId) })),
    invoices: invoicesOf(orders, syncList, opts.invoicePrefix),
    consents: consents.map((c) => ({ ...c, wcOrderId: numOrNull(c.wcOrderId) })),
    history,
    requests,
  };
}
