import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { createLogger } from '../../src/platform/logger.js';
import { WooError, createWooClient, type WooClient, type WooClientConfig } from '../../src/woo/woo-client.js';
import { fetchOne, fetchPage } from '../../src/woo/woo-pages.js';
import { startFakeWooCommerce, type FakeWoo } from '../fakes/woocommerce.js';
import { selfSignedCert } from '../fakes/tls.js';
import { anOrder } from '../builders/woocommerce.js';

/** The typed adapter over @woocommerce/woocommerce-rest-api, against the fake shop over HTTPS. */

const log = createLogger('silent');
let fake: FakeWoo;
const clients: WooClient[] = [];
let sleep: jest.Mock<Promise<void>, [number]>;

/**
 * A tiny HTTPS server for what the fake cannot do: it records request headers, never answers /slow, and answers
 * /customers and /webhooks with bodies that are not lists of resources.
 */
let tiny: https.Server;
let tinyUrl: string;
const seen: { path: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  fake = await startFakeWooCommerce();
  fake.seedOrders(Array.from({ length: 25 }, (_, i) => anOrder({ id: i + 1 })));
  const { key, cert } = await selfSignedCert();
  tiny = https.createServer({ key, cert }, (req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    seen.push({ path, headers: req.headers });
    if (path.endsWith('/slow')) return; // never answers
    res.setHeader('content-type', 'application/json');
    const bad: Record<string, unknown> = { customers: [{ id: 'seven' }], webhooks: { code: 'oops' } };
    res.end(JSON.stringify(bad[path.split('/').at(-1)!] ?? []));
  });
  await new Promise<void>((r) => tiny.listen(0, '127.0.0.1', r));
  tinyUrl = `https://127.0.0.1:${(tiny.address() as AddressInfo).port}`;
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  tiny.closeAllConnections();
  await new Promise((r) => tiny.close(r));
  await fake.close();
});
beforeEach(() => {
  sleep = jest.fn<Promise<void>, [number]>(async () => undefined);
});

function client(o: Partial<WooClientConfig> = {}): WooClient {
  const c = createWooClient({
    url: fake.url, consumerKey: fake.consumerKey, consumerSecret: fake.consumerSecret, timeoutMs: 5000, ca: fake.ca,
    maxAttempts: 4, log, sleep, ...o,
  });
  clients.push(c);
  return c;
}
/** What the fake saw from now on. */
function requestsFrom(): () => { path: string; status: number; query: Record<string, string> }[] {
  const start = fake.requests.length;
  return () => fake.requests.slice(start);
}
async function failure(p: Promise<unknown>): Promise<WooError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(WooError);
  return err as WooError;
}

describe('authentication', () => {
  test('when the credentials are right, then Basic auth over HTTPS reads orders (not query-string auth)', async () => {
    const since = requestsFrom();
    const res = await client().get('orders', { per_page: 5 });
    expect((res.data as { id: number }[]).length).toBe(5);
    expect(since()).toEqual([expect.objectContaining({ path: '/wp-json/wc/v3/orders', status: 200 })]);
    expect(since()[0]!.query).not.toHaveProperty('consumer_key');
    expect(since()[0]!.query).not.toHaveProperty('consumer_secret');
  });

  test('when the secret is wrong, then WooError 401 with WooCommerce\'s code, asked once and never retried', async () => {
    const since = requestsFrom();
    const err = await failure(client({ consumerSecret: 'cs_wrong' }).get('orders'));
    expect(err).toMatchObject({ status: 401, code: 'woocommerce_rest_authentication_error', retryable: false });
    expect(err.message).not.toContain('cs_wrong');
    expect(since().map((r) => r.status)).toEqual([401]);
    expect(sleep).not.toHaveBeenCalled();
  });

  test('when the shop\'s certificate is not trusted, then a non-retryable error after one attempt', async () => {
    const since = requestsFrom();
    const err = await failure(client({ ca: null }).get('orders'));
    expect(err).toMatchObject({ status: null, retryable: false });
    expect(err.code).toMatch(/SELF_SIGNED|CERT/);
    expect(sleep).not.toHaveBeenCalled();
    expect(since()).toHaveLength(0);
  });
});

describe('retries', () => {
  test('when the shop answers 429 with Retry-After, then the client waits that long and succeeds', async () => {
    const since = requestsFrom();
    fake.failNext(1, { status: 429, retryAfterSeconds: 7 });
    const res = await client().get('orders');
    expect(Array.isArray(res.data)).toBe(true);
    expect(since().map((r) => r.status)).toEqual([429, 200]);
    expect(sleep).toHaveBeenCalledTimes(1);
    expect(sleep.mock.calls[0]![0]).toBe(7000);
  });

  test('when the shop answers 500 twice, then two backoff waits (0.25–0.5 s, then 0.5–1 s) and the third try succeeds', async () => {
    const since = requestsFrom();
    fake.failNext(2, { status: 500 });
    await client().get('orders');
    expect(since().map((r) => r.status)).toEqual([500, 500, 200]);
    const waits = sleep.mock.calls.map(([ms]) => ms);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(250);
    expect(waits[0]).toBeLessThanOrEqual(500);
    expect(waits[1]).toBeGreaterThanOrEqual(500);
    expect(waits[1]).toBeLessThanOrEqual(1000);
  });

  test('when 503 lasts longer than maxAttempts, then a retryable WooError after exactly maxAttempts requests', async () => {
    const since = requestsFrom();
    fake.failNext(3, { status: 503 });
    const err = await failure(client({ maxAttempts: 3 }).get('orders'));
    expect(err).toMatchObject({ status: 503, code: 'service_unavailable', retryable: true });
    expect(since().map((r) => r.status)).toEqual([503, 503, 503]);
    expect(sleep).toHaveBeenCalledTimes(2);
  });

  test('when nothing listens on the port, then a retryable network error after maxAttempts tries', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise((r) => probe.close(r));
    const err = await failure(client({ url: `https://127.0.0.1:${port}`, maxAttempts: 3 }).get('orders'));
    expect(err).toMatchObject({ status: null, code: 'ECONNREFUSED', retryable: true });
    expect(sleep).toHaveBeenCalledTimes(2);
  });

  test('when the shop answers 404, then WooError 404 without retry; fetchOne reads it as "deleted" (null)', async () => {
    const since = requestsFrom();
    const err = await failure(client().get('orders/99999'));
    expect(err).toMatchObject({ status: 404, code: 'woocommerce_rest_shop_order_invalid_id', retryable: false });
    expect(await fetchOne(client(), 'orders', 99999)).toBeNull();
    expect((await fetchOne(client(), 'orders', 7))?.id).toBe(7);
    expect(since().map((r) => r.status)).toEqual([404, 404, 200]);
    expect(sleep).not.toHaveBeenCalled();
  });
});

describe('transport', () => {
  test('when the shop sends 24 KB of response headers, then the request still succeeds', async () => {
    fake.oversizedHeaders(true);
    try {
      const res = await client().get('orders', { per_page: 1 });
      expect((res.data as unknown[]).length).toBe(1);
      expect(String(res.headers['x-wp-deprecatedfunction']).length).toBeGreaterThan(20_000);
    } finally {
      fake.oversizedHeaders(false);
    }
    expect(sleep).not.toHaveBeenCalled();
  });

  test('when the shop does not answer within timeoutMs, then the request fails with a retryable timeout', async () => {
    const before = seen.filter((s) => s.path.endsWith('/slow')).length;
    const started = Date.now();
    const err = await failure(client({ url: tinyUrl, timeoutMs: 300, maxAttempts: 2 }).get('slow'));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err).toMatchObject({ status: null, retryable: true });
    expect(err.code).toMatch(/ECONNABORTED|ETIMEDOUT/);
    expect(seen.filter((s) => s.path.endsWith('/slow')).length - before).toBe(2);
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  test('when a request is sent, then the library\'s own headers arrive (no axiosConfig.headers override)', async () => {
    await client({ url: tinyUrl }).get('orders', { per_page: 1 });
    const last = seen.at(-1)!;
    expect(last.path).toBe('/wp-json/wc/v3/orders');
    expect(last.headers['user-agent']).toMatch(/^WooCommerce REST API - JS Client\/1\.0\.\d+$/);
    expect(last.headers.accept).toContain('application/json');
    expect(last.headers.authorization).toBe(`Basic ${Buffer.from(`${fake.consumerKey}:${fake.consumerSecret}`).toString('base64')}`);
  });
});

describe('fetchPage', () => {
  test('when a page is read, then items, X-WP-Total and X-WP-TotalPages come back; per_page defaults to 100', async () => {
    const since = requestsFrom();
    const page = await fetchPage(client(), 'orders', { orderby: 'id', order: 'asc', per_page: 10 }, 2);
    expect(page.items.map((o) => o.id)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect([page.total, page.totalPages]).toEqual([25, 3]);
    const all = await fetchPage(client(), 'orders', { orderby: 'id', order: 'asc' }, 1);
    expect([all.items.length, all.total, all.totalPages]).toEqual([25, 25, 1]);
    expect(since().map((r) => [r.query.page, r.query.per_page])).toEqual([['2', '10'], ['1', '100']]);
  });

  test('when the shop answers with an unexpected shape, then a non-retryable invalid_response error', async () => {
    const c = client({ url: tinyUrl });
    expect(await fetchPage(c, 'orders', {}, 1)).toEqual({ items: [], total: 0, totalPages: 0 });
    for (const endpoint of ['customers', 'webhooks'] as const) {
      const err = await failure(fetchPage(c, endpoint, {}, 1));
      expect(err).toMatchObject({ status: null, code: 'invalid_response', retryable: false });
    }
    expect(sleep).not.toHaveBeenCalled();
  });
});
