import type { InjectOptions } from 'fastify';
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery, type DeliveryOptions, phpJson } from '../builders/webhooks.js';
import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';

/**
 * P1/P4: no email, name, address, phone, IP or user agent ever reaches a log line or the queue's failed set.
 * Recognisable personal data goes through every path (intake, worker, operator API, errors); then every captured
 * log line is searched for each value, case-insensitively.
 */
const PERSON = {
  email: 'Zelda.Quarterstaff+p4@wobbleberry-mail.example',
  firstName: 'Zeldarine',
  lastName: 'Quarterstaffson',
  street: '17 Wobbleberry Crescent',
  city: 'Xanthorpe-on-Sea',
  postcode: 'XQ9 8ZZ',
  phone: '+44 7700 900461',
  ip: '198.51.100.173',
  userAgent: 'Mozilla/5.0 (Zeldaphone 3; rv:119.0) WobbleBrowser/7.7',
};
const VALUES = Object.values(PERSON);

const address = {
  first_name: PERSON.firstName, last_name: PERSON.lastName, company: '', address_1: PERSON.street, address_2: '',
  city: PERSON.city, state: '', postcode: PERSON.postcode, country: 'GB', email: PERSON.email, phone: PERSON.phone,
};
const wcCustomerId = nextId();
const order = anOrder({
  email: PERSON.email, first_name: PERSON.firstName, last_name: PERSON.lastName, ip: PERSON.ip, customer_id: wcCustomerId,
  customer_user_agent: PERSON.userAgent, billing: address, shipping: { ...address, email: undefined },
});
const customer = aCustomer({ id: wcCustomerId, email: PERSON.email, first_name: PERSON.firstName, last_name: PERSON.lastName, billing: address, shipping: address });
/** Fails schema validation in the worker on fields that hold personal data: must land in the failed set, values unquoted. */
const poison = { ...anOrder({ email: PERSON.email, ip: PERSON.ip }), total: PERSON.email, customer_id: PERSON.firstName, currency: '',
  line_items: [{ name: PERSON.street, quantity: PERSON.phone, total: PERSON.city, subtotal: '1.00', total_tax: '0' }] };

/** Headers a client could send that carry personal data (proxies forward the shopper's IP and browser). */
const clientHeaders = { 'user-agent': PERSON.userAgent, 'x-forwarded-for': PERSON.ip, 'x-real-ip': PERSON.ip, from: PERSON.email };
const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, ...clientHeaders };

let ctx: TestContext;
const responses: Record<string, { status: number; body: string }> = {};

async function send(name: string, req: InjectOptions) {
  const res = await ctx.app.inject(req);
  responses[name] = { status: res.statusCode, body: res.body };
}
function delivery(body: unknown, topic: string, o: Omit<DeliveryOptions, 'topic'> = {}) {
  const req = aDelivery(typeof body === 'string' ? body : phpJson(body), { topic, ...o });
  Object.assign(req.headers, clientHeaders);
  return req;
}
async function failedJobs() {
  const until = Date.now() + 10_000;
  for (;;) {
    const failed = await ctx.deps.queues.mirror.getFailed();
    if (failed.length || Date.now() > until) return failed;
    await new Promise((r) => setTimeout(r, 50));
  }
}
/** The values found in text, as typed or percent-encoded (as they appear in a URL), case-insensitively. */
const leaked = (text: string) =>
  VALUES.filter((v) => [v, encodeURIComponent(v)].some((form) => text.toLowerCase().includes(form.toLowerCase())));

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.startWorkers();
  await send('customer', delivery(customer, 'customer.created'));
  await send('accepted', delivery(order, 'order.created'));
  await send('duplicate', delivery(order, 'order.created'));
  await send('badSignature', delivery(order, 'order.updated', { secret: 'wrong' }));
  await send('unsigned', delivery(order, 'order.updated', { signature: null }));
  await send('invalidJson', delivery(`{"billing":{"email":"${PERSON.email}","first_name":"${PERSON.firstName}","city":"${PERSON.city}"`, 'order.created'));
  await send('mediaType', delivery(order, 'order.created', { contentType: 'text/plain' }));
  await send('foreignSource', delivery({ ...order, id: nextId() }, 'order.created', { source: 'https://staging.shop.example/' }));
  await send('poison', delivery(poison, 'order.updated'));
  await ctx.drained();
  await send('lookup', { url: `/api/customers?email=${encodeURIComponent(PERSON.email)}`, headers: auth });
  await send('order', { url: `/api/orders/${order.id}`, headers: auth });
  await send('orderNotFound', { url: '/api/orders/987654321', headers: auth });
  await send('routeNotFound', { url: `/api/customer?email=${encodeURIComponent(PERSON.email)}&name=${PERSON.lastName}`, headers: auth });
  // an operator guessing a REST-style URL puts the email in the path, where no query-stripping helps
  await send('emailInPath404', { url: `/api/customers/${encodeURIComponent(PERSON.email)}`, headers: auth });
  await send('emailInPath400', { url: `/api/orders/${PERSON.email}`, headers: auth });
  await send('noToken', { url: `/api/customers?email=${encodeURIComponent(PERSON.email)}`, headers: clientHeaders });
  await send('wrongToken', { url: `/api/orders/${order.id}`, headers: { ...clientHeaders, authorization: `Bearer ${PERSON.email}` } });
  await send('badQuery', { url: `/api/customers?mail=${encodeURIComponent(PERSON.email)}`, headers: auth });
}, 60_000);
afterAll(async () => ctx.close());

describe('P1/P4: personal data never reaches a log line', () => {
  test('when every path has run, then each path answered as expected (the data really went through)', () => {
    expect(Object.fromEntries(Object.entries(responses).map(([k, r]) => [k, r.status]))).toEqual({
      customer: 200, accepted: 200, duplicate: 200, badSignature: 401, unsigned: 401, invalidJson: 400, mediaType: 415,
      foreignSource: 200, poison: 200, lookup: 200, order: 200, orderNotFound: 404, routeNotFound: 404,
      emailInPath404: 404, emailInPath400: 400, noToken: 401, wrongToken: 401, badQuery: 400,
    });
    expect(JSON.parse(responses.duplicate!.body)).toEqual({ status: 'duplicate' });
    // the operator API did return the person, so the values were stored and were there to be leaked
    expect(responses.lookup!.body).toContain(PERSON.email.toLowerCase());
    expect(responses.lookup!.body).toContain(PERSON.street);
    expect(responses.order!.body).toContain(PERSON.phone);
  });

  test('when every path has run, then the logs were written (requests, mirror outcomes, the failed job)', () => {
    const text = ctx.logs.join('\n');
    expect(ctx.logs.length).toBeGreaterThan(20);
    expect(text).toContain('incoming request');
    expect(text).toContain('request completed');
    expect(text).toContain('job failed');
  });

  test('P1/P4: when the captured logs are searched, then no email, name, street, city, postcode, phone, IP or user agent appears', () => {
    const offending = ctx.logs.filter((line) => leaked(line).length);
    expect(offending).toEqual([]);
    expect(leaked(ctx.logs.join('\n'))).toEqual([]);
  });

  test('P1/P4: when the logs are searched, then no bearer token or webhook signature appears either', () => {
    const text = ctx.logs.join('\n');
    expect(text).not.toContain(ADMIN_TOKEN);
    expect(text).not.toContain(aDelivery(phpJson(order), { topic: 'order.created' }).headers['x-wc-webhook-signature']);
  });
});

describe('P1/P4: personal data never reaches the queue', () => {
  test('when a poison payload fails in the worker, then its failedReason names the problem but quotes no personal data', async () => {
    const failed = await failedJobs();
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed.some((j) => /invalid order payload/.test(j.failedReason))).toBe(true);
    for (const job of failed) {
      expect(leaked(job.failedReason)).toEqual([]);
      expect(leaked(JSON.stringify(job.stacktrace ?? []))).toEqual([]);
      expect(Object.keys(job.data)).toEqual(['inboxId']);
    }
  });

  test('when the poison delivery is recorded in the inbox, then its reason quotes no personal data', async () => {
    const { rows } = await ctx.pool.query<{ reason: string }>("SELECT reason FROM webhook_inbox WHERE outcome = 'failed'");
    expect(rows.length).toBeGreaterThanOrEqual(1);
    for (const r of rows) expect(leaked(r.reason)).toEqual([]);
  });
});
