import type { Queryable } from '../platform/db.js';
import type { ChunkPlan, ChunkState } from './plan-orders.js';
import { ORDER_INSERT_COLUMNS, ORDER_ON_CONFLICT } from './order.repository.js';
import type { SubjectKeyOf } from '../erasure/subject-key.js';
import { adoptOpenObjections } from '../dsr/open-objections.repository.js';

/** Set-based SQL for the mirror's fast path: a handful of statements per batch, whatever its size. */

/* $1 wc order ids */
const ORDER_VERSIONS = /* sql */ `
  SELECT o.wc_order_id, o.person_id, o.status, o.trashed_inbox_id, o.date_modified_gmt, o.body_sha256, o.inbox_id,
    o.erased OR p.status = 'erased' AS person_erased -- o.erased: see migration 0016 (p is read as before a lock wait)
  FROM orders o JOIN persons p ON p.id = o.person_id WHERE o.wc_order_id = ANY($1::bigint[]) FOR UPDATE OF o`;

/* $1 wc customer ids, $2 emails */
const CANDIDATES = /* sql */ `
  WITH matched AS (
    SELECT id FROM persons WHERE wc_customer_id = ANY($1::bigint[]) AND status <> 'erased'
    UNION
    SELECT person_id FROM person_former_customers WHERE wc_customer_id = ANY($1::bigint[])
    UNION
    SELECT person_id FROM person_emails WHERE email = ANY($2::text[])
  )
  SELECT p.id, p.wc_customer_id, e.email, p.wc_account_deleted_at IS NOT NULL AS account_deleted, p.status = 'erased' AS erased,
    ARRAY(SELECT f.wc_customer_id FROM person_former_customers f WHERE f.person_id = p.id AND f.wc_customer_id = ANY($1::bigint[])) AS former
  FROM matched m JOIN persons p ON p.id = m.id
  LEFT JOIN person_emails e ON e.person_id = p.id AND e.email = ANY($2::text[])
  FOR UPDATE OF p`;

export async function loadChunkState(db: Queryable, wcOrderIds: number[], customerIds: number[], emails: string[]): Promise<ChunkState> {
  const [orders, candidates] = [await db.query(ORDER_VERSIONS, [wcOrderIds]), await db.query(CANDIDATES, [customerIds, emails])];
  const state: ChunkState = { orders: new Map(), byCustomer: new Map(), owners: new Map(), erasedOrders: false };
  for (const r of orders.rows) {
    if (r.person_erased) state.erasedOrders = true;
    state.orders.set(Number(r.wc_order_id), {
      personId: r.person_id, status: r.status, trashedBy: r.trashed_inbox_id === null ? null : Number(r.trashed_inbox_id),
      version: { modifiedAt: r.date_modified_gmt?.toISOString() ?? null, bodySha256: r.body_sha256, inboxId: r.inbox_id },
    });
  }
  for (const r of candidates.rows) {
    const c = { personId: r.id as number, wcCustomerId: r.wc_customer_id as number | null, accountDeleted: r.account_deleted as boolean };
    // An erased person is matched by email only (its emails are gone): never by customer id, as FIND_CANDIDATES.
    if (c.wcCustomerId !== null && !r.erased) state.byCustomer.set(c.wcCustomerId, c);
    // A merged deleted account's old orders still find the person (person_former_customers).
    if (!r.erased) for (const id of r.former as string[]) state.byCustomer.set(Number(id), c);
    if (r.email) state.owners.set(r.email, c);
  }
  return state;
}

/* $1 how many */
const RESERVE_PERSON_IDS = /* sql */ `SELECT nextval(pg_get_serial_sequence('persons', 'id'))::bigint AS id FROM generate_series(1, $1)`;
/* $1 ids, $2 wc customer ids, $3 policy version */
const INSERT_PERSONS = /* sql */ `
  INSERT INTO persons (id, wc_customer_id, policy_version) SELECT id, c, $3 FROM unnest($1::bigint[], $2::bigint[]) AS x(id, c)`;
/* $1 emails, $2 person ids, $3 subject keys — no ON CONFLICT: a concurrent claim must abort the fast path, not be ignored */
const INSERT_EMAILS = /* sql */ `
  INSERT INTO person_emails (email, person_id, subject_key) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[])`;

/* $1 order rows (jsonb), $2 lines (jsonb), $3 policy version */
const UPSERT_ORDERS = /* sql */ `
  WITH r AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(wc_order_id bigint, person_id bigint, wc_customer_id bigint,
      number text, status text, currency text, prices_include_tax boolean, discount_total numeric, discount_tax numeric,
      shipping_total numeric, shipping_tax numeric, cart_tax numeric, total numeric, total_tax numeric,
      payment_method text, payment_method_title text, transaction_id text, billing jsonb, shipping jsonb,
      ip_address text, date_created_gmt timestamptz, date_modified_gmt timestamptz, date_paid_gmt timestamptz,
      date_completed_gmt timestamptz, body_sha256 text, inbox_id bigint, origin text, review_consent boolean)
  ), o AS (
    ${ORDER_INSERT_COLUMNS}
    SELECT wc_order_id, person_id, wc_customer_id, number, status, currency, prices_include_tax,
      discount_total, discount_tax, shipping_total, shipping_tax, cart_tax, total, total_tax,
      payment_method, payment_method_title, transaction_id, billing, shipping, ip_address,
      date_created_gmt, date_modified_gmt, date_paid_gmt, date_completed_gmt, decode(body_sha256, 'hex'), inbox_id, $3,
      origin, origin = 'backfill', review_consent, CASE WHEN status = 'trash' THEN inbox_id END
    FROM r
    ${ORDER_ON_CONFLICT}
    RETURNING id, wc_order_id
  ), old_lines AS (
    DELETE FROM order_lines WHERE order_id IN (SELECT id FROM o)
  )
  INSERT INTO order_lines (order_id, position, kind, wc_line_id, name, code, product_id, variation_id, quantity,
    subtotal, total, total_tax, tax_class, extra)
  SELECT o.id, l.position, l.kind, l.wc_line_id, l.name, l.code, l.product_id, l.variation_id, l.quantity,
    l.subtotal, l.total, l.total_tax, l.tax_class, l.extra
  FROM jsonb_to_recordset($2::jsonb) AS l(wc_order_id bigint, position int, kind text, wc_line_id bigint, name text,
    code text, product_id bigint, variation_id bigint, quantity numeric, subtotal numeric, total numeric,
    total_tax numeric, tax_class text, extra jsonb)
  JOIN o ON o.wc_order_id = l.wc_order_id`;

/*
 * $1 touches (jsonb: person_id, activity, and the first and last non-empty billing names), $2 policy version.
 * Guests take the last non-empty name; a registered person without a name takes the first (as one by one would).
 */
const TOUCH_PERSONS = /* sql */ `
  UPDATE persons p SET
    last_activity_at = GREATEST(p.last_activity_at, u.activity),
    first_name = CASE WHEN p.wc_customer_id IS NULL THEN COALESCE(NULLIF(u.last_first_name, ''), p.first_name)
                      WHEN COALESCE(p.first_name, '') = '' THEN COALESCE(NULLIF(u.first_first_name, ''), p.first_name)
                      ELSE p.first_name END,
    last_name = CASE WHEN p.wc_customer_id IS NULL THEN COALESCE(NULLIF(u.last_last_name, ''), p.last_name)
                     WHEN COALESCE(p.last_name, '') = '' THEN COALESCE(NULLIF(u.first_last_name, ''), p.last_name)
                     ELSE p.last_name END,
    policy_version = $2, updated_at = now()
  FROM jsonb_to_recordset($1::jsonb) AS u(person_id bigint, activity timestamptz, first_first_name text,
    first_last_name text, last_first_name text, last_last_name text)
  WHERE p.id = u.person_id`;

/** Writes a ChunkPlan: persons, emails, orders with their lines, person activity. */
export async function writeChunk(db: Queryable, plan: ChunkPlan, policyVersion: string, subjectKey: SubjectKeyOf): Promise<void> {
  const real = new Map<number, number>();
  if (plan.newPersons.length) {
    const { rows } = await db.query<{ id: number }>(RESERVE_PERSON_IDS, [plan.newPersons.length]);
    plan.newPersons.forEach((p, i) => real.set(p.tempId, rows[i]!.id));
    await db.query(INSERT_PERSONS, [plan.newPersons.map((p) => real.get(p.tempId)), plan.newPersons.map((p) => p.wcCustomerId), policyVersion]);
  }
  const id = (personId: number) => (personId < 0 ? real.get(personId)! : personId);
  if (plan.newEmails.length) {
    await db.query(INSERT_EMAILS, [
      plan.newEmails.map((e) => e.email), plan.newEmails.map((e) => id(e.personId)), plan.newEmails.map((e) => subjectKey(e.email)),
    ]);
    await adoptOpenObjections(db, plan.newEmails.map((e) => e.email));
  }
  const writes = [...plan.orderWrites.values()];
  if (writes.length) {
    const rows = writes.map(({ d, personId, firstOrigin }) => {
      const o = d.order;
      const a = o.amounts;
      return {
        wc_order_id: o.wcOrderId, person_id: id(personId), wc_customer_id: o.wcCustomerId, number: o.number, status: o.status,
        currency: o.currency, prices_include_tax: o.pricesIncludeTax, discount_total: a.discountTotal, discount_tax: a.discountTax,
        shipping_total: a.shippingTotal, shipping_tax: a.shippingTax, cart_tax: a.cartTax, total: a.total, total_tax: a.totalTax,
        payment_method: o.paymentMethod, payment_method_title: o.paymentMethodTitle, transaction_id: o.transactionId,
        billing: o.billing, shipping: o.shipping, ip_address: o.ipAddress, date_created_gmt: o.dates.created,
        date_modified_gmt: o.dates.modified, date_paid_gmt: o.dates.paid, date_completed_gmt: o.dates.completed,
        body_sha256: d.bodySha256.toString('hex'), inbox_id: d.inboxId, origin: firstOrigin, review_consent: o.reviewConsent,
      };
    });
    const lines = writes.flatMap(({ d }) => d.order.lines.map((l, position) => ({
      wc_order_id: d.order.wcOrderId, position, kind: l.kind, wc_line_id: l.wcLineId, name: l.name, code: l.code,
      product_id: l.productId, variation_id: l.variationId, quantity: l.quantity, subtotal: l.subtotal, total: l.total,
      total_tax: l.totalTax, tax_class: l.taxClass, extra: l.extra,
    })));
    await db.query(UPSERT_ORDERS, [JSON.stringify(rows), JSON.stringify(lines), policyVersion]);
  }
  const touches = [...plan.personTouches.entries()].map(([personId, t]) => ({
    person_id: id(personId), activity: t.activity,
    first_first_name: t.names.first.firstName, first_last_name: t.names.first.lastName,
    last_first_name: t.names.last.firstName, last_last_name: t.names.last.lastName,
  }));
  if (touches.length) await db.query(TOUCH_PERSONS, [JSON.stringify(touches), policyVersion]);
}
