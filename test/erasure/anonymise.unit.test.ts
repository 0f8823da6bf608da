import {
  DELETED_EMAIL, DELETED_TEXT, anonymiseAddress, anonymiseCustomer, anonymiseEmail, anonymiseOrder, anonymisePhone, anonymiseText,
} from '../../src/erasure/anonymise.js';
import { mapCustomer, mapOrder, type OrderRecord } from '../../src/mirror/map-order.js';
import { customerSchema, orderSchema, type Address } from '../../src/mirror/wc.schemas.js';
import { aCustomer, anOrder } from '../builders/woocommerce.js';

/** P14b: an erased record looks exactly as WooCommerce's own erasers leave it; the books still add up. */

const full: Address = {
  firstName: 'Fenna', lastName: 'Visser', company: 'Visser BV', address1: 'Keizersgracht 1', address2: '2 hoog',
  city: 'Amsterdam', state: 'NH', postcode: '1015 AA', country: 'NL', email: 'fenna@example.com', phone: '+31 6 12345678',
};
const empty: Address = {
  firstName: '', lastName: '', company: '', address1: '', address2: '', city: '', state: '', postcode: '', country: '', email: '', phone: '',
};
const anOrderRecord = (o: Parameters<typeof anOrder>[0] = {}): OrderRecord => mapOrder(orderSchema.parse(anOrder(o)));

describe('P14b WooCommerce placeholders (pure)', () => {
  test.each([['Fenna', DELETED_TEXT], ['Zoë 李', DELETED_TEXT], [' ', DELETED_TEXT], ['', '']])(
    'when text is %p, then it becomes %p', (v, out) => expect(anonymiseText(v)).toBe(out));

  test.each([['fenna@example.com', DELETED_EMAIL], ['', '']])('when an email is %p, then it becomes %p', (v, out) =>
    expect(anonymiseEmail(v)).toBe(out));

  test.each([
    ['(555) 555-5555', '(000) 000-0000'],
    ['+31 6 12345678', '+00 0 00000000'],
    ['0031-(0)20.123 45 67', '0000-(0)00.000 00 00'],
    ['ext. 42', 'ext. 00'],
    ['', ''],
  ])('when a phone is %p, then every digit becomes 0 and the format stays: %p', (v, out) => expect(anonymisePhone(v)).toBe(out));

  test('when an address is anonymised, then text is [deleted], email the placeholder, phone zeroed and state/country empty', () => {
    expect(anonymiseAddress(full)).toEqual({
      firstName: DELETED_TEXT, lastName: DELETED_TEXT, company: DELETED_TEXT, address1: DELETED_TEXT, address2: DELETED_TEXT,
      city: DELETED_TEXT, state: '', postcode: DELETED_TEXT, country: '', email: DELETED_EMAIL, phone: '+00 0 00000000',
    });
  });

  test('when an address is empty, then it stays empty (WooCommerce skips empty values)', () => {
    expect(anonymiseAddress(empty)).toEqual(empty);
    expect(anonymiseAddress({ ...empty, city: 'Utrecht' })).toEqual({ ...empty, city: DELETED_TEXT });
  });

  test('when an anonymised address is anonymised again, then nothing changes', () => {
    const once = anonymiseAddress(full);
    expect(anonymiseAddress(once)).toEqual(once);
  });
});

describe('P14b anonymiseOrder keeps the books and drops the contact data', () => {
  const record: OrderRecord = {
    ...anOrderRecord({ customer_id: 77, status: 'completed', date_completed_gmt: '2025-01-03T10:00:00', total: '28.63' }),
    ipAddress: '203.0.113.77',
  };
  const out = anonymiseOrder(record);

  test('when an order is anonymised, then totals, lines, dates, status, currency, number and payment method stay', () => {
    expect(out.amounts).toEqual(record.amounts);
    expect(out.amounts.total).toBe('28.63');
    expect(out.lines).toEqual(record.lines);
    expect(out.lines.length).toBeGreaterThan(0);
    expect(out.dates).toEqual(record.dates);
    expect(out.dates.completed).toBe('2025-01-03T10:00:00.000Z');
    expect(out).toMatchObject({ status: 'completed', currency: 'EUR', number: record.number, wcOrderId: record.wcOrderId, paymentMethod: 'ideal' });
  });

  test('when an order is anonymised, then customer id and transaction id become 0 and the email goes', () => {
    expect(record).toMatchObject({ wcCustomerId: 77, transactionId: 'tr_WDqYK6vllg', email: expect.any(String) });
    expect(out).toMatchObject({ wcCustomerId: 0, transactionId: '0', email: null });
  });

  test('when an order is anonymised, then billing and shipping carry the placeholders', () => {
    expect(out.billing).toEqual(anonymiseAddress(record.billing));
    expect(out.billing).toMatchObject({ firstName: DELETED_TEXT, email: DELETED_EMAIL, phone: '+00 0 00000000', country: '' });
    expect(out.shipping).toMatchObject({ address1: DELETED_TEXT, phone: '', state: '', country: '' });
  });

  test('when a guest order without customer or transaction id is anonymised, then those stay absent', () => {
    const guest = anonymiseOrder({ ...anOrderRecord(), wcCustomerId: null, transactionId: null, ipAddress: null });
    expect(guest).toMatchObject({ wcCustomerId: null, transactionId: null, ipAddress: null });
    expect(anonymiseOrder({ ...anOrderRecord(), transactionId: '' }).transactionId).toBe('');
  });

  test.each([
    ['203.0.113.77', '203.0.113.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3:8d3::'],
    ['not-an-ip', null],
  ])('when the order IP is %p, then it is masked to %p (IPv4 last octet, IPv6 /64)', (ip, masked) => {
    expect(anonymiseOrder({ ...record, ipAddress: ip }).ipAddress).toBe(masked);
  });

  test('when an order is anonymised, then the input record is left untouched', () => {
    expect(record.billing.firstName).toBe('Ann');
    expect(record.ipAddress).toBe('203.0.113.77');
  });
});

describe('P14b anonymiseCustomer', () => {
  const customer = mapCustomer(customerSchema.parse(aCustomer({ id: 501, email: 'fenna@example.com', billingEmail: 'fv@work.example', first_name: 'Fenna', last_name: 'Visser' })));
  const out = anonymiseCustomer(customer);

  test('when a customer is anonymised, then no name, email or address remains, and id and dates stay', () => {
    expect(customer.emails).toEqual(['fenna@example.com', 'fv@work.example']);
    expect(out).toMatchObject({ wcCustomerId: 501, accountEmail: null, emails: [], firstName: DELETED_TEXT, lastName: DELETED_TEXT });
    expect(out.dates).toEqual(customer.dates);
    expect(out.billing).toEqual(anonymiseAddress(customer.billing));
    expect(out.shipping).toEqual(anonymiseAddress(customer.shipping));
    const text = JSON.stringify(out);
    for (const personal of ['Fenna', 'Visser', 'fenna@example.com', 'fv@work.example', 'Keizersgracht', '12345678', '1015 AA']) {
      expect(text).not.toContain(personal);
    }
  });

  test('when a customer has no name, then the name stays empty', () => {
    expect(anonymiseCustomer({ ...customer, firstName: '', lastName: '' })).toMatchObject({ firstName: '', lastName: '' });
  });
});
