import { ADMIN_TOKEN, createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';
import { createOfflineApp } from '../builders/offline.js';

/** The operator read API over a mirror seeded through the real webhook route, relay and worker. */
let ctx: TestContext;
const customer = aCustomer({ email: `registered-${nextId()}@example.com`, modified: '2025-01-05T08:00:00' });
const customerOrder = anOrder({ email: customer.email, customer_id: customer.id, modified: '2025-01-06T10:00:00', created: '2025-01-06T09:59:00' });
const guestEmail = `guest-${nextId()}@example.com`;
const guestOrder = anOrder({ email: guestEmail });

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.startWorkers();
  for (const [body, topic] of [[customer, 'customer.created'], [customerOrder, 'order.created'], [guestOrder, 'order.created']] as const) {
    const res = await ctx.app.inject(aDelivery(body, { topic }));
    expect(res.json()).toEqual({ status: 'accepted' });
  }
  await ctx.drained();
});
afterAll(async () => ctx.close());

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const get = (url: string, headers: Record<string, string> = auth) => ctx.app.inject({ method: 'GET', url, headers });
const byEmail = (email: string) => `/api/customers?email=${encodeURIComponent(email)}`;

/** Every [key, value] pair anywhere in a JSON value, depth first. */
function entries(value: unknown): [string, unknown][] {
  if (Array.isArray(value)) return value.flatMap(entries);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [[k, v] as [string, unknown], ...entries(v)]);
  return [];
}
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const isTimestampKey = (k: string) => /At$/.test(k) || /^date[A-Z]/.test(k);

describe('P4: /api/* needs Authorization: Bearer <ADMIN_TOKEN>', () => {
  const protectedUrls = () => [byEmail(customer.email), `/api/orders/${customerOrder.id}`];

  test('P4: when no Authorization header is sent, then 401 JSON with a reason and no customer data', async () => {
    for (const url of protectedUrls()) {
      const res = await get(url, {});
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: 'unauthorized', message: expect.stringContaining('bearer') });
      expect(res.body).not.toContain(customer.email);
      expect(res.body).not.toContain('Keizersgracht');
    }
  });

  test('P4: when the token is wrong, then 401', async () => {
    const wrong = [
      'Bearer wrong-token', `Bearer ${ADMIN_TOKEN}x`, `Bearer ${ADMIN_TOKEN.slice(0, -1)}`, 'Bearer ', `${ADMIN_TOKEN}`,
      `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`, `Token ${ADMIN_TOKEN}`,
    ];
    for (const authorization of wrong) {
      for (const url of protectedUrls()) {
        const res = await get(url, { authorization });
        expect(res.statusCode).toBe(401);
        expect(res.json().error).toBe('unauthorized');
      }
    }
    const inQuery = await get(`${byEmail(customer.email)}&token=${ADMIN_TOKEN}`, {});
    expect(inQuery.statusCode).toBe(401);
  });

  test('P4: when the token is missing, then 401 comes before input validation (no hint about parameters)', async () => {
    for (const url of ['/api/customers', '/api/customers?email=', '/api/orders/abc', '/api/orders/999999999']) {
      expect((await get(url, {})).statusCode).toBe(401);
    }
  });

  test('P4: when the right token is sent, then 200', async () => {
    for (const url of protectedUrls()) expect((await get(url)).statusCode).toBe(200);
  });
});

describe('GET /api/customers', () => {
  test('when email is missing, empty or too short, then 400 JSON with a reason naming email', async () => {
    for (const url of ['/api/customers', '/api/customers?email=', '/api/customers?email=%20%20', '/api/customers?email=a']) {
      const res = await get(url);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request', message: expect.stringContaining('email') });
    }
  });

  test('when the input holds a character Postgres cannot store (U+0000), then 400 with a reason, never 500', async () => {
    const res = await get('/api/customers?email=a%00b@example.com');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_input', message: expect.stringContaining('U+0000') });
    const filed = await ctx.app.inject({
      method: 'POST', url: '/api/privacy-requests', headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { type: 'access', email: 'a\u0000b@example.com' },
    });
    expect(filed.statusCode).toBe(400);
    const { rows } = await ctx.pool.query('SELECT count(*)::int AS n FROM privacy_requests');
    expect(rows[0].n).toBe(0);
  });

  test('when a JSON route gets a form body, broken JSON or an empty JSON body, then a 4xx in our own codes saying what to send', async () => {
    const post = (contentType: string, payload: string) => ctx.app.inject({
      method: 'POST', url: '/api/privacy-requests', headers: { ...auth, 'content-type': contentType }, payload });
    // What `curl -d '{…}'` sends when the JSON content type is left out.
    const form = await post('application/x-www-form-urlencoded', '{"type":"access","email":"a@example.com"}');
    expect(form.statusCode).toBe(415);
    expect(form.json()).toMatchObject({ error: 'unsupported_media_type', message: expect.stringContaining('content-type: application/json'), reqId: expect.any(String) });
    expect((await post('application/json', '{"type":')).json()).toMatchObject({ error: 'invalid_json', message: 'the body is not valid JSON' });
    // An empty JSON body is no body: the route's own validation says what is missing.
    const empty = await post('application/json', '');
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ error: 'invalid_request', message: expect.stringContaining('type') });
    const { rows } = await ctx.pool.query('SELECT count(*)::int AS n FROM privacy_requests');
    expect(rows[0].n).toBe(0);
  });

  test('when the email is unknown, then 200 {"customers":[]}', async () => {
    const res = await get(byEmail(`nobody-${nextId()}@example.com`));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ customers: [] });
  });

  test('when a registered customer is looked up (any case, spaces), then the documented shape comes back', async () => {
    const res = await get(byEmail(`  ${customer.email.toUpperCase()} `));
    expect(res.statusCode).toBe(200);
    const { customers } = res.json();
    expect(customers).toHaveLength(1);
    const c = customers[0];
    for (const key of ['id', 'emails', 'email', 'firstName', 'lastName', 'wcCustomerId', 'lastActivityAt', 'status', 'orders']) {
      expect(c).toHaveProperty(key);
    }
    expect(c).toMatchObject({ email: customer.email, emails: [customer.email], firstName: 'Ann', lastName: 'Lee', wcCustomerId: customer.id, status: 'active' });
    expect(c.orders).toHaveLength(1);
    const o = c.orders[0];
    for (const key of ['wcOrderId', 'number', 'status', 'currency', 'total', 'ipAddress', 'billing', 'shipping', 'items']) {
      expect(o).toHaveProperty(key);
    }
    expect(o).toMatchObject({ wcOrderId: customerOrder.id, number: String(customerOrder.id), currency: 'EUR', total: '28.63', ipAddress: '203.0.113.0' });
    const addressKeys = ['firstName', 'lastName', 'company', 'address1', 'address2', 'city', 'state', 'postcode', 'country', 'email', 'phone'];
    expect(Object.keys(o.billing).sort()).toEqual([...addressKeys].sort());
    expect(Object.keys(o.shipping).sort()).toEqual([...addressKeys].sort());
    expect(o.items).toEqual([{ name: 'Mok – blauw', sku: 'MUG-BLUE', quantity: 2, total: '20.00' }]);
  });

  test('when a guest is looked up, then wcCustomerId is null', async () => {
    const [c] = (await get(byEmail(guestEmail))).json().customers;
    expect(c.wcCustomerId).toBeNull();
    expect(c.orders.map((o: { wcOrderId: number }) => o.wcOrderId)).toEqual([guestOrder.id]);
  });

  test('when a customer is returned, then every timestamp is ISO-8601 UTC ending in Z', async () => {
    const body = (await get(byEmail(customer.email))).json();
    const stamps = entries(body).filter(([k, v]) => isTimestampKey(k) && v !== null);
    expect(stamps.map(([k]) => k)).toEqual(expect.arrayContaining(['lastActivityAt', 'dateCreated', 'dateModified', 'datePaid']));
    for (const [key, value] of stamps) expect([key, value]).toEqual([key, expect.stringMatching(ISO_UTC)]);
    expect(body.customers[0].lastActivityAt).toBe('2025-01-06T10:00:00.000Z');
    expect(body.customers[0].orders[0].dateCreated).toBe('2025-01-06T09:59:00.000Z');
  });

  test('when a customer is returned, then every key is camelCase', async () => {
    const body = (await get(byEmail(customer.email))).json();
    const keys = entries(body).map(([k]) => k);
    expect(keys.length).toBeGreaterThan(30);
    expect(keys.filter((k) => !/^[a-z][a-zA-Z0-9]*$/.test(k))).toEqual([]);
  });
});

describe('GET /api/orders/:wcOrderId', () => {
  test('when the id is not a positive integer, then 400 JSON with a reason', async () => {
    for (const id of ['abc', '0', '-5', '1.5', '99999999999999999999', '%20']) {
      const res = await get(`/api/orders/${id}`);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request', message: expect.stringContaining('wcOrderId') });
    }
  });

  test('when the order is unknown, then 404 JSON with a reason', async () => {
    const res = await get('/api/orders/987654321');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toMatchObject({ error: 'not_found', message: expect.stringContaining('987654321') });
  });

  test('when the order is known, then it comes back with its customerId, camelCase, timestamps in Z', async () => {
    const [c] = (await get(byEmail(customer.email))).json().customers;
    const res = await get(`/api/orders/${customerOrder.id}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ wcOrderId: customerOrder.id, customerId: c.id, status: 'processing', total: '28.63' });
    expect(body.billing).toMatchObject({ email: customer.email, address1: 'Keizersgracht 1', postcode: '1015 AA' });
    expect(entries(body).map(([k]) => k).filter((k) => !/^[a-z][a-zA-Z0-9]*$/.test(k))).toEqual([]);
    for (const [, v] of entries(body).filter(([k, v]) => isTimestampKey(k) && v !== null)) expect(v).toMatch(ISO_UTC);
  });
});

describe('health endpoints (no auth)', () => {
  test('when /healthz is called without a token, then 200 {"status":"ok"}', async () => {
    const res = await get('/healthz', {});
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  test('when Postgres and Redis are reachable, then /readyz is 200 with both checks ok', async () => {
    const res = await get('/readyz', {});
    expect(res.statusCode).toBe(200);
    // With the queues on Postgres (no Redis) the second check is named "queues".
    const queueCheck = ctx.config.redisUrl ? 'redis' : 'queues';
    expect(res.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', [queueCheck]: 'ok' } });
  });

  test('when Postgres and Redis are unreachable, then /readyz is 503 naming both, and /healthz stays 200', async () => {
    const offline = await createOfflineApp({ redisDown: true });
    try {
      const ready = await offline.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ status: 'unavailable', checks: { postgres: 'down', redis: 'down' } });
      expect((await offline.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await offline.close();
    }
  });
});
