import type { Queryable } from '../platform/db.js';
import { invoiceNumber } from '../fiscal/invoice.js';
import type { PersonState } from './gate.js';
import type { PushLine, PushOrder } from './types.js';

/** Reads what a push needs, as it is now (a released push runs with the data as it is then). */

/* $1 order id */
const ORDER = /* sql */ `
  SELECT o.id, o.wc_order_id, o.number, o.person_id, o.status, o.currency, o.prices_include_tax, o.date_created_gmt,
    o.date_paid_gmt, o.date_completed_gmt, o.total, o.total_tax, o.shipping_total, o.shipping_tax, o.discount_total,
    o.billing, o.shipping, o.review_consent,
    p.status = 'erased' AS erased, p.restricted, p.objection,
    (SELECT c.granted FROM consents c WHERE c.person_id = p.id AND c.purpose = 'review_invitation'
     ORDER BY c.recorded_at DESC, c.id DESC LIMIT 1) AS api_consent,
    COALESCE((SELECT jsonb_agg(jsonb_build_object('kind', l.kind, 'wcLineId', l.wc_line_id, 'name', l.name, 'code', l.code,
        'quantity', l.quantity::text, 'total', l.total::text, 'totalTax', l.total_tax::text, 'extra', l.extra) ORDER BY l.position)
      FROM order_lines l WHERE l.order_id = o.id), '[]') AS lines
  FROM orders o JOIN persons p ON p.id = o.person_id WHERE o.id = $1`;

export interface PushContext {
  order: PushOrder;
  person: PersonState;
  /** P10: consent to a review invitation — the API's latest record wins over the checkout checkbox. */
  reviewConsent: boolean;
}

export async function loadPushContext(db: Queryable, orderId: number, prefix: string): Promise<PushContext | null> {
  const r = (await db.query(ORDER, [orderId])).rows[0];
  if (!r) return null;
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  const order: PushOrder = {
    orderId: Number(r.id), wcOrderId: Number(r.wc_order_id), number: r.number, invoiceNumber: invoiceNumber(prefix, r.number),
    personId: Number(r.person_id), status: r.status, currency: r.currency, pricesIncludeTax: r.prices_include_tax,
    dateCreated: iso(r.date_created_gmt), datePaid: iso(r.date_paid_gmt), dateCompleted: iso(r.date_completed_gmt),
    total: String(r.total), totalTax: String(r.total_tax), shippingTotal: String(r.shipping_total), shippingTax: String(r.shipping_tax),
    discountTotal: String(r.discount_total), billing: r.billing, shipping: r.shipping, lines: r.lines as PushLine[],
  };
  return {
    order,
    person: { erased: r.erased, restricted: r.restricted, objection: r.objection },
    reviewConsent: r.api_consent ?? r.review_consent ?? false,
  };
}
