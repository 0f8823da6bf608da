import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';
import type { World } from '../processors/world.js';
import { type DsrWorld, startDsrWorld } from './world.js';

/**
 * P13 and P13b (erasure on request) and P10 (consent with history), end to end through the HTTP API with real
 * Postgres, Redis and SMTP, with all processors configured and Kiyoh as the review site — which has no erase API,
 * so its part of the erasure is recorded manual_required and shown on the request.
 */

const CONSENT = [{ id: 9, key: '_review_consent', value: 'yes' }];
let w: DsrWorld;
let p: World;
beforeAll(async () => {
  w = await startDsrWorld({ processors: true, env: { REVIEWS_PROVIDER: 'kiyoh' } });
  p = w.processors!;
});
afterAll(async () => w?.close());

const customers = async (email: string) => (await w.api('GET', `/api/customers?email=${encodeURIComponent(email)}`)).body.customers;
const statuses = async (wcOrderId: number) => (await p.settled(wcOrderId)).map((s) => [s.processor, s.status, s.reason]);
const kiyohInvites = (email: string) => p.kiyoh.state.invites.filter((i) => i.invite_email === email);
const later = (body: Record<string, unknown>, at: string) => ({ ...body, date_modified: at, date_modified_gmt: at });
function completedOrder(email: string, o: Record<string, unknown> = {}) {
  const base = anOrder({ email, first_name: 'Zoë', last_name: 'de Vries', total: '29.63', status: 'completed', date_completed_gmt: '2025-01-02T09:01:00', ...o });
  return { ...base, meta_data: [...base.meta_data, ...CONSENT] };
}

describe('P13 P13b erasure on request: the person is forgotten, the request keeps only the subject key, Kiyoh is manual_required', () => {
  test('when a verified erasure request is completed, then the person is erased, the outcome lists tombstones and processors, the confirmation reaches the address, and later webhooks do not bring the person back', async () => {
    const email = `erase-${nextId()}@example.com`;
    const customer = aCustomer({ email, first_name: 'Zoë', last_name: 'de Vries' });
    await w.deliver(customer, 'customer.created');
    const order = completedOrder(email, { customer_id: customer.id });
    await w.deliver(order, 'order.created');
    expect(await statuses(order.id)).toEqual([['snelstart', 'done', null], ['postnl', 'done', null], ['reviews', 'done', null]]);
    expect(kiyohInvites(email)).toHaveLength(1); // the invitation is done: Kiyoh holds name and address

    // P13b: the client mailed that they no longer want the service; the operator files it as an erasure.
    const filed = await w.fileRequest('erasure', email, { lang: 'en', note: 'Client mailed: I no longer want your service.' });
    expect(filed.status).toBe(201);
    const [verification] = await w.waitForMails(email, 1, (m) => /confirm/i.test(m.subject));
    const { code, token } = w.codeAndToken(verification!.text);
    expect((await w.verifyByCode(token, code)).status).toBe(200);
    const kiyohBefore = p.kiyoh.requests.length;

    const done = await w.complete(filed.body.id);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', email: null, outcome: { erasure: 'erased' } });
    expect(await customers(email)).toEqual([]);

    const shown = (await w.api('GET', `/api/privacy-requests/${filed.body.id}`)).body;
    expect(shown).toMatchObject({ type: 'erasure', status: 'completed', email: null, subjectKey: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(shown.outcome.tombstoneIds).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    expect(shown.outcome.processors).toEqual([expect.objectContaining({ processor: 'reviews', status: 'manual_required', tombstoneId: shown.outcome.tombstoneIds[0] })]);
    expect(shown.outcome.manualRequired).toEqual(['reviews']);
    expect(JSON.stringify(shown)).not.toContain(email);
    expect(p.kiyoh.requests.length).toBe(kiyohBefore); // Kiyoh has no erase API: nothing is called
    const stored = (await w.ctx.pool.query('SELECT email, changes, note, subject_key FROM privacy_requests WHERE id = $1', [filed.body.id])).rows[0];
    expect(stored).toMatchObject({ email: null, changes: null, note: null, subject_key: expect.any(Buffer) });

    const [confirmation] = await w.waitForMails(email, 1, (m) => m.subject === 'Your data has been erased');
    expect(confirmation!.envelopeTo).toEqual([email]);

    // The shop still sends the old data: none of it brings the person back.
    await w.deliver(later(customer, '2025-03-01T10:00:00'), 'customer.updated');
    await w.deliver(later(order, '2025-03-01T10:00:00'), 'order.updated');
    await w.deliver(completedOrder(email, { customer_id: customer.id, id: order.id, modified: '2025-03-02T10:00:00' }), 'order.updated');
    expect(await customers(email)).toEqual([]);
    const mirrored = (await w.api('GET', `/api/orders/${order.id}`)).body;
    expect(JSON.stringify(mirrored)).not.toContain(email);
    expect(mirrored.billing.lastName).not.toBe('de Vries');
    // The order and the shop account still lead to the erased person only — no new profile was made from them.
    const { rows } = await w.ctx.pool.query(
      `SELECT DISTINCT p.status FROM persons p WHERE p.wc_customer_id = $1 OR p.id IN (SELECT person_id FROM orders WHERE wc_order_id = $2)`, [customer.id, order.id]);
    expect(rows).toEqual([{ status: 'erased' }]);
  });
});

describe('P10 consent with history: the latest record wins for the invitation and is part of the export', () => {
  test('when consent is granted and then withdrawn through POST /api/consents, then the invitation is skipped despite the checkout box, and the access export lists both records', async () => {
    const email = `consent-${nextId()}@example.com`;
    const order = completedOrder(email, { status: 'processing', date_completed_gmt: null }); // the checkout box is ticked
    await w.deliver(order, 'order.created');
    await p.settled(order.id);

    for (const granted of [true, false]) {
      const res = await w.api('POST', '/api/consents', { email, purpose: 'review_invitation', granted, source: 'email' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ purpose: 'review_invitation', granted, source: 'email' });
    }
    const history = (await w.api('GET', `/api/consents?email=${encodeURIComponent(email)}`)).body.consents;
    expect(history.map((c: { granted: boolean }) => c.granted)).toEqual([false, true]); // newest first

    await w.deliver(completedOrder(email, { id: order.id, modified: '2025-01-03T10:00:00', date_completed_gmt: '2025-01-03T10:00:00' }), 'order.updated');
    expect((await statuses(order.id)).find((s) => s[0] === 'reviews')).toEqual(['reviews', 'skipped', 'no_consent']);
    expect(kiyohInvites(email)).toEqual([]);

    const filed = await w.fileRequest('access', email, { lang: 'en' });
    await w.api('POST', `/api/privacy-requests/${filed.body.id}/verify`, { note: 'Client called from the known number.' });
    expect((await w.complete(filed.body.id)).status).toBe(200);
    const pkg = (await w.api('GET', `/api/privacy-requests/${filed.body.id}/export`)).body;
    expect(pkg.consents.filter((c: { source: string }) => c.source === 'email')).toEqual([
      { purpose: 'review_invitation', granted: true, source: 'email', recordedAt: history[1].recordedAt, wcOrderId: null },
      { purpose: 'review_invitation', granted: false, source: 'email', recordedAt: history[0].recordedAt, wcOrderId: null },
    ]);
    expect(pkg.consents.filter((c: { source: string }) => c.source === 'checkout')).toEqual([expect.objectContaining({ granted: true, wcOrderId: order.id })]);
    expect(pkg.reviewInvitations).toEqual([expect.objectContaining({ wcOrderId: order.id, status: 'skipped', reason: 'no_consent' })]);
    expect(pkg.processingHistory.map((h: { action: string }) => h.action)).toEqual(expect.arrayContaining(['consent.granted', 'consent.withdrawn']));
    const [mail] = await w.waitForMails(email, 1, (m) => m.attachments.length > 0);
    expect(JSON.parse(mail!.attachments[0]!.content.toString('utf8')).consents).toEqual(pkg.consents);
  });
});
