import fc from 'fast-check';
import { createTestContext, SHOP, WEBHOOK_SECRET, type TestContext } from '../setup/context.js';
import { sign } from '../../src/intake/signature.js';

/**
 * Property-based fuzzing of the webhook endpoint (fast-check, fixed seed): random bodies, headers, content types,
 * sizes and signatures. Every answer is 2xx or 4xx, never 5xx, the process never crashes, and nothing is stored for
 * a bad signature. Workers stay stopped, so the inbox shows exactly what was accepted.
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const inboxCount = async () => (await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_inbox')).rows[0]!.n;

const body = fc.oneof(
  fc.string({ maxLength: 2000 }),
  fc.json({ maxDepth: 4 }),
  fc.uint8Array({ maxLength: 4000 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.constantFrom('', '{}', '[]', 'null', '{"id":1}', '{"id":-1}', '{"id":"x"}', '{"webhook_id":"7"}', '\u0000', '{"a":"\\u0000"}'),
);
const contentType = fc.constantFrom(
  'application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml', '', 'multipart/form-data; boundary=x',
);
const topic = fc.oneof(fc.constantFrom('order.created', 'order.updated', 'order.deleted', 'customer.created', 'customer.deleted', 'action.woocommerce_x', ''), fc.string({ maxLength: 40 }));
const signature = fc.constantFrom('valid', 'wrong', 'missing', 'garbage');
const source = fc.constantFrom(SHOP, 'https://staging.shop.example/', '', 'not a url');

describe('webhook endpoint under random input', () => {
  test('when random bodies, headers, content types and signatures arrive, then every answer is 2xx/4xx and a bad signature stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(body, contentType, topic, signature, source, fc.boolean(), async (b, ct, t, sig, src, withResource) => {
        const headers: Record<string, string> = { 'x-wc-webhook-source': src, 'x-wc-webhook-topic': t, 'x-wc-webhook-delivery-id': 'fuzz' };
        if (ct) headers['content-type'] = ct;
        if (withResource) headers['x-wc-webhook-resource'] = t.split('.')[0] ?? '';
        if (sig === 'valid') headers['x-wc-webhook-signature'] = sign(b, WEBHOOK_SECRET);
        if (sig === 'wrong') headers['x-wc-webhook-signature'] = sign(b, 'not-the-secret');
        if (sig === 'garbage') headers['x-wc-webhook-signature'] = '%%%not base64%%%';
        const before = sig === 'valid' ? 0 : await inboxCount();
        const res = await ctx.app.inject({ method: 'POST', url: '/webhooks/woocommerce', headers, payload: b });
        if (res.statusCode >= 500 || res.statusCode < 200) throw new Error(`answered ${res.statusCode} for ${sig} ${JSON.stringify(ct)} ${JSON.stringify(t)}`);
        if (sig !== 'valid' && (await inboxCount()) !== before) throw new Error(`a ${sig} signature stored a row`);
      }),
      { numRuns: 300, seed: 20261126 },
    );
    // The process is alive and the endpoint still works for a proper delivery.
    expect((await ctx.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  }, 120_000);
});
