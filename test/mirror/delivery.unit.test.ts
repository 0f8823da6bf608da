import { classifyDelivery, PoisonPayloadError } from '../../src/mirror/delivery.js';
import { orderActivity } from '../../src/mirror/map-order.js';
import { anOrder, aCustomer } from '../builders/woocommerce.js';

describe('what a delivery means (pure mapping)', () => {
  test('when an order arrives, then money stays exact decimal text and every invoice line is kept', () => {
    const o = anOrder({
      total: '1234567.89',
      fee_lines: [{ id: 9, name: 'Toeslag', tax_class: '', tax_status: 'taxable', total: '1.50', total_tax: '0.32', taxes: [] }],
      coupon_lines: [{ id: 8, code: 'WELKOM10', discount: '2.00', discount_tax: '0.42' }],
      refunds: [{ id: 7, reason: 'Kapot aangekomen bij Ann', total: '-5.00' }],
    });
    const d = classifyDelivery('order.created', JSON.parse(JSON.stringify(o)));
    if (d.kind !== 'order') throw new Error(d.kind);
    expect(d.order.amounts.total).toBe('1234567.89');
    expect(d.order.lines.map((l) => l.kind)).toEqual(['product', 'tax', 'shipping', 'fee', 'coupon', 'refund']);
    expect(d.order.lines.find((l) => l.kind === 'refund')).toMatchObject({ total: '-5.00', name: null });
    expect(d.order.dates.modified).toBe('2025-01-02T09:01:00.000Z');
    expect(JSON.stringify(d.order)).not.toContain('Mozilla'); // P11: user agent never read
    expect(d.order.ipAddress).toBe('203.0.113.0');
  });

  test('when paid and completed dates are later than creation, then last activity is the latest of them', () => {
    const d = classifyDelivery('order.updated', { ...anOrder(), date_completed_gmt: '2025-06-01T10:00:00' });
    if (d.kind !== 'order') throw new Error(d.kind);
    expect(orderActivity(d.order)).toBe('2025-06-01T10:00:00.000Z');
  });

  test('when a *.deleted body arrives, then only its id is used', () => {
    expect(classifyDelivery('order.deleted', { id: 42 })).toEqual({ kind: 'order-trashed', wcOrderId: 42 });
    expect(classifyDelivery('customer.deleted', { id: 7 })).toEqual({ kind: 'customer-deleted', wcCustomerId: 7 });
  });

  test('when the body is a REST error object, then it is a rest-error with the code and no message text', () => {
    const d = classifyDelivery('order.updated', { code: 'woocommerce_rest_cannot_view', message: 'Sorry Ann', data: { status: 401 } });
    expect(d.kind).toBe('rest-error');
    expect(JSON.stringify(d)).not.toContain('Ann');
  });

  test('when an order is a checkout-draft, then it is ignored', () => {
    expect(classifyDelivery('order.created', anOrder({ status: 'checkout-draft' })).kind).toBe('ignored');
  });

  test('when the total is a float-looking number, then it is kept as its literal text, never rounded through a float', () => {
    const d = classifyDelivery('order.created', { ...anOrder(), total: 28.63 });
    if (d.kind !== 'order') throw new Error(d.kind);
    expect(d.order.amounts.total).toBe('28.63');
  });

  test('when a payload is malformed, then it is poison and the reason names the field, not the value', () => {
    const bad = { ...anOrder({ email: 'secret.person@example.com' }), total: 'Ann Lee' };
    let err: unknown;
    try {
      classifyDelivery('order.updated', bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PoisonPayloadError);
    expect((err as Error).message).toMatch(/total/);
    expect((err as Error).message).not.toMatch(/Ann Lee|secret\.person/);
  });

  test('when a customer has account and billing emails, then both identify them, account first', () => {
    const d = classifyDelivery('customer.updated', aCustomer({ email: 'Acct@Example.com', billingEmail: 'pay@example.com' }));
    if (d.kind !== 'customer') throw new Error(d.kind);
    expect(d.customer.emails).toEqual(['acct@example.com', 'pay@example.com']);
    expect(d.customer.accountEmail).toBe('acct@example.com');
  });
});
