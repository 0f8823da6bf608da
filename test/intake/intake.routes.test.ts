import { createHash } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { createTestContext, SHOP, type TestContext, METRICS_TOKEN } from '../setup/context.js';
import { aDelivery, phpJson } from '../builders/webhooks.js';
import { anOrder } from '../builders/woocommerce.js';
import { createOfflineApp, type OfflineApp } from '../builders/offline.js';
import { isValidSignature, sign } from '../../src/intake/signature.js';

/** The intake route on real Postgres; the relay and workers stay stopped, so the inbox shows exactly what was stored. */
const SECOND_SHOP = 'https://second.shop.example/';
const FOREIGN = 'https://staging.shop.example/';
const MB = 1024 * 1024;

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ sourceAllowlist: ['https://shop.example', 'https://second.shop.example'] });
});
afterAll(async () => ctx.close());

const post = (req: InjectOptions) => ctx.app.inject(req);
async function inboxCount(): Promise<number> {
  const { rows } = await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_inbox');
  return rows[0]!.n;
}
const sha = (s: string | Buffer) => createHash('sha256').update(s).digest();
async function rowsWithBody(body: string | Buffer) {
  const { rows } = await ctx.pool.query('SELECT source, topic, webhook_id, body, body_sha256 FROM webhook_inbox WHERE body_sha256 = $1 ORDER BY id', [sha(body)]);
  return rows;
}
/** A signed delivery whose body is `body` exactly, with one header removed or replaced. */
function withHeaders(body: string, topic: string, headers: Record<string, string | undefined>) {
  const req = aDelivery(body, { topic });
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) delete req.headers[k];
    else req.headers[k] = v;
  }
  return req;
}
const ping = (headers: Record<string, string> = {}) => ({
  method: 'POST' as const, url: '/webhooks/woocommerce', payload: 'webhook_id=42',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
});

describe('POST /webhooks/woocommerce: checks in the documented order', () => {
  test('when the body is over 10 MB, then 413 with a JSON reason and nothing is stored, whatever its media type', async () => {
    const before = await inboxCount();
    const big = `{"id":1,"pad":"${'a'.repeat(10 * MB)}"}`;
    for (const contentType of ['application/json', 'text/plain']) {
      const res = await post(aDelivery(big, { topic: 'order.updated', contentType }));
      expect(res.statusCode).toBe(413);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toMatchObject({ error: 'payload_too_large', message: expect.stringMatching(/too large/i) });
    }
    expect(await inboxCount()).toBe(before);
    const metrics = await ctx.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(metrics.body).toMatch(/woo_webhook_deliveries_total\{status="rejected",reason="too_large"\} 2/);
  });

  test('when a signed body is 2 MB (over Fastify\'s 1 MB default, under 10 MB), then it is accepted', async () => {
    const body = phpJson({ ...anOrder(), customer_note: 'n'.repeat(2 * MB) });
    const res = await post(aDelivery(body, { topic: 'order.updated' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'accepted' });
    expect(await rowsWithBody(body)).toHaveLength(1);
  });

  test('when the content type is neither JSON nor form, then 415 before the signature is looked at', async () => {
    const before = await inboxCount();
    const body = phpJson(anOrder());
    for (const contentType of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) {
      const signed = await post(aDelivery(body, { topic: 'order.created', contentType }));
      const unsigned = await post(aDelivery(body, { topic: 'order.created', contentType, signature: null }));
      for (const res of [signed, unsigned]) {
        expect(res.statusCode).toBe(415);
        expect(res.json()).toMatchObject({ error: 'unsupported_media_type', message: expect.stringContaining('json') });
      }
    }
    const missing = await post(withHeaders(body, 'order.created', { 'content-type': undefined }));
    expect(missing.statusCode).toBe(415);
    expect(await inboxCount()).toBe(before);
  });

  test('when the activation ping arrives (form webhook_id=<n>, unsigned, no X-WC-* headers), then exactly 200 and no inbox row', async () => {
    const before = await inboxCount();
    const res = await post(ping());
    expect(res.statusCode).toBe(200);
    expect(await inboxCount()).toBe(before);
  });

  test('when a ping-like form body carries X-WC-* headers but no valid signature, then it is not a ping: 401', async () => {
    const res = await post(ping({ 'x-wc-webhook-topic': 'order.created' }));
    expect(res.statusCode).toBe(401);
  });

  test('when the signature is missing or wrong, then 401 with a JSON reason and nothing is stored', async () => {
    const before = await inboxCount();
    const body = phpJson(anOrder());
    const attempts = [
      aDelivery(body, { topic: 'order.created', signature: null }),
      aDelivery(body, { topic: 'order.created', secret: 'not-the-secret' }),
      aDelivery(body, { topic: 'order.created', signature: sign(`${body} `, 's3cr3t') }),
      aDelivery(body, { topic: 'order.created', signature: 'not base64 at all!' }),
      aDelivery(body, { topic: 'order.created', signature: '' }),
      // the signature is checked before the source and the topic are even considered
      aDelivery(body, { topic: 'order.created', source: FOREIGN, signature: null }),
      aDelivery(body, { topic: 'product.updated', signature: null }),
    ];
    for (const req of attempts) {
      const res = await post(req);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: 'invalid_signature', message: expect.stringContaining('X-WC-Webhook-Signature') });
    }
    expect(await inboxCount()).toBe(before);
  });

  test('when the vector from the issue is used (secret s3cr3t, body {"id":1}), then the signature matches byte for byte', async () => {
    const vector = 'z1PTSunFKhGV0B2iDV3egGE8TThlQMRrvLklMBTdxQU=';
    expect(sign('{"id":1}', 's3cr3t')).toBe(vector);
    expect(isValidSignature(Buffer.from('{"id":1}'), vector, 's3cr3t')).toBe(true);
    expect(isValidSignature(Buffer.from('{"id": 1}'), vector, 's3cr3t')).toBe(false);
    const res = await post(aDelivery('{"id":1}', { topic: 'order.deleted', source: SECOND_SHOP, signature: vector }));
    expect(res.json()).toEqual({ status: 'accepted' });
    const tampered = await post(aDelivery('{"id":1} ', { topic: 'order.deleted', source: SECOND_SHOP, signature: vector }));
    expect(tampered.statusCode).toBe(401);
  });

  test('when a correctly signed body is not valid JSON, then 400 with a reason and nothing is stored', async () => {
    const before = await inboxCount();
    for (const body of ['{"id":1,', 'not json', '']) {
      const res = await post(aDelivery(body, { topic: 'order.created' }));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_json', message: expect.any(String) });
    }
    expect(await inboxCount()).toBe(before);
  });

  test('when the topic header is missing, then 400 with a reason and nothing is stored', async () => {
    const before = await inboxCount();
    for (const topic of [undefined, '  ']) {
      const res = await post(withHeaders(phpJson(anOrder()), 'order.created', { 'x-wc-webhook-topic': topic }));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'missing_topic', message: expect.stringContaining('Topic') });
    }
    expect(await inboxCount()).toBe(before);
  });

  test('when the source is not allow-listed, then 200 {"status":"ignored"} and nothing is stored', async () => {
    const before = await inboxCount();
    for (const source of [FOREIGN, '', 'https://shop.example.evil/']) {
      const res = await post(aDelivery(anOrder(), { topic: 'order.created', source }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ignored' });
    }
    expect(await inboxCount()).toBe(before);
  });

  test('when the topic is not handled (product.updated, coupon.created), then 200 ignored and nothing is stored', async () => {
    const before = await inboxCount();
    for (const topic of ['product.updated', 'coupon.created', 'action.woocommerce_add_to_cart']) {
      const res = await post(aDelivery({ id: 5, name: 'Mok' }, { topic }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ignored' });
    }
    expect(await inboxCount()).toBe(before);
  });
});

describe('POST /webhooks/woocommerce: accepted deliveries and duplicates', () => {
  test('when a valid delivery arrives, then 200 accepted and one inbox row holds the exact raw bytes', async () => {
    // PHP escaping, odd spacing and a trailing newline: the stored bytes must be these, not a re-serialisation
    const body = `${phpJson(anOrder({ first_name: 'Zoë' }))}\n`.replace('"status":', '"status" : ');
    const res = await post(aDelivery(body, { topic: 'order.created', source: 'HTTPS://Shop.Example/', contentType: 'application/json; charset=utf-8' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'accepted' });
    const rows = await rowsWithBody(body);
    expect(rows).toHaveLength(1);
    expect(Buffer.compare(rows[0].body, Buffer.from(body, 'utf8'))).toBe(0);
    expect(rows[0]).toMatchObject({ source: 'https://shop.example', topic: 'order.created', webhook_id: '7' });
    expect(Buffer.compare(rows[0].body_sha256, sha(body))).toBe(0);
  });

  test('when the same body arrives again from the same source, then 200 duplicate and still one row', async () => {
    const body = phpJson(anOrder());
    expect((await post(aDelivery(body, { topic: 'order.updated' }))).json()).toEqual({ status: 'accepted' });
    const again = await post(aDelivery(body, { topic: 'order.updated' }));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ status: 'duplicate' });
    expect(await rowsWithBody(body)).toHaveLength(1);
  });

  test('when the same body arrives from a different allow-listed source, then it is a separate delivery', async () => {
    const body = phpJson(anOrder());
    expect((await post(aDelivery(body, { topic: 'order.created', source: SHOP }))).json()).toEqual({ status: 'accepted' });
    expect((await post(aDelivery(body, { topic: 'order.created', source: SECOND_SHOP }))).json()).toEqual({ status: 'accepted' });
    const rows = await rowsWithBody(body);
    expect(rows.map((r) => r.source).sort()).toEqual(['https://second.shop.example', 'https://shop.example']);
  });

  test('when two different bodies share one X-WC-Webhook-Delivery-ID, then both are accepted (never deduped on it)', async () => {
    const deliveryId = 'c4ca4238a0b923820dcc509a6f75849b';
    const a = phpJson(anOrder({ status: 'processing' }));
    const b = phpJson(anOrder({ status: 'completed' }));
    for (const body of [a, b]) {
      const res = await post(withHeaders(body, 'order.updated', { 'x-wc-webhook-delivery-id': deliveryId }));
      expect(res.json()).toEqual({ status: 'accepted' });
    }
    expect(await rowsWithBody(a)).toHaveLength(1);
    expect(await rowsWithBody(b)).toHaveLength(1);
  });

  test('when 50 different deliveries arrive concurrently, then all 50 are accepted and stored', async () => {
    const before = await inboxCount();
    const bodies = Array.from({ length: 50 }, () => phpJson(anOrder()));
    const responses = await Promise.all(bodies.map((b) => post(aDelivery(b, { topic: 'order.created' }))));
    expect(responses.map((r) => r.statusCode)).toEqual(bodies.map(() => 200));
    expect(responses.map((r) => r.json().status)).toEqual(bodies.map(() => 'accepted'));
    expect(await inboxCount()).toBe(before + 50);
    const { rows } = await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_inbox WHERE body_sha256 = ANY($1::bytea[])', [bodies.map(sha)]);
    expect(rows[0]!.n).toBe(50);
  });

  test('when one body arrives 20 times concurrently, then exactly one is accepted and the rest are duplicates', async () => {
    const body = phpJson(anOrder());
    const responses = await Promise.all(Array.from({ length: 20 }, () => post(aDelivery(body, { topic: 'order.created' }))));
    const statuses = responses.map((r) => r.json().status);
    expect(statuses.filter((s) => s === 'accepted')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(19);
    expect(await rowsWithBody(body)).toHaveLength(1);
  });
});

describe('GET /metrics', () => {
  const counter = (text: string, status: string, reason: string) => {
    const line = text.split('\n').find((l) => l.startsWith('woo_webhook_deliveries_total{') && l.includes(`status="${status}"`) && l.includes(`reason="${reason}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const scrape = async () => {
    const res = await ctx.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  test('when deliveries are accepted, ignored and rejected, then woo_webhook_deliveries_total counts each by status', async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i++) await post(aDelivery(anOrder(), { topic: 'order.created' }));
    await post(aDelivery(anOrder(), { topic: 'order.created', source: FOREIGN }));
    await post(aDelivery(anOrder(), { topic: 'order.created', signature: null }));
    const after = await scrape();
    expect(after).toContain('# TYPE woo_webhook_deliveries_total counter');
    expect(counter(after, 'accepted', 'order.created') - counter(before, 'accepted', 'order.created')).toBe(3);
    expect(counter(after, 'ignored', 'source') - counter(before, 'ignored', 'source')).toBe(1);
    expect(counter(after, 'rejected', 'signature') - counter(before, 'rejected', 'signature')).toBe(1);
  });
});

describe('POST /webhooks/woocommerce: when Postgres is unreachable', () => {
  let offline: OfflineApp;
  beforeAll(async () => {
    offline = await createOfflineApp();
  });
  afterAll(async () => offline.close());

  test('when a valid delivery cannot be committed, then 503 JSON asking to retry (never a 200 that was not stored)', async () => {
    const res = await offline.app.inject(aDelivery(anOrder(), { topic: 'order.created' }));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: 'unavailable', message: expect.stringContaining('retry') });
  });

  test('when anything else is sent during the outage, then it gets its usual answer and never a 5xx', async () => {
    const body = phpJson(anOrder());
    const cases: [ReturnType<typeof aDelivery> | ReturnType<typeof ping>, number][] = [
      [ping(), 200],
      [aDelivery(body, { topic: 'order.created', contentType: 'text/plain' }), 415],
      [aDelivery(body, { topic: 'order.created', signature: null }), 401],
      [aDelivery('{"id":', { topic: 'order.created' }), 400],
      [withHeaders(body, 'order.created', { 'x-wc-webhook-topic': undefined }), 400],
      [aDelivery(body, { topic: 'order.created', source: FOREIGN }), 200],
      [aDelivery(body, { topic: 'product.updated' }), 200],
    ];
    for (const [req, status] of cases) {
      const res = await offline.app.inject(req);
      expect(res.statusCode).toBe(status);
    }
    expect((await offline.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});
