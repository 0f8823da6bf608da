import { ADMIN_TOKEN, FISCAL_TOKEN, createTestContext, type TestContext } from '../setup/context.js';
import { createSession } from '../../src/operators/operators.repository.js';
import { bootstrapTokenDigest } from '../../src/operators/operator-token.js';

/** OpenAPI at /docs: behind operator auth, every registered route documented from its zod schemas, and docs only. */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
type Op = {
  summary?: string; security?: unknown[];
  requestBody?: { content: Record<string, { example?: unknown; schema?: { required?: string[] } }> };
  parameters?: { name: string; example?: unknown }[];
  responses: Record<string, { content?: Record<string, { example?: unknown }> }>;
};
type Spec = { paths: Record<string, Record<string, Op>> };
const spec = async (): Promise<Spec> => {
  const res = await ctx.app.inject({ url: '/docs/json', headers: admin });
  expect(res.statusCode).toBe(200);
  return res.json();
};
/** The OpenAPI path of a registered route: /x/:id → /x/{id}, a wildcard → {*}, no trailing slash. */
const pathOf = (url: string) => url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{*}').replace(/(.)\/$/, '$1');
const hasExample = (op: Op) =>
  Object.values(op.requestBody?.content ?? {}).some((m) => m.example !== undefined)
  || (op.parameters ?? []).some((p) => p.example !== undefined)
  || Object.values(op.responses).some((r) => Object.values(r.content ?? {}).some((m) => m.example !== undefined));

describe('API docs at /docs', () => {
  test('when /docs, its JSON or its UI assets are opened without signing in, then 401; with a token or a desk session, they load', async () => {
    for (const url of ['/docs', '/docs/json', '/docs/yaml', '/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-initializer.js']) {
      expect({ url, status: (await ctx.app.inject({ url })).statusCode }).toEqual({ url, status: 401 });
      expect({ url, status: (await ctx.app.inject({ url, headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).statusCode }).toEqual({ url, status: 401 });
    }
    const page = await ctx.app.inject({ url: '/docs', headers: admin });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    // An auditor reads the docs too, and a browser signed in at the desk loads the UI's assets with its cookie.
    expect((await ctx.app.inject({ url: '/docs/json', headers: { authorization: `Bearer ${FISCAL_TOKEN}` } })).statusCode).toBe(200);
    const { value } = await createSession(ctx.pool, { name: 'admin', role: 'operator', via: 'session', operatorId: null, tokenDigest: bootstrapTokenDigest(ADMIN_TOKEN) }, 3_600_000, new Date());
    const asset = await ctx.app.inject({ url: '/docs/static/swagger-ui-bundle.js', cookies: { woo_session: value } });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  test('when the OpenAPI document is read, then every registered route is in it with a summary and an example', async () => {
    const doc = await spec();
    const routes = ctx.app.routeList.filter((r) => r.method !== 'HEAD' && r.url !== '/docs' && !r.url.startsWith('/docs/'));
    expect(routes.length).toBeGreaterThan(40);
    const problems = routes.flatMap((r) => {
      const op = doc.paths[pathOf(r.url)]?.[r.method.toLowerCase()];
      if (!op) return [`${r.method} ${r.url}: not in /docs`];
      return [...(op.summary ? [] : [`${r.method} ${r.url}: no summary`]), ...(hasExample(op) ? [] : [`${r.method} ${r.url}: no example`])];
    });
    expect(problems).toEqual([]);
    // Spot checks: the input schema is the handler's zod schema, and the policy decides who may call.
    const hold = doc.paths['/api/legal-holds']!.post!;
    expect(hold.requestBody!.content['application/json']!.schema!.required).toEqual(['email', 'reason']);
    expect(hold.security).toEqual([{ bearer: [] }, { session: [] }]);
    expect(Object.keys(hold.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403']));
    expect(doc.paths['/webhooks/woocommerce']!.post!.security).toEqual([]);
    expect(doc.paths['/metrics']!.get!.security).toEqual([{ metrics: [] }]);
    expect(doc.paths['/api/privacy-requests/{id}/extend']!.post!.parameters).toEqual(
      [expect.objectContaining({ in: 'path', name: 'id', required: true, example: expect.any(String) })]);
  });

  test('when a documented route gets bad input, then our zod 400 answers as before, and the documented 400 is that same answer', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/legal-holds', headers: admin, payload: { email: 'not-an-email', reason: 'tax inspection' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid_request', message: 'email: expected an email address', reqId: expect.any(String) });
    const filed = await ctx.app.inject({ method: 'POST', url: '/api/privacy-requests', headers: admin, payload: { type: 'delete', email: 'jan@example.com' } });
    expect(filed.statusCode).toBe(400);
    expect(filed.json()).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(/^type: type must be one of access, /) });

    const documented = (await spec()).paths['/api/legal-holds']!.post!.responses['400']!.content!['application/json']!.example as { message: string };
    const same = await ctx.app.inject({ method: 'POST', url: '/api/legal-holds', headers: admin, payload: { email: 'jan', reason: 'x' } });
    expect(same.json()).toEqual({ ...documented, reqId: expect.any(String) });
    expect(documented.message).toBe('email: expected an email address; reason: say why (at least 3 characters)');
  });

  test('when a documented route answers, then no response schema trims it: the answer has every field its example shows', async () => {
    const doc = await spec();
    const example = doc.paths['/api/legal-holds']!.post!.responses['201']!.content!['application/json']!.example as object;
    const res = await ctx.app.inject({ method: 'POST', url: '/api/legal-holds', headers: admin, payload: { email: 'held@example.com', reason: 'tax inspection' } });
    expect(res.statusCode).toBe(201);
    expect(Object.keys(res.json()).sort()).toEqual(Object.keys(example).sort());
    const preview = doc.paths['/api/retention/preview']!.get!.responses['200']!.content!['application/json']!.example as object;
    const live = (await ctx.app.inject({ url: '/api/retention/preview', headers: admin })).json();
    expect(Object.keys(live).sort()).toEqual(Object.keys(preview).sort());
  });
});
