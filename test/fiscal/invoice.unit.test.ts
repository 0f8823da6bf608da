import { creditNoteNumber, invoiceNumber, isInvoiced } from '../../src/fiscal/invoice.js';

/** P13: which orders the fiscal archive keeps, and the numbers printed on their invoices and credit notes. */

type Order = Parameters<typeof isInvoiced>[0];
const order = (o: Partial<Order> = {}): Order => ({ status: 'pending', statusBeforeTrash: null, datePaid: null, dateCompleted: null, ...o });
const PAID = '2025-01-02T09:01:00.000Z';

describe('P13 invoice and credit-note numbers', () => {
  test('when an order number gets the invoice prefix, then it is prefix + number, unchanged', () => {
    expect(invoiceNumber('WC-', '1234')).toBe('WC-1234');
    expect(invoiceNumber('', '1234')).toBe('1234');
    expect(invoiceNumber('2025/', '00042')).toBe('2025/00042'); // leading zeros of a custom number stay
  });

  test('when a refund gets a credit note, then it is <invoice>-C<refundId>', () => {
    expect(creditNoteNumber(invoiceNumber('WC-', '1234'), 77)).toBe('WC-1234-C77');
    expect(creditNoteNumber('WC-1234', 78)).not.toBe(creditNoteNumber('WC-1234', 77));
  });
});

describe('P13 isInvoiced (reached processing, completed or refunded)', () => {
  test.each(['processing', 'completed', 'refunded'])('when the status is %s, then the order was invoiced', (status) => {
    expect(isInvoiced(order({ status }))).toBe(true);
  });

  test.each(['pending', 'on-hold', 'failed', 'cancelled', 'checkout-draft', 'trash'])(
    'when the status is %s and it was never paid or completed, then it was not invoiced', (status) => {
      expect(isInvoiced(order({ status }))).toBe(false);
    });

  test('when a paid order was cancelled afterwards, then it stays invoiced', () => {
    expect(isInvoiced(order({ status: 'cancelled', datePaid: PAID }))).toBe(true);
  });

  test('when an order was completed and later set to on-hold, then it stays invoiced', () => {
    expect(isInvoiced(order({ status: 'on-hold', dateCompleted: PAID }))).toBe(true);
  });

  test('when a completed order is in the trash, then the status before trash makes it invoiced', () => {
    expect(isInvoiced(order({ status: 'trash', statusBeforeTrash: 'completed' }))).toBe(true);
    expect(isInvoiced(order({ status: 'trash', statusBeforeTrash: 'pending' }))).toBe(false);
  });

  test('when statusBeforeTrash is absent (older records), then only the status and dates decide', () => {
    const { statusBeforeTrash: _omit, ...withoutField } = order({ status: 'pending' });
    expect(isInvoiced(withoutField)).toBe(false);
    expect(isInvoiced({ ...withoutField, status: 'refunded' })).toBe(true);
  });
});
