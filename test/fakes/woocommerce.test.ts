import https from 'node:https';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { isValidSignature } from '../../src/intake/signature.js';
import { anOrder, aCustomer } from '../builders/woocommerce.js';
import { startFakeWooCommerce, type FakeWoo } from './woocommerce.js';

/** The fake WooCommerce itself: REST v3 over HTTPS as §2 of woocommerce-facts.md describes, webhooks as §1 does. */

interface Res { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: any; rawHeaderBytes: number }
interface CallOptions { method?: string; body?: unknown; auth?: 'basic' | 'query' | 'none' | [string, string]; maxHeaderSize?: number }

let woo: FakeWoo;
function call(path: string, o: CallOptions = {}): Promise<Res> {
  const url = new URL(`${woo.url}/wp-json/wc/v3${path}`);
  const auth = o.auth ?? 'basic';
  const headers: Record<string, string> = { accept: 'application/json' };
  const [key, secret] = Array.isArray(auth) ? auth : [woo.consumerKey, woo.consumerSecret];
  if (auth === 'query') {
    url.searchParams.set('consumer_key', key);
    url.searchParams.set('consumer_secret', secret);
  } else if (auth !== 'none') headers.authorization = `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
  const body = o.body === undefined ? undefined : JSON.stringify(o.body);
  if (body) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: o.method ?? 'GET', headers, ca: woo.ca, agent: false, maxHeaderSize: o.maxHeaderSize }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({
        status: res.statusCode!, headers: res.headers, text, json: text ? JSON.parse(text) : undefined,
        rawHeaderBytes: res.rawHeaders.reduce((n, h) => n + h.length + 2, 0),
      }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Received { path: string; headers: Record<string, string | string[] | undefined>; body: Buffer }
let receiver: FastifyInstance;
let receiverUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  woo = await startFakeWooCommerce();
  receiver = Fastify();
  receiver.removeAllContentTypeParsers();
  receiver.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  receiver.post('/hooks/:kind', async (req, reply) => {
    received.push({ path: req.url, headers: req.headers, body: req.body as Buffer });
    return reply.code((req.params as { kind: string }).kind === 'fail' ? 500 : 200).send('ok');
  });
  await receiver.listen({ host: '127.0.0.1', port: 0 });
  receiverUrl = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await woo.close();
  await receiver.close();
});

const ids = (r: Res) => (r.json as { id: number }[]).map((o) => o.id);
const at = (gmt: string) => ({ date_modified_gmt: gmt, date_modified: gmt });

describe('REST v3 authentication', () => {
  test('Basic auth and consumer_key/consumer_secret query params pass; wrong or missing credentials get 401', async () => {
    expect((await call('/orders')).status).toBe(200);
    expect((await call('/orders', { auth: 'query' })).status).toBe(200);
    const wrongSecret = await call('/orders', { auth: [woo.consumerKey, 'cs_wrong'] });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.json).toEqual({ code: 'woocommerce_rest_authentication_error', message: 'Consumer secret is invalid.', data: { status: 401 } });
    expect((await call('/orders', { auth: ['ck_wrong', woo.consumerSecret] })).json.message).toBe('Consumer key is invalid.');
    const none = await call('/orders/1', { auth: 'none' });
    expect(none.status).toBe(401);
    expect(none.json.code).toBe('woocommerce_rest_cannot_view');
  });
});

describe('REST v3 orders', () => {
  beforeAll(() => {
    woo.seedOrders(Array.from({ length: 250 }, (_, i) => anOrder({ id: 1 + i, created: `2025-01-01T00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}` })));
    woo.seedOrders([anOrder({ id: 251, status: 'trash' })]);
  });

  test('pages 250 orders with X-WP-Total, X-WP-TotalPages and Link rel=prev/next, newest first by default', async () => {
    const first = await call('/orders?per_page=100');
    expect([first.headers['x-wp-total'], first.headers['x-wp-totalpages']]).toEqual(['250', '3']);
    expect(first.headers.link).toMatch(/page=2.*rel="next"/);
    expect(first.headers.link).not.toMatch(/rel="prev"/);
    expect(ids(first)[0]).toBe(250);
    const seen = new Set(ids(first));
    let next = /<([^>]+)>; rel="next"/.exec(String(first.headers.link))?.[1];
    while (next) {
      const page = await call(next.slice(next.indexOf('/orders')));
      ids(page).forEach((id) => seen.add(id));
      next = /<([^>]+)>; rel="next"/.exec(String(page.headers.link ?? ''))?.[1];
      if (next === undefined) expect(page.headers.link).toMatch(/page=2.*rel="prev"/);
    }
    expect(seen.size).toBe(250);
    expect((await call('/orders')).json).toHaveLength(10);
    expect((await call('/orders?per_page=100&page=3&orderby=id&order=asc')).json).toHaveLength(50);
  });

  test('per_page over 100 is a 400 rest_invalid_param; status=any leaves out trash, status=trash finds it', async () => {
    const res = await call('/orders?per_page=101');
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('rest_invalid_param');
    expect((await call('/orders?status=any&per_page=1')).headers['x-wp-total']).toBe('250');
    expect(ids(await call('/orders?status=trash'))).toEqual([251]);
  });

  test('a single order is served as stored; an unknown one is 404 woocommerce_rest_shop_order_invalid_id', async () => {
    expect((await call('/orders/7')).json).toEqual(woo.getOrder(7));
    expect((await call('/orders/99999')).json).toEqual({ code: 'woocommerce_rest_shop_order_invalid_id', message: 'Invalid ID.', data: { status: 404 } });
    expect((await call('/nope')).json.code).toBe('rest_no_route');
  });

  test('modified_after with dates_are_gmt is strictly greater-than, second-granular; a Z suffix is read as site-local time', async () => {
    woo.seedOrders([
      anOrder({ id: 301, ...at('2025-02-01T12:00:00') }), anOrder({ id: 302, ...at('2025-02-01T12:00:01') }),
      anOrder({ id: 303, ...at('2025-02-01T12:30:00') }), anOrder({ id: 304, ...at('2025-02-01T13:30:00') }),
    ]);
    const q = 'dates_are_gmt=true&orderby=modified&order=asc&modified_before=2025-02-02T00:00:00';
    expect(ids(await call(`/orders?${q}&modified_after=2025-02-01T12:00:00`))).toEqual([302, 303, 304]);
    expect(ids(await call(`/orders?${q}&modified_after=2025-02-01T12:00:00.900`))).toEqual([302, 303, 304]);
    // 12:00:00Z becomes 13:00:00 Amsterdam time, compared against the GMT column: an hour of changes goes missing.
    expect(ids(await call(`/orders?${q}&modified_after=2025-02-01T12:00:00Z`))).toEqual([304]);
    expect((await call('/orders?modified_after=yesterday')).status).toBe(400);
  });

  test('putOrder stamps date_modified_gmt from the fake clock, which moves one second per write', async () => {
    woo.clock.set(new Date('2025-03-01T12:00:00Z'));
    const a = await woo.putOrder(anOrder({ id: 401 }));
    const b = await woo.putOrder(anOrder({ id: 402 }));
    expect([a.date_modified_gmt, a.date_modified, b.date_modified_gmt]).toEqual(['2025-03-01T12:00:00', '2025-03-01T13:00:00', '2025-03-01T12:00:01']);
    expect(ids(await call('/orders?dates_are_gmt=true&modified_after=2025-03-01T12:00:00'))).toEqual([402]);
  });
});

describe('REST v3 customers', () => {
  test('role defaults to customer (role=all lists every role), ordered by name ascending; unknown id is 404', async () => {
    woo.seedCustomers([aCustomer({ id: 11, first_name: 'Zoe' }), aCustomer({ id: 12, first_name: 'Bea' }), aCustomer({ id: 13, role: 'shop_manager' })]);
    expect(ids(await call('/customers'))).toEqual([12, 11]);
    const all = await call('/customers?role=all&orderby=id&per_page=2');
    expect([ids(all), all.headers['x-wp-totalpages']]).toEqual([[11, 12], '2']);
    expect((await call('/customers/999')).json.code).toBe('woocommerce_rest_invalid_id');
  });
});

describe('failure injection', () => {
  test('failNext answers 429 with Retry-After, then the shop recovers; a path filter limits it', async () => {
    woo.failNext(1, { status: 429, retryAfterSeconds: 7 });
    const limited = await call('/orders');
    expect([limited.status, limited.headers['retry-after'], limited.json.data]).toEqual([429, '7', { status: 429 }]);
    expect((await call('/orders')).status).toBe(200);
    woo.failNext(2, { status: 500, path: /\/customers$/ });
    expect((await call('/orders')).status).toBe(200);
    expect((await call('/customers')).status).toBe(500);
    expect((await call('/customers')).json.code).toBe('internal_server_error');
    expect((await call('/customers')).status).toBe(200);
    expect(woo.requests.filter((r) => r.path.endsWith('/customers')).map((r) => r.status).slice(-3)).toEqual([500, 500, 200]);
  });

  test('oversized headers exceed Node\'s 16 KB default: the default client fails with HPE_HEADER_OVERFLOW', async () => {
    woo.oversizedHeaders(true);
    try {
      await expect(call('/orders')).rejects.toMatchObject({ code: 'HPE_HEADER_OVERFLOW' });
      const big = await call('/orders', { maxHeaderSize: 64 * 1024 });
      expect(big.status).toBe(200);
      expect(big.rawHeaderBytes).toBeGreaterThan(20 * 1024);
    } finally {
      woo.oversizedHeaders(false);
    }
    expect((await call('/orders')).status).toBe(200);
  });
});

describe('webhooks', () => {
  const createHook = async (topic: string, kind = 'ok', extra: object = {}) => {
    const res = await call('/webhooks', { method: 'POST', body: { name: `t-${topic}`, topic, delivery_url: `${receiverUrl}/hooks/${kind}`, secret: 'our-s3cret', ...extra } });
    expect(res.status).toBe(201);
    return res.json as { id: number; secret: string; status: string };
  };
  const deliveriesTo = (kind: string) => received.filter((r) => r.path === `/hooks/${kind}` && r.headers['x-wc-webhook-topic']);

  test('creating a webhook pings its URL with an unsigned form body and no X-WC headers', async () => {
    const hook = await createHook('order.updated');
    const ping = received.at(-1)!;
    expect(ping.body.toString()).toBe(`webhook_id=${hook.id}`);
    expect(ping.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(ping.headers['user-agent']).toBe('WooCommerce/10.3.4 Hookshot (WordPress/6.8.1)');
    expect(Object.keys(ping.headers).filter((h) => h.startsWith('x-wc-'))).toEqual([]);
    expect(hook.secret).toBe('our-s3cret');
    const listed = await call('/webhooks');
    expect(listed.headers['x-wp-total']).toBe('1');
    expect(listed.json[0]).toMatchObject({ id: hook.id, status: 'active', topic: 'order.updated', hooks: expect.arrayContaining(['woocommerce_update_order']) });
    expect(listed.json[0].secret).toBeUndefined();
    expect((await call(`/webhooks/${hook.id}?context=edit`)).json.secret).toBe('our-s3cret');
    expect((await call('/webhooks', { method: 'POST', body: { topic: 'order.paid', delivery_url: receiverUrl } })).json.code)
      .toBe('woocommerce_rest_webhook_invalid_topic');
  });

  test('a delivery carries the real headers, PHP-escaped JSON equal to GET /orders/:id, and verifies with isValidSignature', async () => {
    const before = deliveriesTo('ok').length;
    woo.seedOrders([anOrder({ id: 500 })]);
    await woo.putOrder(anOrder({ id: 500, status: 'completed' }));
    const d = deliveriesTo('ok').at(-1)!;
    expect(deliveriesTo('ok')).toHaveLength(before + 1);
    expect(d.headers).toMatchObject({
      'content-type': 'application/json', 'x-wc-webhook-source': 'https://shop.example/', 'x-wc-webhook-topic': 'order.updated',
      'x-wc-webhook-resource': 'order', 'x-wc-webhook-event': 'updated', 'x-wc-webhook-id': String(woo.webhooks()[0]!.id),
      'x-wc-webhook-delivery-id': expect.stringMatching(/^[0-9a-f]{32}$/), 'user-agent': expect.stringContaining('Hookshot'),
    });
    expect(isValidSignature(d.body, String(d.headers['x-wc-webhook-signature']), 'our-s3cret')).toBe(true);
    expect(isValidSignature(d.body, String(d.headers['x-wc-webhook-signature']), 'other')).toBe(false);
    const text = d.body.toString('utf8');
    expect(text).toContain('https:\\/\\/shop.example\\/');
    expect(text).toContain('Mok \\u2013 blauw');
    expect(text).toBe((await call('/orders/500')).text);
  });

  test('silent puts emit nothing; trash sends order.deleted {"id":n}; permanent deletion sends nothing and GET is 404', async () => {
    await createHook('order.deleted');
    const before = received.length;
    await woo.putOrder(anOrder({ id: 501 }), { silent: true });
    expect(received.length).toBe(before);
    await woo.trashOrder(501);
    expect(received.at(-1)!.body.toString()).toBe('{"id":501}');
    expect(received.at(-1)!.headers['x-wc-webhook-topic']).toBe('order.deleted');
    woo.deleteOrderPermanently(501);
    expect(received.length).toBe(before + 1);
    expect((await call('/orders/501')).status).toBe(404);
    expect(await woo.deliverRaw('order.deleted', { code: 'woocommerce_rest_cannot_view', message: 'no', data: { status: 401 } })).toEqual([200]);
  });

  test('a receiver answering 500 disables the webhook on the 7th consecutive failure; re-activating resets the count', async () => {
    const hook = await createHook('customer.updated', 'fail');
    await woo.putCustomer(aCustomer({ id: 600 }), { silent: true });
    const counts: number[] = [];
    for (let i = 0; i < 8; i++) {
      await woo.putCustomer(aCustomer({ id: 600, first_name: `v${i}` }));
      counts.push(woo.webhooks().find((w) => w.id === hook.id)!.failure_count);
    }
    expect(counts).toEqual([1, 2, 3, 4, 5, 6, 6, 6]);
    expect(woo.webhooks().find((w) => w.id === hook.id)!.status).toBe('disabled');
    expect(woo.deliveries.filter((d) => d.webhookId === hook.id).map((d) => d.status)).toEqual(Array(7).fill(500));
    expect(deliveriesTo('fail')).toHaveLength(7);
    const put = await call(`/webhooks/${hook.id}`, { method: 'PUT', body: { status: 'active' } });
    expect(put.json.status).toBe('active');
    expect(woo.webhooks().find((w) => w.id === hook.id)!.failure_count).toBe(0);
    await woo.putCustomer(aCustomer({ id: 600 }));
    expect(deliveriesTo('fail')).toHaveLength(8);
  });

  test('DELETE needs force=true (else 501); with it the webhook is gone', async () => {
    const hook = await createHook('order.created');
    expect((await call(`/webhooks/${hook.id}`, { method: 'DELETE' })).status).toBe(501);
    expect((await call(`/webhooks/${hook.id}?force=true`, { method: 'DELETE' })).status).toBe(200);
    expect((await call(`/webhooks/${hook.id}`)).status).toBe(404);
  });
});
