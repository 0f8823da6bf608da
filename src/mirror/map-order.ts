import type { Address, WcCustomer, WcOrder } from './wc.schemas.js';
import { anonymiseIp } from './ip.js';
import { identifyingEmail, identifyingEmails } from './identity.js';

/** Pure mapping from WooCommerce payloads to the rows the mirror stores. No I/O, no clock. */

export type LineKind = 'product' | 'tax' | 'shipping' | 'fee' | 'coupon' | 'refund';

export interface OrderLine {
  kind: LineKind;
  wcLineId: number | null;
  name: string | null;
  code: string | null;
  productId: number | null;
  variationId: number | null;
  quantity: number | null;
  subtotal: string | null;
  total: string;
  totalTax: string;
  taxClass: string | null;
  extra: Record<string, unknown> | null;
}

export interface OrderRecord {
  wcOrderId: number;
  wcCustomerId: number | null;
  number: string;
  status: string;
  currency: string;
  pricesIncludeTax: boolean;
  amounts: { discountTotal: string; discountTax: string; shippingTotal: string; shippingTax: string; cartTax: string; total: string; totalTax: string };
  paymentMethod: string | null;
  paymentMethodTitle: string | null;
  transactionId: string | null;
  billing: Address;
  shipping: Address;
  ipAddress: string | null;
  dates: { created: string | null; modified: string | null; paid: string | null; completed: string | null };
  /** The billing email if it identifies someone (placeholders and blanks do not). */
  email: string | null;
  lines: OrderLine[];
  /** P10: the checkout's review-invitation checkbox (order meta REVIEW_CONSENT_META_KEY); null = not asked. */
  reviewConsent: boolean | null;
}

export interface MapOptions {
  consentMetaKey?: string;
}

const YES = new Set(['yes', '1', 'true', 'on', 'checked']);
const NO = new Set(['no', '0', 'false', 'off', '']);

/** A checkbox as WooCommerce stores it ('yes', '1', 'on', true…); anything else is no answer. */
export function consentOf(meta: { key: string; value: unknown }[] | undefined, key: string | undefined): boolean | null {
  const entry = key ? meta?.find((m) => m.key === key) : undefined;
  if (!entry) return null;
  const v = String(entry.value ?? '').trim().toLowerCase();
  if (YES.has(v)) return true;
  if (NO.has(v)) return false;
  return null;
}

const nz = (v: string | undefined | null) => (v ? v : null);

export function mapOrder(o: WcOrder, opts: MapOptions = {}): OrderRecord {
  const lines: OrderLine[] = [
    ...o.line_items.map((l): OrderLine => ({
      kind: 'product', wcLineId: l.id ?? null, name: l.name, code: nz(l.sku), productId: l.product_id ?? null,
      variationId: l.variation_id || null, quantity: l.quantity, subtotal: l.subtotal, total: l.total, totalTax: l.total_tax,
      taxClass: nz(l.tax_class), extra: l.taxes?.length ? { taxes: l.taxes } : null,
    })),
    ...o.tax_lines.map((l): OrderLine => ({
      kind: 'tax', wcLineId: l.id ?? null, name: nz(l.label), code: nz(l.rate_code), productId: null, variationId: null,
      quantity: null, subtotal: null, total: l.tax_total, totalTax: '0', taxClass: null,
      extra: { rateId: l.rate_id ?? null, compound: l.compound ?? false, shippingTaxTotal: l.shipping_tax_total, ratePercent: l.rate_percent ?? null },
    })),
    ...o.shipping_lines.map((l): OrderLine => ({
      kind: 'shipping', wcLineId: l.id ?? null, name: nz(l.method_title), code: nz(l.method_id), productId: null,
      variationId: null, quantity: null, subtotal: null, total: l.total, totalTax: l.total_tax, taxClass: null,
      extra: l.taxes?.length ? { taxes: l.taxes } : null,
    })),
    ...o.fee_lines.map((l): OrderLine => ({
      kind: 'fee', wcLineId: l.id ?? null, name: nz(l.name), code: null, productId: null, variationId: null,
      quantity: null, subtotal: null, total: l.total, totalTax: l.total_tax, taxClass: nz(l.tax_class),
      extra: { taxStatus: l.tax_status ?? null, ...(l.taxes?.length ? { taxes: l.taxes } : {}) },
    })),
    ...o.coupon_lines.map((l): OrderLine => ({
      kind: 'coupon', wcLineId: l.id ?? null, name: null, code: nz(l.code), productId: null, variationId: null,
      quantity: null, subtotal: null, total: l.discount, totalTax: l.discount_tax, taxClass: null, extra: null,
    })),
    // A refund's free-text reason may name people; only its amount matters for the books (P1).
    ...o.refunds.map((l): OrderLine => ({
      kind: 'refund', wcLineId: l.id ?? null, name: null, code: null, productId: null, variationId: null,
      quantity: null, subtotal: null, total: l.total, totalTax: '0', taxClass: null, extra: null,
    })),
  ];
  return {
    wcOrderId: o.id,
    wcCustomerId: o.customer_id || null,
    number: o.number || String(o.id),
    status: o.status,
    currency: o.currency,
    pricesIncludeTax: o.prices_include_tax ?? false,
    amounts: {
      discountTotal: o.discount_total, discountTax: o.discount_tax, shippingTotal: o.shipping_total,
      shippingTax: o.shipping_tax, cartTax: o.cart_tax, total: o.total, totalTax: o.total_tax,
    },
    paymentMethod: nz(o.payment_method),
    paymentMethodTitle: nz(o.payment_method_title),
    transactionId: nz(o.transaction_id),
    billing: o.billing,
    shipping: o.shipping,
    ipAddress: anonymiseIp(o.customer_ip_address), // P11; customer_user_agent is never read
    dates: { created: o.date_created_gmt, modified: o.date_modified_gmt, paid: o.date_paid_gmt, completed: o.date_completed_gmt },
    email: identifyingEmail(o.billing.email),
    lines,
    reviewConsent: consentOf(o.meta_data, opts.consentMetaKey),
  };
}

export interface CustomerRecord {
  wcCustomerId: number;
  accountEmail: string | null;
  /** Account email first, then the billing email: every address that identifies this person. */
  emails: string[];
  firstName: string;
  lastName: string;
  billing: Address;
  shipping: Address;
  dates: { created: string | null; modified: string | null };
}

export function mapCustomer(c: WcCustomer): CustomerRecord {
  return {
    wcCustomerId: c.id,
    accountEmail: identifyingEmail(c.email),
    emails: identifyingEmails([c.email, c.billing.email]),
    firstName: c.first_name ?? '',
    lastName: c.last_name ?? '',
    billing: c.billing,
    shipping: c.shipping,
    dates: { created: c.date_created_gmt, modified: c.date_modified_gmt },
  };
}

/**
 * last_activity_at is the latest transaction or contact. Transactions: an order created, paid or completed.
 * Contact: the shop account created or changed (privacy requests are added by the DSR capability).
 */
export function latestActivity(dates: (string | null)[]): string | null {
  const times = dates.filter((d): d is string => d !== null).map(Date.parse);
  return times.length ? new Date(Math.max(...times)).toISOString() : null;
}

export const orderActivity = (r: OrderRecord) => latestActivity([r.dates.created, r.dates.paid, r.dates.completed]);
export const customerActivity = (r: CustomerRecord) => latestActivity([r.dates.created, r.dates.modified]);
