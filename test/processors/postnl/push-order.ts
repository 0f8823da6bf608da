import type { Address } from '../../../src/mirror/wc.schemas.js';
import type { PushOrder } from '../../../src/processors/types.js';
import type { PostnlShipmentConfig } from '../../../src/processors/postnl/postnl.payload.js';

/** A PushOrder as the lead's mirror would hand it to the PostNL builder: two mugs, shipped in Amsterdam. */

export const anAddress = (o: Partial<Address> = {}): Address => ({
  firstName: 'Ann', lastName: 'de Vries', company: 'Mokkenwinkel B.V.', address1: 'Oudegracht 231-bis', address2: '',
  city: 'Utrecht', state: '', postcode: '3511 NK', country: 'NL', email: 'ann.devries@example.com', phone: '+31 6 1234 5678', ...o,
});

export function aPushOrder(o: Partial<PushOrder> = {}): PushOrder {
  return {
    orderId: 7, wcOrderId: 4711, number: '4711', invoiceNumber: 'INV-4711', personId: 3, status: 'processing', currency: 'EUR',
    pricesIncludeTax: true, dateCreated: '2025-03-30T00:30:00.000Z', datePaid: '2025-03-30T00:31:00.000Z', dateCompleted: null,
    total: '28.63', totalTax: '4.73', shippingTotal: '4.90', shippingTax: '0.93', discountTotal: '0.00',
    billing: anAddress({ address1: 'Keizersgracht 1', city: 'Amsterdam', postcode: '1015 AA' }),
    shipping: anAddress({ email: '', phone: '' }),
    lines: [
      { kind: 'product', wcLineId: 1, name: 'Mok – blauw', code: 'MUG-BLUE', quantity: '2', total: '20.00', totalTax: '3.80', extra: { taxes: [{ id: 1, total: '3.80' }] } },
      { kind: 'shipping', wcLineId: 2, name: 'PostNL', code: 'flat_rate', quantity: null, total: '4.90', totalTax: '0.93', extra: { taxes: [{ id: 1, total: '0.93' }] } },
      { kind: 'tax', wcLineId: 3, name: 'BTW', code: 'NL-BTW-1', quantity: null, total: '0', totalTax: '4.73', extra: { rateId: 1, compound: false, shippingTaxTotal: '0.93', ratePercent: 21 } },
    ],
    ...o,
  };
}

export const shipmentConfig = (o: Partial<PostnlShipmentConfig> = {}): PostnlShipmentConfig => ({
  customerCode: 'DEVC', customerNumber: '11223344',
  sender: { companyName: 'Mokkenwinkel', street: 'Siriusdreef', houseNr: '42', zipcode: '2132 WT', city: 'Hoofddorp', countrycode: 'NL' },
  productCodeDelivery: '3085', defaultWeightGrams: 1200, trackTraceMail: false, ...o,
});

/** Every leaf path of a JSON value, in POSTNL_FIELDS notation (`a.b`, `a[].b`). */
export function jsonPaths(v: unknown, prefix = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => jsonPaths(x, `${prefix}[]`));
  if (typeof v === 'object' && v !== null) {
    return Object.entries(v).flatMap(([k, x]) => jsonPaths(x, prefix ? `${prefix}.${k}` : k));
  }
  return [prefix];
}
