import { createTestContext, type TestContext } from '../setup/context.js';
import { accessFor } from '../../src/operators/access-policy.js';
import { createOperator, revoke } from '../../src/operators/operators.service.js';

/** P4: every registered route that is not public refuses anonymous and wrong-token requests. */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const PUBLIC = ['POST /webhooks/woocommerce', 'GET /healthz', 'GET /readyz', 'GET /verify/:token', 'POST /verify/:token'];
const concrete = (url: string) => url.replace(/:wcOrderId|:id|:processor|:token/g, (m) =>
  ({ ':wcOrderId': '1001', ':id': '00000000-0000-4000-8000-000000000000', ':processor': 'snelstart', ':token': 'x'.repeat(43) })[m]!).replace(/\*$/, 'x');

describe('P4 every route is behind authentication unless public by design', () => {
  test('when every registered route is called anonymously and with a wrong token, then each non-public one answers 401', async () => {
    const routes = ctx.app.routeList.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThan(30);
    const checked: string[] = [];
    for (const r of routes) {
      const access = accessFor(r.method, r.url);
      if (access.kind === 'public') continue;
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdefghij', `Bearer woo_op_${900000 + checked.length}_${'a'.repeat(48)}`]) {
        const res = await ctx.app.inject({ method: r.method as 'GET', url: concrete(r.url), headers: authorization ? { authorization } : {}, payload: r.method === 'GET' ? undefined : {} });
        const toSignIn = r.method === 'GET' && r.url.startsWith('/desk') && res.statusCode === 302 && String(res.headers.location).startsWith('/desk/login');
        if (res.statusCode !== 401 && !toSignIn) throw new Error(`${r.method} ${r.url} answered ${res.statusCode} to ${authorization ?? 'no token'}`);
      }
      checked.push(`${r.method} ${r.url}`);
    }
    expect(checked).toEqual(expect.arrayContaining(['GET /api/customers', 'POST /api/privacy-requests', 'GET /api/fiscal-archive', 'GET /metrics', 'POST /api/erasures']));
    const publicOnes = routes.filter((r) => accessFor(r.method, r.url).kind === 'public').map((r) => `${r.method} ${r.url}`);
    for (const p of publicOnes) expect([...PUBLIC, 'GET /desk/login', 'POST /desk/login']).toContain(p.replace(/^GET \/desk\/assets\/.*$/, 'GET /desk/login'));
  });

  test('when an unknown path under /api is called anonymously, then 401 (route names cannot be probed); signed in, 404', async () => {
    for (const url of ['/api/nonexistent', '/api/customers/1/x', '/api/']) {
      const anonymous = await ctx.app.inject({ method: 'GET', url });
      expect([url, anonymous.statusCode, anonymous.json().error]).toEqual([url, 401, 'unauthorized']);
      const signedIn = await ctx.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${ctx.config.secrets.adminToken}` } });
      expect([url, signedIn.statusCode]).toEqual([url, 404]);
    }
    expect((await ctx.app.inject({ method: 'GET', url: '/nonexistent' })).statusCode).toBe(404);
    // Nor does a body give it away: malformed or oversized, an unknown path still answers 401 first.
    for (const payload of ['{bad', `{"x":"${'a'.repeat(2 * 1024 * 1024)}"}`]) {
      const res = await ctx.app.inject({ method: 'POST', url: '/api/nonexistent', headers: { 'content-type': 'application/json' }, payload });
      expect(res.statusCode).toBe(401);
    }
  });

  test('when an auditor account reads and tries to write, then reads work, writes are 403, and the fiscal archive opens', async () => {
    const { token } = await createOperator(ctx.pool, { name: `audrey-${Date.now()}`, role: 'auditor', ttlDays: 90, now: new Date() });
    const as = (method: 'GET' | 'POST', url: string, payload?: object) =>
      ctx.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload });
    expect((await as('GET', '/api/retention/preview')).statusCode).toBe(200);
    expect((await as('POST', '/api/retention/sweeps', {})).statusCode).toBe(403);
    expect((await as('GET', '/api/fiscal-archive?invoiceNumber=WC-1')).statusCode).toBe(404);
  });

  test('when an operator account is used, then it works until revoked or expired, and the operator role never reads the fiscal archive', async () => {
    const name = `otto-${Date.now()}`;
    const { token } = await createOperator(ctx.pool, { name, role: 'operator', ttlDays: 90, now: new Date() });
    const get = (url: string, t = token) => ctx.app.inject({ url, headers: { authorization: `Bearer ${t}` } });
    expect((await get('/api/retention/preview')).statusCode).toBe(200);
    expect((await get('/api/fiscal-archive?invoiceNumber=WC-1')).statusCode).toBe(403);
    // A wrong secret for the same account id is refused.
    expect((await get('/api/retention/preview', token.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')))).statusCode).toBe(401);
    const expired = await createOperator(ctx.pool, { name: `old-${Date.now()}`, role: 'operator', ttlDays: 1, now: new Date(Date.now() - 2 * 86_400_000) });
    expect((await get('/api/retention/preview', expired.token)).statusCode).toBe(401);
    await revoke(ctx.pool, name);
    // The process that just verified the token (and remembers its scrypt match) refuses it at once, as does a new one.
    expect((await get('/api/retention/preview')).statusCode).toBe(401);
    const fresh = await createTestContext();
    try {
      const res = await fresh.app.inject({ url: '/api/retention/preview', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(401);
    } finally {
      await fresh.close();
    }
  });

  test('when an account is re-created with a new secret and another role, then the old token stops at once and the new one has the new role', async () => {
    const name = `rita-${Date.now()}`;
    const first = await createOperator(ctx.pool, { name, role: 'operator', ttlDays: 90, now: new Date() });
    const get = (url: string, t: string) => ctx.app.inject({ url, headers: { authorization: `Bearer ${t}` } });
    expect((await get('/api/retention/preview', first.token)).statusCode).toBe(200);
    const second = await createOperator(ctx.pool, { name, role: 'auditor', ttlDays: 90, now: new Date() });
    expect((await get('/api/retention/preview', first.token)).statusCode).toBe(401);
    expect((await get('/api/fiscal-archive?invoiceNumber=WC-1', second.token)).statusCode).toBe(404);
  });

  test('when an operator acts or reads a person, then the audit trail names them', async () => {
    const name = `ada-${Date.now()}`;
    const { token } = await createOperator(ctx.pool, { name, role: 'operator', ttlDays: 90, now: new Date() });
    await ctx.app.inject({ url: '/api/customers?email=nobody@example.com', headers: { authorization: `Bearer ${token}` } });
    await ctx.app.inject({ method: 'POST', url: '/api/legal-holds', headers: { authorization: `Bearer ${token}` }, payload: { email: 'held@example.com', reason: 'tax inspection' } });
    const { rows } = await ctx.pool.query(`SELECT action FROM audit_log WHERE actor = $1 ORDER BY id`, [name]);
    expect(rows.map((r) => r.action)).toEqual(['operator.read GET /api/customers', 'operator.action POST /api/legal-holds']);
  });
});
