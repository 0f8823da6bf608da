import { buildSalesBooking, buildCreditBooking, amsterdamDay, type BookingConfig } from '../../../src/processors/snelstart/booking.payload.js';
import { SNELSTART_BOOKING_FIELDS } from '../../../src/processors/snelstart/fields.js';
import { ProcessorError } from '../../../src/processors/types.js';
import { PERSON, aMixedOrder, aPushOrder, coupon, fee, fieldPaths, imbalanceCents, product, shipping, taxLine } from './push-order.js';

/** The verkoopboeking builders: revenue per VAT rate, VAT lines, a total that balances to the cent. */

const cfg: BookingConfig = { relationId: 'rel-collective', ledgers: { high: 'gb-8000', low: 'gb-8010', zero: 'gb-8020', other: 'gb-8030' } };
const regel = (bedrag: number, btwSoort: string, gb: string, omschrijving: string) => ({ omschrijving, grootboek: { id: gb }, bedrag, btwSoort });

function failure(fn: () => unknown): ProcessorError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProcessorError) return err;
    throw err;
  }
  throw new Error('expected a ProcessorError');
}

describe('buildSalesBooking (P9: order details, no names)', () => {
  test('when an order mixes 21 %, 9 % and 0 % with taxed shipping and a fee, then revenue and VAT are booked per rate', () => {
    expect(buildSalesBooking(aMixedOrder(), cfg)).toEqual({
      factuurnummer: 'WC-1001', factuurdatum: '2025-03-01T00:00:00', klant: { id: 'rel-collective' }, omschrijving: 'Order 1001',
      factuurbedrag: 59.71,
      boekingsregels: [regel(25.5, 'Hoog', 'gb-8000', 'Omzet hoog'), regel(15, 'Laag', 'gb-8010', 'Omzet laag'), regel(12.5, 'Geen', 'gb-8020', 'Omzet geen btw')],
      btw: [{ btwSoort: 'VerkopenHoog', btwBedrag: 5.36 }, { btwSoort: 'VerkopenLaag', btwBedrag: 1.35 }],
    });
  });

  test('when a coupon lowered the line totals, then its coupon line is not subtracted a second time', () => {
    // 50.00 less 10 % = 45.00 (+ 9.45 VAT); the coupon line repeats the 5.00 discount for information only.
    const order = aPushOrder({ total: '54.45', discountTotal: '5.00', lines: [product('45.00', '9.45'), coupon('5.00', '1.05'), taxLine(1, 21, '9.45')] });
    const b = buildSalesBooking(order, cfg);
    expect(b.boekingsregels).toEqual([regel(45, 'Hoog', 'gb-8000', 'Omzet hoog')]);
    expect(b.btw).toEqual([{ btwSoort: 'VerkopenHoog', btwBedrag: 9.45 }]);
  });

  test('when per-line rounding leaves revenue + VAT one cent above the total, then the cent comes off the largest revenue line', () => {
    // Three 9.99 incl. items: lines rounded 8.26 each (24.78), VAT rounded on the subtotal 5.20, total 29.97.
    const order = aPushOrder({ total: '29.97', lines: [product('8.26', '1.73'), product('8.26', '1.73'), product('8.26', '1.73'), taxLine(1, 21, '5.20')] });
    const b = buildSalesBooking(order, cfg);
    expect(b.boekingsregels.map((r) => r.bedrag)).toEqual([24.77]);
    expect(b.btw).toEqual([{ btwSoort: 'VerkopenHoog', btwBedrag: 5.2 }]);
    expect(imbalanceCents(b)).toBe(0);
  });

  test('when the rounding difference lands on a mixed order, then only the largest revenue line changes', () => {
    const b = buildSalesBooking(aMixedOrder({ total: '59.73' }), cfg);
    expect(b.boekingsregels.map((r) => r.bedrag)).toEqual([25.52, 15, 12.5]);
    expect(imbalanceCents(b)).toBe(0);
  });

  test('when the order total is off by more than a cent per line, then nothing is booked (unbalanced, permanent)', () => {
    const e = failure(() => buildSalesBooking(aPushOrder({ total: '29.50' }), cfg));
    expect([e.kind, e.code]).toEqual(['permanent', 'unbalanced']);
  });

  test('when a rate is neither 21, 9 nor 0 (OSS, 20 %), then it is booked as Overig on the other ledger', () => {
    const order = aPushOrder({ total: '24.00', lines: [product('20.00', '4.00', 7), taxLine(7, 20, '4.00')] });
    const b = buildSalesBooking(order, cfg);
    expect(b.boekingsregels).toEqual([regel(20, 'Overig', 'gb-8030', 'Omzet overig')]);
    expect(b.btw).toEqual([{ btwSoort: 'VerkopenOverig', btwBedrag: 4 }]);
    const noOther = failure(() => buildSalesBooking(order, { ...cfg, ledgers: { high: 'a', low: 'b', zero: 'c' } }));
    expect(noOther.code).toBe('no_ledger');
  });

  test('when the shop sent no rate_percent (WooCommerce < 5.7), then the rate is unknown and booked as Overig', () => {
    const b = buildSalesBooking(aPushOrder({ lines: [product('20.00', '4.20'), shipping('4.13', '0.87'), taxLine(1, null, '4.20', '0.87')] }), cfg);
    expect(b.boekingsregels.map((r) => r.btwSoort)).toEqual(['Overig']);
    expect(b.btw).toEqual([{ btwSoort: 'VerkopenOverig', btwBedrag: 5.07 }]);
  });

  test('when the shop charges no tax at all, then everything is Geen and no VAT line is sent', () => {
    const b = buildSalesBooking(aPushOrder({ total: '24.13', lines: [product('20.00', '0.00', null), shipping('4.13', '0.00', null)] }), cfg);
    expect(b.boekingsregels).toEqual([regel(24.13, 'Geen', 'gb-8020', 'Omzet geen btw')]);
    expect(b.btw).toEqual([]);
  });

  test('when a fee is a negative discount, then it lowers its rate\'s revenue', () => {
    const order = aPushOrder({ total: '24.20', lines: [product('20.00', '4.20'), fee('-0.83', '-0.17'), shipping('0.83', '0.17'), taxLine(1, 21, '4.03', '0.17')] });
    expect(buildSalesBooking(order, cfg).boekingsregels.map((r) => r.bedrag)).toEqual([20]);
  });

  test.each([
    ['2025-02-28T23:30:00.000Z', '2025-03-01T00:00:00'], // winter: UTC+1 moves it to the next Dutch day
    ['2025-06-30T22:30:00.000Z', '2025-07-01T00:00:00'], // summer: UTC+2
    ['2025-06-30T21:59:59.000Z', '2025-06-30T00:00:00'],
  ])('when the order was paid at %s, then factuurdatum is the Dutch day %s', (paid, day) => {
    expect(buildSalesBooking(aPushOrder({ datePaid: paid }), cfg).factuurdatum).toBe(day);
  });

  test('when the order was not paid, then the completed date, else the created date, is the invoice date', () => {
    expect(buildSalesBooking(aPushOrder({ datePaid: null, dateCompleted: '2025-04-02T10:00:00Z' }), cfg).factuurdatum).toBe('2025-04-02T00:00:00');
    expect(buildSalesBooking(aPushOrder({ datePaid: null, dateCreated: '2025-04-01T10:00:00Z' }), cfg).factuurdatum).toBe('2025-04-01T00:00:00');
    expect(amsterdamDay('2025-12-31T23:00:00Z')).toBe('2026-01-01T00:00:00');
  });

  test('when the order is not in euros, then it is refused (the administration books EUR)', () => {
    expect(failure(() => buildSalesBooking(aPushOrder({ currency: 'USD' }), cfg)).code).toBe('currency');
  });

  test('P9: when any booking is built, then it carries only the listed fields and no name, email, phone or address', () => {
    const bodies = [buildSalesBooking(aMixedOrder(), cfg), buildCreditBooking(aMixedOrder(), { refundId: 5, total: '-10.00' }, cfg)];
    for (const b of bodies) {
      expect(fieldPaths(b).filter((p) => !(SNELSTART_BOOKING_FIELDS as readonly string[]).includes(p))).toEqual([]);
      const text = JSON.stringify(b);
      for (const pd of [PERSON.firstName, PERSON.lastName, PERSON.email, PERSON.phone, 'Keizersgracht', '1015']) expect(text).not.toContain(pd);
    }
  });
});

describe('buildCreditBooking (a refund as a credit note)', () => {
  test('when part of a mixed order is refunded, then the refund is split by each rate\'s share of the invoice incl. VAT', () => {
    // Gross shares 30.86 / 16.35 / 12.50 of 59.71 → 5.17 / 2.74 / 2.09; VAT in each rate's own ratio: 0.90 and 0.23.
    expect(buildCreditBooking(aMixedOrder(), { refundId: 55, total: '-10.00' }, cfg)).toEqual({
      factuurnummer: 'WC-1001-C55', factuurdatum: '2025-03-01T00:00:00', klant: { id: 'rel-collective' },
      omschrijving: 'Creditnota order 1001', factuurbedrag: -10,
      boekingsregels: [regel(-4.27, 'Hoog', 'gb-8000', 'Omzet hoog'), regel(-2.51, 'Laag', 'gb-8010', 'Omzet laag'), regel(-2.09, 'Geen', 'gb-8020', 'Omzet geen btw')],
      btw: [{ btwSoort: 'VerkopenHoog', btwBedrag: -0.9 }, { btwSoort: 'VerkopenLaag', btwBedrag: -0.23 }],
    });
  });

  test('when a single-rate order is refunded in part, then revenue and VAT follow the 21 % ratio', () => {
    const b = buildCreditBooking(aPushOrder(), { refundId: 7, total: '-12.10' }, cfg);
    expect(b.boekingsregels.map((r) => r.bedrag)).toEqual([-10]);
    expect(b.btw).toEqual([{ btwSoort: 'VerkopenHoog', btwBedrag: -2.1 }]);
  });

  test.each([
    ['mixed', aMixedOrder()],
    ['rounded', aPushOrder({ total: '29.97', lines: [product('8.26', '1.73'), product('8.26', '1.73'), product('8.26', '1.73'), taxLine(1, 21, '5.20')] })],
  ])('when a %s order is refunded in full, then the credit mirrors the invoice exactly', (_name, order) => {
    const invoice = buildSalesBooking(order, cfg);
    const credit = buildCreditBooking(order, { refundId: 9, total: `-${order.total}` }, cfg);
    expect(credit.factuurbedrag).toBe(-invoice.factuurbedrag);
    expect(credit.boekingsregels).toEqual(invoice.boekingsregels.map((r) => ({ ...r, bedrag: -r.bedrag })));
    expect(credit.btw).toEqual(invoice.btw.map((v) => ({ ...v, btwBedrag: -v.btwBedrag })));
  });

  test.each(['-0.01', '-0.03', '-1.00', '-7.77', '-33.33', '-59.70'])('when %s is refunded, then the credit balances to the cent', (total) => {
    const b = buildCreditBooking(aMixedOrder(), { refundId: 1, total }, cfg);
    expect(imbalanceCents(b)).toBe(0);
    expect(b.factuurbedrag).toBe(Number(total));
  });

  test('when the refund has a date, then the credit note is dated on that Dutch day', () => {
    expect(buildCreditBooking(aPushOrder(), { refundId: 7, total: '-1.00', date: '2025-05-10T22:30:00Z' }, cfg).factuurdatum).toBe('2025-05-11T00:00:00');
  });

  test('when a refund is zero or larger than the order, then it is refused', () => {
    expect(failure(() => buildCreditBooking(aPushOrder(), { refundId: 1, total: '0.00' }, cfg)).code).toBe('empty_refund');
    expect(failure(() => buildCreditBooking(aPushOrder(), { refundId: 1, total: '-29.21' }, cfg)).code).toBe('refund_exceeds_invoice');
  });
});
