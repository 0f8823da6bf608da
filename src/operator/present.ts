import type { LineRow, OrderRow, PersonRow } from './customers.repository.js';
import { compositeStatus } from '../processors/gate.js';

/** Pure: stored rows → the operator API's camelCase JSON (timestamps ISO-8601 UTC with Z, money as decimal text). */

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const ADDRESS_KEYS = ['firstName', 'lastName', 'company', 'address1', 'address2', 'city', 'state', 'postcode', 'country', 'email', 'phone'];
const address = (a: Record<string, string> | null) => Object.fromEntries(ADDRESS_KEYS.map((k) => [k, a?.[k] ?? '']));

export function presentOrder(o: OrderRow, lines: LineRow[]) {
  return {
    wcOrderId: o.wc_order_id,
    number: o.number,
    status: o.status,
    currency: o.currency,
    total: o.total,
    totalTax: o.total_tax,
    shippingTotal: o.shipping_total,
    discountTotal: o.discount_total,
    paymentMethodTitle: o.payment_method_title,
    ipAddress: o.ip_address,
    billing: address(o.billing),
    shipping: address(o.shipping),
    dateCreated: iso(o.date_created_gmt),
    dateModified: iso(o.date_modified_gmt),
    datePaid: iso(o.date_paid_gmt),
    dateCompleted: iso(o.date_completed_gmt),
    policyVersion: o.policy_version,
    items: lines
      .filter((l) => l.kind === 'product')
      .map((l) => ({ name: l.name ?? '', sku: l.code, quantity: l.quantity === null ? null : Number(l.quantity), total: l.total })),
  };
}

export function presentPerson(p: PersonRow, orders: ReturnType<typeof presentOrder>[]) {
  return {
    id: p.id,
    emails: p.emails,
    email: p.account_email ?? p.emails[0] ?? null,
    firstName: p.first_name ?? '',
    lastName: p.last_name ?? '',
    wcCustomerId: p.wc_customer_id,
    lastActivityAt: iso(p.last_activity_at),
    // Composite (erased > objected > restricted > active) with its parts, as the processing gate sees them.
    status: compositeStatus({ erased: p.status === 'erased', restricted: p.restricted, objection: p.objection }),
    restricted: p.restricted,
    objection: p.objection,
    legalHold: p.legal_hold,
    accountDeletedAt: iso(p.wc_account_deleted_at),
    policyVersion: p.policy_version,
    orders,
  };
}
