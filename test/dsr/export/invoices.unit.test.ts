import { invoicesOf } from '../../../src/dsr/export/invoices.js';
import { anOrderOf, aSyncOf } from './subject.fixture.js';

/** P17 invoices in the export: the same numbers and dates as the fiscal archive and the Snelstart booking. */

const d = (s: string) => new Date(s);

describe('P17 invoices of the person', () => {
  test('when orders reached processing, completed or refunded, or were paid, then each is an invoice; pending ones are not', () => {
    const orders = [
      anOrderOf({ wcOrderId: 1, number: '1', status: 'processing' }),
      anOrderOf({ wcOrderId: 2, number: '2', status: 'pending', datePaid: null }),
      anOrderOf({ wcOrderId: 3, number: '3', status: 'cancelled', datePaid: d('2025-01-01T00:00:00Z') }),
      anOrderOf({ wcOrderId: 4, number: '4', status: 'trash', statusBeforeTrash: 'completed', datePaid: null }),
      anOrderOf({ wcOrderId: 5, number: '5', status: 'on-hold', datePaid: null }),
    ];
    expect(invoicesOf(orders, [], 'WC-').map((i) => i.invoiceNumber)).toEqual(['WC-1', 'WC-3', 'WC-4']);
  });

  test('when dated, then paid wins over completed over created over when first stored', () => {
    const at = (o: Parameters<typeof anOrderOf>[0]) => invoicesOf([anOrderOf(o)], [], 'F')[0]!.invoiceDate.toISOString();
    const dates = { datePaid: d('2025-01-04T00:00:00Z'), dateCompleted: d('2025-01-03T00:00:00Z'), dateCreated: d('2025-01-02T00:00:00Z'), storedAt: d('2025-01-01T00:00:00Z') };
    expect(at({ ...dates })).toBe('2025-01-04T00:00:00.000Z');
    expect(at({ ...dates, datePaid: null, status: 'completed' })).toBe('2025-01-03T00:00:00.000Z');
    expect(at({ ...dates, datePaid: null, dateCompleted: null })).toBe('2025-01-02T00:00:00.000Z');
    expect(at({ ...dates, datePaid: null, dateCompleted: null, dateCreated: null })).toBe('2025-01-01T00:00:00.000Z');
  });

  test('when an order has refunds, then one credit note per refund, numbered <invoice>-C<refundId>, dated when the refund was first seen', () => {
    const order = anOrderOf({
      wcOrderId: 9, number: '2025-009', status: 'refunded', total: '28.63',
      lines: [
        { kind: 'product', wcLineId: 1, name: 'Mok', code: 'MUG', quantity: '1', total: '20.00', totalTax: '3.80' },
        { kind: 'refund', wcLineId: 71, name: null, code: null, quantity: null, total: '-5.00', totalTax: '0' },
        { kind: 'refund', wcLineId: 72, name: null, code: null, quantity: null, total: '-23.63', totalTax: '0' },
      ],
    });
    const syncs = [aSyncOf({ wcOrderId: 9, kind: 'credit', ref: '71', createdAt: d('2025-01-06T10:00:00Z') }),
      aSyncOf({ wcOrderId: 10, kind: 'credit', ref: '72', createdAt: d('2025-01-07T10:00:00Z') })];
    const [invoice] = invoicesOf([order], syncs, 'INV-');
    expect(invoice).toMatchObject({ invoiceNumber: 'INV-2025-009', orderNumber: '2025-009', total: '28.63', currency: 'EUR' });
    expect(invoice!.creditNotes).toEqual([
      { number: 'INV-2025-009-C71', refundId: 71, total: '-5.00', date: d('2025-01-06T10:00:00Z') },
      // The credit booking of another order's refund 72 is not this one's: no date known.
      { number: 'INV-2025-009-C72', refundId: 72, total: '-23.63', date: null },
    ]);
  });
});
