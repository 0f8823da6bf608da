import type { SubjectData, SubjectOrder, SubjectSync } from '../../../src/dsr/export/subject-data.js';

/** Hand-made SubjectData for the pure builder: one person, two orders (one refunded), pushes and a label. */

const d = (s: string) => new Date(s);
const address = (city: string) => ({
  firstName: 'Fenna', lastName: 'Visser', company: '', address1: 'Dorpsstraat 3', address2: '', city, state: '',
  postcode: '1234 AB', country: 'NL', email: 'fenna@example.com', phone: '+31 6 11111111',
});

export function anOrderOf(o: Partial<SubjectOrder> = {}): SubjectOrder {
  return {
    wcOrderId: 501, number: '501', status: 'processing', statusBeforeTrash: null, currency: 'EUR', pricesIncludeTax: true,
    total: '28.630', totalTax: '4.73', shippingTotal: '4.90', shippingTax: '0.93', discountTotal: '0.00', discountTax: '0.00',
    cartTax: '3.80', paymentMethod: 'ideal', paymentMethodTitle: 'iDEAL', transactionId: 'tr_1', billing: address('Utrecht'),
    shipping: address('Utrecht'), ipAddress: '203.0.113.0', dateCreated: d('2025-01-02T09:00:00+01:00'),
    dateModified: d('2025-01-02T09:01:00Z'), datePaid: d('2025-01-02T09:01:00Z'), dateCompleted: null, deletedInShopAt: null,
    storedAt: d('2025-01-02T09:02:00Z'), policyVersion: '2023-08-21', reviewConsent: true,
    lines: [
      { kind: 'product', wcLineId: 1, name: 'Mok', code: 'MUG', quantity: '2', total: '20.00', totalTax: '3.80' },
      { kind: 'shipping', wcLineId: 2, name: 'PostNL', code: 'flat_rate', quantity: null, total: '4.90', totalTax: '0.93' },
    ],
    ...o,
  };
}

export function aSyncOf(s: Partial<SubjectSync> = {}): SubjectSync {
  return {
    processor: 'snelstart', kind: 'booking', ref: '', wcOrderId: 501, orderNumber: '501', status: 'done', reason: null,
    externalId: 'bk-501', runAt: d('2025-01-02T09:05:00Z'), createdAt: d('2025-01-02T09:05:00Z'), updatedAt: d('2025-01-02T09:06:00Z'),
    mayHaveReached: (s.status ?? 'done') === 'done',
    ...s,
  };
}

export function aSubject(o: Partial<SubjectData> = {}): SubjectData {
  return {
    person: {
      id: 7, wcCustomerId: 70, firstName: 'Fenna', lastName: 'Visser', accountEmail: 'fenna@example.com',
      billing: address('Utrecht'), shipping: address('Utrecht'), status: 'active', restricted: false, objection: 'none',
      lastActivityAt: d('2025-01-05T10:00:00Z'), accountCreatedAt: d('2024-12-01T12:00:00Z'), accountDeletedAt: null,
      createdAt: d('2024-12-01T12:00:05Z'), policyVersion: '2023-08-21',
    },
    emails: [{ email: 'fenna@example.com', addedAt: d('2024-12-01T12:00:05Z') }],
    orders: [
      anOrderOf(),
      anOrderOf({
        wcOrderId: 502, number: '502', status: 'refunded', total: '10.00', datePaid: d('2025-01-04T10:00:00Z'),
        lines: [{ kind: 'refund', wcLineId: 88, name: null, code: null, quantity: null, total: '-10.00', totalTax: '0' }],
      }),
    ],
    syncs: [
      aSyncOf(),
      aSyncOf({ processor: 'postnl', kind: 'shipment', externalId: '3SFENNA01', status: 'done' }),
      aSyncOf({ processor: 'reviews', kind: 'invitation', status: 'pending', externalId: null, runAt: d('2025-01-09T09:00:00Z') }),
    ],
    labels: [{ wcOrderId: 501, orderNumber: '501', barcode: '3SFENNA01', createdAt: d('2025-01-02T09:06:30Z'), pdfHeld: true }],
    invoices: [],
    consents: [{ purpose: 'review_invitation', granted: true, source: 'checkout', recordedAt: d('2025-01-02T08:00:00Z'), wcOrderId: 501 }],
    history: [{ at: d('2025-01-20T08:00:00Z'), actor: 'operator', action: 'request.received', detail: { type: 'access' } }],
    requests: [{
      id: '00000000-0000-4000-8000-000000000001', type: 'access', status: 'in_progress', receivedAt: d('2025-01-20T08:00:00Z'),
      dueAt: d('2025-02-19T08:00:00Z'), extendedAt: null, verifiedAt: d('2025-01-20T09:00:00Z'), completedAt: null, rejectedAt: null,
    }],
    ...o,
  };
}
