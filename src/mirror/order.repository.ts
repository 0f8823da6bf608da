import type { Queryable } from '../platform/db.js';
import type { OrderRecord } from './map-order.js';

/**
 * A version received before the delete that trashed the order (applied after it: another worker, a retried savepoint)
 * brings its data but not its status: the order stays in the trash, and that status is the one a restore returns to.
 */
const KEEPS_TRASH = /* sql */ `(orders.status = 'trash' AND orders.trashed_inbox_id > EXCLUDED.inbox_id)`;

/** Shared by the one-by-one and the set-based upsert: the columns written, and what a newer version replaces. */
export const ORDER_INSERT_COLUMNS = /* sql */ `INSERT INTO orders (wc_order_id, person_id, wc_customer_id, number, status,
      currency, prices_include_tax, discount_total, discount_tax, shipping_total, shipping_tax, cart_tax, total, total_tax,
      payment_method, payment_method_title, transaction_id, billing, shipping, ip_address,
      date_created_gmt, date_modified_gmt, date_paid_gmt, date_completed_gmt, body_sha256, inbox_id, policy_version,
      first_seen_via, history, review_consent, trashed_inbox_id)`;
export const ORDER_ON_CONFLICT = /* sql */ `ON CONFLICT (wc_order_id) DO UPDATE SET
      person_id = EXCLUDED.person_id, wc_customer_id = EXCLUDED.wc_customer_id, number = EXCLUDED.number,
      status = CASE WHEN ${KEEPS_TRASH} THEN 'trash' ELSE EXCLUDED.status END,
      status_before_trash = CASE WHEN ${KEEPS_TRASH} THEN COALESCE(NULLIF(EXCLUDED.status, 'trash'), orders.status_before_trash)
        WHEN EXCLUDED.status <> 'trash' THEN NULL
        WHEN orders.status <> 'trash' THEN orders.status ELSE orders.status_before_trash END,
      trashed_inbox_id = CASE WHEN ${KEEPS_TRASH} THEN orders.trashed_inbox_id
        WHEN EXCLUDED.status = 'trash' THEN GREATEST(orders.trashed_inbox_id, EXCLUDED.inbox_id) END,
      currency = EXCLUDED.currency,
      prices_include_tax = EXCLUDED.prices_include_tax, discount_total = EXCLUDED.discount_total,
      discount_tax = EXCLUDED.discount_tax, shipping_total = EXCLUDED.shipping_total,
      shipping_tax = EXCLUDED.shipping_tax, cart_tax = EXCLUDED.cart_tax, total = EXCLUDED.total,
      total_tax = EXCLUDED.total_tax, payment_method = EXCLUDED.payment_method,
      payment_method_title = EXCLUDED.payment_method_title, transaction_id = EXCLUDED.transaction_id,
      billing = EXCLUDED.billing, shipping = EXCLUDED.shipping, ip_address = EXCLUDED.ip_address,
      date_created_gmt = EXCLUDED.date_created_gmt, date_modified_gmt = EXCLUDED.date_modified_gmt,
      date_paid_gmt = EXCLUDED.date_paid_gmt, date_completed_gmt = EXCLUDED.date_completed_gmt,
      body_sha256 = EXCLUDED.body_sha256, inbox_id = EXCLUDED.inbox_id, policy_version = EXCLUDED.policy_version,
      review_consent = COALESCE(EXCLUDED.review_consent, orders.review_consent), updated_at = now()`;

/** SQL for mirrored orders and their lines. Runs inside the caller's transaction. */

/* $1 wc order id */
const SELECT_VERSION = /* sql */ `
  SELECT o.id, o.person_id, o.status, o.trashed_inbox_id, o.date_modified_gmt, o.body_sha256, o.inbox_id,
    o.erased OR p.status = 'erased' AS person_erased -- o.erased: see migration 0016 (p is read as before a lock wait)
  FROM orders o JOIN persons p ON p.id = o.person_id WHERE o.wc_order_id = $1 FOR UPDATE OF o`;

export interface StoredOrder {
  personId: number;
  /** The order belongs to an erased person: it may only ever be stored anonymised. */
  personErased: boolean;
  status: string;
  /** The inbox id of the delete that put it in the trash (null: not trashed, or trashed before migration 0023). */
  trashedBy: number | null;
  version: { modifiedAt: string | null; bodySha256: Buffer; inboxId: number };
}

export async function findOrderVersion(db: Queryable, wcOrderId: number): Promise<StoredOrder | null> {
  const { rows } = await db.query<{
    person_id: number; status: string; trashed_inbox_id: string | null; date_modified_gmt: Date | null; body_sha256: Buffer; inbox_id: number; person_erased: boolean;
  }>(SELECT_VERSION, [wcOrderId]);
  const r = rows[0];
  if (!r) return null;
  return {
    personId: r.person_id,
    personErased: r.person_erased,
    status: r.status,
    trashedBy: r.trashed_inbox_id === null ? null : Number(r.trashed_inbox_id),
    version: { modifiedAt: r.date_modified_gmt?.toISOString() ?? null, bodySha256: r.body_sha256, inboxId: r.inbox_id },
  };
}

/*
 * One statement writes the order, replaces its lines and bumps the person's activity.
 * $1 wc order id, $2 person id, $3 wc customer id, $4 number, $5 status, $6 currency, $7 prices include tax,
 * $8..$14 discount_total, discount_tax, shipping_total, shipping_tax, cart_tax, total, total_tax,
 * $15 payment method, $16 payment method title, $17 transaction id, $18 billing, $19 shipping, $20 ip (anonymised),
 * $21..$24 created, modified, paid, completed, $25 body sha256, $26 inbox id, $27 policy version,
 * $28 lines jsonb, $29 activity, $30 billing first name, $31 billing last name, $32 origin of the delivery,
 * $33 review consent
 * (first_seen_via and history are set once, when the order first enters the mirror)
 */
const UPSERT_ORDER = /* sql */ `
  WITH o AS (
    ${ORDER_INSERT_COLUMNS}
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
      $21, $22, $23, $24, $25, $26, $27, $32, $32 = 'backfill', $33, CASE WHEN $5 = 'trash' THEN $26::bigint END)
    ${ORDER_ON_CONFLICT}
    RETURNING id
  ), old_lines AS (
    DELETE FROM order_lines WHERE order_id = (SELECT id FROM o)
  ), new_lines AS (
    INSERT INTO order_lines (order_id, position, kind, wc_line_id, name, code, product_id, variation_id, quantity,
      subtotal, total, total_tax, tax_class, extra)
    SELECT (SELECT id FROM o), l.position, l.kind, l.wc_line_id, l.name, l.code, l.product_id, l.variation_id,
      l.quantity, l.subtotal, l.total, l.total_tax, l.tax_class, l.extra
    FROM jsonb_to_recordset($28::jsonb) AS l(position int, kind text, wc_line_id bigint, name text, code text,
      product_id bigint, variation_id bigint, quantity numeric, subtotal numeric, total numeric, total_tax numeric,
      tax_class text, extra jsonb)
  ), activity AS (
    UPDATE persons p SET
      last_activity_at = GREATEST(p.last_activity_at, $29::timestamptz),
      first_name = CASE WHEN p.wc_customer_id IS NULL OR COALESCE(p.first_name, '') = ''
                        THEN COALESCE(NULLIF($30, ''), p.first_name) ELSE p.first_name END,
      last_name = CASE WHEN p.wc_customer_id IS NULL OR COALESCE(p.last_name, '') = ''
                       THEN COALESCE(NULLIF($31, ''), p.last_name) ELSE p.last_name END,
      policy_version = $27, updated_at = now()
    WHERE p.id = $2
  )
  SELECT id FROM o`;

export async function upsertOrder(
  db: Queryable,
  o: OrderRecord,
  v: { personId: number; bodySha256: Buffer; inboxId: number; policyVersion: string; activity: string | null; origin: string },
): Promise<void> {
  const a = o.amounts;
  const lines = o.lines.map((l, position) => ({
    position, kind: l.kind, wc_line_id: l.wcLineId, name: l.name, code: l.code, product_id: l.productId,
    variation_id: l.variationId, quantity: l.quantity, subtotal: l.subtotal, total: l.total, total_tax: l.totalTax,
    tax_class: l.taxClass, extra: l.extra,
  }));
  await db.query(UPSERT_ORDER, [
    o.wcOrderId, v.personId, o.wcCustomerId, o.number, o.status, o.currency, o.pricesIncludeTax,
    a.discountTotal, a.discountTax, a.shippingTotal, a.shippingTax, a.cartTax, a.total, a.totalTax,
    o.paymentMethod, o.paymentMethodTitle, o.transactionId, o.billing, o.shipping, o.ipAddress,
    o.dates.created, o.dates.modified, o.dates.paid, o.dates.completed, v.bodySha256, v.inboxId, v.policyVersion,
    JSON.stringify(lines), v.activity, o.billing.firstName, o.billing.lastName, v.origin, o.reviewConsent,
  ]);
}

/* $1 wc order id, $2 inbox id of the delete — a delete received before the version we hold does not apply */
const TRASH_ORDER = /* sql */ `
  UPDATE orders SET status_before_trash = CASE WHEN status <> 'trash' THEN status ELSE status_before_trash END,
    status = 'trash', trashed_inbox_id = GREATEST(trashed_inbox_id, $2), updated_at = now()
  WHERE wc_order_id = $1 AND inbox_id < $2 RETURNING id`;
/* $1 wc order id */
const ORDER_EXISTS = /* sql */ `SELECT 1 FROM orders WHERE wc_order_id = $1`;

/** order.deleted moves an order to the trash; order.restored brings the full order back. */
export async function trashOrder(db: Queryable, wcOrderId: number, inboxId: number): Promise<'trashed' | 'stale' | 'unknown'> {
  const { rowCount } = await db.query(TRASH_ORDER, [wcOrderId, inboxId]);
  if ((rowCount ?? 0) > 0) return 'trashed';
  return (await db.query(ORDER_EXISTS, [wcOrderId])).rowCount ? 'stale' : 'unknown';
}

/* $1 wc order id */
const MARK_DELETED_IN_SHOP = /* sql */ `
  UPDATE orders SET wc_deleted_at = COALESCE(wc_deleted_at, now()), updated_at = now() WHERE wc_order_id = $1`;

/** A re-fetch answered 404: the shop deleted the order permanently (no webhook exists for that). */
export async function markOrderDeletedInShop(db: Queryable, wcOrderId: number): Promise<boolean> {
  const { rowCount } = await db.query(MARK_DELETED_IN_SHOP, [wcOrderId]);
  return (rowCount ?? 0) > 0;
}
