import type { Queryable } from '../platform/db.js';
import { holdInForce } from '../legal-holds/holds.repository.js';

/** Read side of the mirror for operators: a person with emails, orders and order lines, as stored. */

/* $1 normalised email */
const PERSON_IDS_BY_EMAIL = /* sql */ `SELECT DISTINCT person_id FROM person_emails WHERE email = $1`;

/* $1 person ids */
const PERSONS = /* sql */ `
  SELECT p.id, p.wc_customer_id, p.account_email, p.first_name, p.last_name, p.status, p.last_activity_at,
         p.wc_account_deleted_at, p.policy_version, p.restricted, p.objection,
         EXISTS (SELECT 1 FROM person_emails he JOIN legal_holds h ON h.subject_key = he.subject_key
                 WHERE he.person_id = p.id AND ${holdInForce('h', 'now()')}) AS legal_hold,
         COALESCE(array_agg(e.email ORDER BY e.added_at, e.email) FILTER (WHERE e.email IS NOT NULL), '{}') AS emails
  FROM persons p LEFT JOIN person_emails e ON e.person_id = p.id
  WHERE p.id = ANY($1::bigint[])
  GROUP BY p.id ORDER BY p.id`;

const ORDER_COLUMNS = /* sql */ `
  o.id, o.person_id, o.wc_order_id, o.number, o.status, o.currency, o.total, o.total_tax, o.shipping_total,
  o.discount_total, o.payment_method_title, o.ip_address, o.billing, o.shipping, o.date_created_gmt,
  o.date_modified_gmt, o.date_paid_gmt, o.date_completed_gmt, o.policy_version`;

/* $1 person ids */
const ORDERS_OF_PERSONS = /* sql */ `
  SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.person_id = ANY($1::bigint[])
  ORDER BY o.date_created_gmt DESC NULLS LAST, o.wc_order_id DESC`;

/* $1 wc order id */
const ORDER_BY_WC_ID = /* sql */ `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.wc_order_id = $1`;

/* $1 order ids */
const LINES = /* sql */ `
  SELECT order_id, kind, name, code, quantity, total, total_tax FROM order_lines
  WHERE order_id = ANY($1::bigint[]) ORDER BY order_id, position`;

export type PersonRow = {
  id: number; wc_customer_id: number | null; account_email: string | null; first_name: string | null;
  last_name: string | null; status: string; last_activity_at: Date | null; wc_account_deleted_at: Date | null;
  policy_version: string; emails: string[]; restricted: boolean; objection: 'none' | 'pending' | 'upheld' | 'rejected'; legal_hold: boolean;
};
export type OrderRow = {
  id: number; person_id: number; wc_order_id: number; number: string; status: string; currency: string; total: string;
  total_tax: string; shipping_total: string; discount_total: string; payment_method_title: string | null;
  ip_address: string | null; billing: Record<string, string>; shipping: Record<string, string>;
  date_created_gmt: Date | null; date_modified_gmt: Date | null; date_paid_gmt: Date | null;
  date_completed_gmt: Date | null; policy_version: string;
};
export type LineRow = { order_id: number; kind: string; name: string | null; code: string | null; quantity: string | null; total: string; total_tax: string };

export async function findPersonIdsByEmail(db: Queryable, email: string): Promise<number[]> {
  const { rows } = await db.query<{ person_id: number }>(PERSON_IDS_BY_EMAIL, [email]);
  return rows.map((r) => r.person_id);
}

export async function loadPersons(db: Queryable, ids: number[]): Promise<PersonRow[]> {
  return (await db.query<PersonRow>(PERSONS, [ids])).rows;
}

export async function loadOrdersOfPersons(db: Queryable, personIds: number[]): Promise<OrderRow[]> {
  return (await db.query<OrderRow>(ORDERS_OF_PERSONS, [personIds])).rows;
}

export async function loadOrder(db: Queryable, wcOrderId: number): Promise<OrderRow | null> {
  return (await db.query<OrderRow>(ORDER_BY_WC_ID, [wcOrderId])).rows[0] ?? null;
}

export async function loadLines(db: Queryable, orderIds: number[]): Promise<LineRow[]> {
  return (await db.query<LineRow>(LINES, [orderIds])).rows;
}
