import type { Address } from '../../../src/mirror/wc.schemas.js';
import type { PushLine, PushOrder } from '../../../src/processors/types.js';

/** PushOrders as the mirror hands them to the builders (money as WooCommerce's decimal text), and field paths. */

let nextLine = 100;
const lineId = () => ++nextLine;
const taxed = (rateId: number | null, tax: string) => (rateId === null ? null : { taxes: [{ id: rateId, total: tax, subtotal: tax }] });

export const product = (total: string, tax: string, rateId: number | null = 1): PushLine =>
  ({ kind: 'product', wcLineId: lineId(), name: 'Mok – blauw', code: 'MUG-BLUE', quantity: '1', total, totalTax: tax, extra: taxed(rateId, tax) });
export const shipping = (total: string, tax: string, rateId: number | null = 1): PushLine =>
  ({ kind: 'shipping', wcLineId: lineId(), name: 'PostNL', code: 'flat_rate', quantity: null, total, totalTax: tax, extra: taxed(rateId, tax) });
export const fee = (total: string, tax: string, rateId: number | null = 1): PushLine =>
  ({ kind: 'fee', wcLineId: lineId(), name: 'Betaalkosten', code: null, quantity: null, total, totalTax: tax, extra: { taxStatus: 'taxable', ...taxed(rateId, tax) } });
export const coupon = (discount: string, tax: string): PushLine =>
  ({ kind: 'coupon', wcLineId: lineId(), name: null, code: 'welkom10', quantity: null, total: discount, totalTax: tax, extra: null });
export const taxLine = (rateId: number, ratePercent: number | null, taxTotal: string, shippingTaxTotal = '0.00'): PushLine =>
  ({ kind: 'tax', wcLineId: lineId(), name: 'BTW', code: `NL-BTW-${rateId}`, quantity: null, total: taxTotal, totalTax: '0', extra: { rateId, compound: false, shippingTaxTotal, ratePercent } });

/** Personal data every test order carries, so a test can prove none of it leaves. */
export const PERSON = { firstName: 'Ann', lastName: 'Lee', email: 'ann.lee@example.com', phone: '+31 6 12345678' };

export const anAddress = (o: Partial<Address> = {}): Address => ({
  firstName: PERSON.firstName, lastName: PERSON.lastName, company: '', address1: 'Keizersgracht 1', address2: '',
  city: 'Amsterdam', state: '', postcode: '1015 AA', country: 'NL', email: PERSON.email, phone: PERSON.phone, ...o,
});

/** Default: one 21 % product (20.00 + 4.20) and 21 % shipping (4.13 + 0.87): total 29.20. */
export function aPushOrder(o: Partial<PushOrder> = {}): PushOrder {
  return {
    orderId: 1, wcOrderId: 1001, number: '1001', invoiceNumber: 'WC-1001', personId: 42, status: 'processing',
    currency: 'EUR', pricesIncludeTax: false, dateCreated: '2025-03-01T09:00:00.000Z', datePaid: '2025-03-01T09:05:00.000Z',
    dateCompleted: null, total: '29.20', totalTax: '5.07', shippingTotal: '4.13', shippingTax: '0.87', discountTotal: '0.00',
    billing: anAddress(), shipping: anAddress(),
    lines: [product('20.00', '4.20'), shipping('4.13', '0.87'), taxLine(1, 21, '4.20', '0.87')],
    ...o,
  };
}

/**
 * A mixed order: 21 % product 20.00, 9 % book 15.00, 0 % gift card 12.50, 21 % shipping 5.00 and a 21 % payment
 * fee 0.50. Revenue: Hoog 25.50, Laag 15.00, Geen 12.50; VAT: Hoog 4.31 + 1.05 shipping, Laag 1.35. Total 59.71.
 */
export const aMixedOrder = (o: Partial<PushOrder> = {}): PushOrder => aPushOrder({
  total: '59.71', totalTax: '6.71', shippingTotal: '5.00', shippingTax: '1.05',
  lines: [
    product('20.00', '4.20', 1), product('15.00', '1.35', 2), product('12.50', '0.00', 3), shipping('5.00', '1.05', 1),
    fee('0.50', '0.11', 1), taxLine(1, 21, '4.31', '1.05'), taxLine(2, 9, '1.35'), taxLine(3, 0, '0.00'),
  ],
  ...o,
});

/** Every JSON path in a body, arrays as `[]` (compare with SNELSTART_FIELDS). */
export function fieldPaths(v: unknown, prefix = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => fieldPaths(x, `${prefix}[]`));
  if (typeof v === 'object' && v !== null) return Object.entries(v).flatMap(([k, x]) => fieldPaths(x, prefix ? `${prefix}.${k}` : k));
  return [prefix];
}

/** Σ boekingsregels.bedrag + Σ btw.btwBedrag − factuurbedrag, in cents (0 = balanced). */
export function imbalanceCents(b: { factuurbedrag: number; boekingsregels: { bedrag: number }[]; btw: { btwBedrag: number }[] }): number {
  const c = (n: number) => Math.round(n * 100);
  return b.boekingsregels.reduce((s, r) => s + c(r.bedrag), 0) + b.btw.reduce((s, r) => s + c(r.btwBedrag), 0) - c(b.factuurbedrag);
}
