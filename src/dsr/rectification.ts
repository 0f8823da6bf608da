import { z } from 'zod';
import type { PoolClient, Queryable } from '../platform/db.js';
import type { WooClient } from '../woo/woo-client.js';

/**
 * Rectification (P18). The changes use the API's person keys. With the shop's REST API they are written to
 * WooCommerce first, so the next webhook carries them instead of undoing them; without it an overlay keeps the
 * correction winning over incoming webhooks until an operator confirms the shop was corrected. Issued invoices are
 * never rewritten: only orders not yet paid take the new address — and keep it once paid (the invoice is issued
 * after the correction; the shop, not told, would otherwise bring the old address back with the payment webhook).
 */

const text = z.string().trim().max(200);
const address = z.object({
  firstName: text, lastName: text, company: text, address1: text, address2: text, city: text, state: text.max(50),
  postcode: text.max(20), country: z.string().trim().length(2).toUpperCase().or(z.literal('')), email: z.email().max(320).or(z.literal('')),
  phone: text.max(40),
}).partial().strict();
export const changesSchema = z.object({ firstName: text, lastName: text, billing: address, shipping: address })
  .partial().strict()
  .refine((c) => Object.keys(c).length > 0, 'changes: at least one field');
export type Changes = z.infer<typeof changesSchema>;

const SNAKE: Record<string, string> = {
  firstName: 'first_name', lastName: 'last_name', company: 'company', address1: 'address_1', address2: 'address_2',
  city: 'city', state: 'state', postcode: 'postcode', country: 'country', email: 'email', phone: 'phone',
};
const snake = (a: Record<string, string | undefined>) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined).map(([k, v]) => [SNAKE[k]!, v]));

/** WooCommerce's customer body for the changes (writable fields only). */
export function wooCustomerBody(c: Changes): Record<string, unknown> {
  return {
    ...(c.firstName !== undefined ? { first_name: c.firstName } : {}),
    ...(c.lastName !== undefined ? { last_name: c.lastName } : {}),
    ...(c.billing ? { billing: snake(c.billing) } : {}),
    ...(c.shipping ? { shipping: snake(c.shipping) } : {}),
  };
}

/* $1 person id */
const SHOP_IDS = /* sql */ `
  SELECT p.wc_customer_id,
    COALESCE((SELECT array_agg(o.wc_order_id) FROM orders o WHERE o.person_id = p.id AND o.date_paid_gmt IS NULL
              AND o.status IN ('pending', 'on-hold', 'failed')), '{}') AS open_orders
  FROM persons p WHERE p.id = $1`;

/** Writes the correction to the shop (customer account and unpaid orders). Returns what it wrote. */
export async function writeToShop(db: Queryable, woo: WooClient, personId: number, c: Changes): Promise<{ customer: boolean; orders: number }> {
  const r = (await db.query<{ wc_customer_id: string | null; open_orders: string[] }>(SHOP_IDS, [personId])).rows[0];
  if (!r) return { customer: false, orders: 0 };
  const body = wooCustomerBody(c);
  if (r.wc_customer_id !== null) await woo.put(`customers/${r.wc_customer_id}`, body);
  const orderBody = { ...(body.billing ? { billing: body.billing } : {}), ...(body.shipping ? { shipping: body.shipping } : {}) };
  if (Object.keys(orderBody).length) for (const id of r.open_orders) await woo.put(`orders/${id}`, orderBody);
  return { customer: r.wc_customer_id !== null, orders: Object.keys(orderBody).length ? r.open_orders.length : 0 };
}

/* $1 person id, $2 changes — the mirror takes the correction now (unpaid orders too; issued invoices stay) */
const APPLY = /* sql */ `
  WITH p AS (
    UPDATE persons SET first_name = COALESCE($2::jsonb->>'firstName', first_name), last_name = COALESCE($2::jsonb->>'lastName', last_name),
      billing = COALESCE(billing, '{}') || COALESCE($2::jsonb->'billing', '{}'), shipping = COALESCE(shipping, '{}') || COALESCE($2::jsonb->'shipping', '{}'),
      updated_at = now()
    WHERE id = $1 RETURNING id
  )
  UPDATE orders SET billing = billing || COALESCE($2::jsonb->'billing', '{}'), shipping = shipping || COALESCE($2::jsonb->'shipping', '{}'), updated_at = now()
  WHERE person_id = $1 AND date_paid_gmt IS NULL AND status IN ('pending', 'on-hold', 'failed')
  RETURNING id`;

/** Applies the correction to the mirror; returns the ids of the (unpaid) orders it corrected. */
export async function applyLocally(db: Queryable, personId: number, c: Changes): Promise<number[]> {
  return (await db.query<{ id: string }>(APPLY, [personId, JSON.stringify(c)])).rows.map((r) => Number(r.id));
}

/**
 * Two corrections as one, `b` winning field by field — inside billing and shipping too (jsonb's || replaces a nested
 * object whole: a second correction of the city would drop the first one's street).
 */
export const mergeChangesSql = (a: string, b: string): string => /* sql */ `(${a} || ${b}
  || CASE WHEN ${a} ? 'billing' OR ${b} ? 'billing'
       THEN jsonb_build_object('billing', COALESCE(${a}->'billing', '{}') || COALESCE(${b}->'billing', '{}')) ELSE '{}' END
  || CASE WHEN ${a} ? 'shipping' OR ${b} ? 'shipping'
       THEN jsonb_build_object('shipping', COALESCE(${a}->'shipping', '{}') || COALESCE(${b}->'shipping', '{}')) ELSE '{}' END)`;

/** An overlay's list column (`request_ids`, `order_ids`) on conflict: a confirmed one starts over, an open one adds. */
export const overlayListSql = (o: string, col: string): string => /* sql */ `CASE WHEN ${o}.confirmed_at IS NOT NULL THEN EXCLUDED.${col}
  ELSE ARRAY(SELECT DISTINCT unnest(${o}.${col} || EXCLUDED.${col})) END`;

/*
 * $1 person id, $2 request id, $3 changes, $4 the orders corrected (unpaid then: they keep the correction once paid).
 * An overlay the shop confirmed already starts over; an open one takes the new correction on top and lists its request.
 */
const OVERLAY = /* sql */ `
  INSERT INTO rectification_overlays AS r (person_id, request_id, request_ids, changes, order_ids) VALUES ($1, $2, ARRAY[$2::uuid], $3, $4::bigint[])
  ON CONFLICT (person_id) DO UPDATE SET request_id = EXCLUDED.request_id,
    request_ids = ${overlayListSql('r', 'request_ids')},
    changes = CASE WHEN r.confirmed_at IS NOT NULL THEN EXCLUDED.changes ELSE ${mergeChangesSql('r.changes', 'EXCLUDED.changes')} END,
    created_at = now(), confirmed_at = NULL,
    order_ids = ${overlayListSql('r', 'order_ids')}`;

export async function keepOverlay(db: Queryable, personId: number, requestId: string, c: Changes, orderIds: number[]): Promise<void> {
  await db.query(OVERLAY, [personId, requestId, JSON.stringify(c), orderIds]);
}

/*
 * No params. Runs at the end of each mirror transaction: persons this transaction wrote (updated_at = now(), the
 * transaction's start) get their unconfirmed corrections back on top of what the webhook brought — on their unpaid
 * orders, and on the orders the correction was applied to while unpaid, once paid (their invoice is issued after it).
 */
const REAPPLY = /* sql */ `
  WITH o AS (
    SELECT r.person_id, r.changes, r.order_ids FROM rectification_overlays r JOIN persons p ON p.id = r.person_id
    WHERE r.confirmed_at IS NULL AND p.updated_at >= now()
  ), p AS (
    UPDATE persons p SET first_name = COALESCE(o.changes->>'firstName', p.first_name), last_name = COALESCE(o.changes->>'lastName', p.last_name),
      billing = COALESCE(p.billing, '{}') || COALESCE(o.changes->'billing', '{}'), shipping = COALESCE(p.shipping, '{}') || COALESCE(o.changes->'shipping', '{}')
    FROM o WHERE p.id = o.person_id RETURNING p.id
  )
  UPDATE orders d SET billing = d.billing || COALESCE(o.changes->'billing', '{}'), shipping = d.shipping || COALESCE(o.changes->'shipping', '{}')
  FROM o WHERE d.person_id = o.person_id AND d.updated_at >= now()
    AND ((d.date_paid_gmt IS NULL AND d.status IN ('pending', 'on-hold', 'failed')) OR d.id = ANY(o.order_ids))`;

export async function reapplyOverlays(db: PoolClient): Promise<void> {
  await db.query(REAPPLY);
}

/*
 * $1 request id — the shop holds this correction now. The overlay stops re-applying once every request it holds is
 * confirmed; until then it keeps the confirmed one's fields too (the shop carries the same values for them).
 */
const CONFIRM = /* sql */ `
  UPDATE rectification_overlays SET request_ids = array_remove(request_ids, $1::uuid),
    confirmed_at = CASE WHEN array_remove(request_ids, $1::uuid) = '{}' THEN now() ELSE confirmed_at END
  WHERE $1::uuid = ANY(request_ids)`;

/** Returns whether an overlay held this request (false: written to the shop, confirmed before, or erased). */
export async function confirmShopCorrected(db: Queryable, requestId: string): Promise<boolean> {
  return ((await db.query(CONFIRM, [requestId])).rowCount ?? 0) > 0;
}
