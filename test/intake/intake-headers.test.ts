import { createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { anOrder } from '../builders/woocommerce.js';

/**
 * The webhook answers JSON to a server, so it carries the security headers that matter for JSON instead of helmet's
 * page headers; every other route keeps helmet's. Its request log lines still carry the request id.
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const JSON_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
};

describe('POST /webhooks/woocommerce: response headers', () => {
  test('when a delivery is accepted, refused (401), or of the wrong media type (415), then each answer carries the JSON security headers', async () => {
    const accepted = await ctx.app.inject(aDelivery(anOrder(), { topic: 'order.created' }));
    const unsigned = await ctx.app.inject(aDelivery(anOrder(), { topic: 'order.created', signature: null }));
    const text = await ctx.app.inject(aDelivery(anOrder(), { topic: 'order.created', contentType: 'text/plain' }));
    expect([accepted.statusCode, unsigned.statusCode, text.statusCode]).toEqual([200, 401, 415]);
    for (const res of [accepted, unsigned, text]) {
      expect(res.headers).toMatchObject(JSON_HEADERS);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      // helmet's page-only headers are not sent on the webhook
      expect(res.headers['origin-agent-cluster']).toBeUndefined();
    }
  });

  test('when another route answers, then helmet\'s headers are unchanged there', async () => {
    const res = await ctx.app.inject({ url: '/healthz' });
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['origin-agent-cluster']).toBe('?1');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  test('when a delivery is logged at info, then its incoming and completed lines carry the same request id', async () => {
    const before = ctx.logs.length;
    const res = await ctx.app.inject(aDelivery(anOrder(), { topic: 'order.updated' }));
    expect(res.statusCode).toBe(200);
    const lines = ctx.logs.slice(before).map((l) => JSON.parse(l) as { reqId?: string; msg?: string });
    const incoming = lines.find((l) => l.msg === 'incoming request');
    const completed = lines.find((l) => l.msg === 'request completed');
    expect(incoming?.reqId).toEqual(expect.any(String));
    expect(completed?.reqId).toBe(incoming?.reqId);
  });
});
