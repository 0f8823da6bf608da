import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, FISCAL_TOKEN, createTestContext, type TestContext } from '../setup/context.js';
import { manualClock } from '../../src/platform/clock.js';
import { createSession } from '../../src/operators/operators.repository.js';
import { bootstrapTokenDigest } from '../../src/operators/operator-token.js';
import type { Role } from '../../src/operators/access-policy.js';
import { INACTIVE_MS, anOrderAt, seedOrders, startSweep, sweepSettled } from '../retention/seed.js';

/** The job dashboard (bull-board) at /admin/queues: behind the operator login, read-only for auditors, progress shown. */
const T = new Date('2026-06-01T10:00:00.000Z');
let ctx: TestContext;
beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'woo-dashboard-'));
  // maxFraction 1: the one old person of this file is all of its people; the interlock would hold the sweep back.
  ctx = await createTestContext({ dataDir, retention: { cron: '0 3 * * *', inactiveDays: 730, maxFraction: 1 } }, { clock: manualClock(T) });
  await ctx.startWorkers();
});
afterAll(async () => ctx.close());

/** A desk session as the bootstrap sign-ins open it: admin (operator) with ADMIN_TOKEN, fiscal (auditor) with FISCAL_TOKEN. */
const session = async (role: Role) => {
  const [name, token] = role === 'operator' ? ['admin', ADMIN_TOKEN] : ['fiscal', FISCAL_TOKEN];
  const s = await createSession(ctx.pool, { name, role, via: 'session', operatorId: null, tokenDigest: bootstrapTokenDigest(token) }, 3_600_000, T);
  return `woo_session=${s.value}`;
};
/** With a cookie, the call comes from the dashboard page as a browser sends it (Sec-Fetch-Site: same-origin) unless the headers say otherwise. */
const call = (method: string, url: string, headers: { authorization?: string; cookie?: string; [name: string]: string | undefined } = {}) =>
  ctx.app.inject({ method: method as 'GET', url, headers: (headers.cookie ? { 'sec-fetch-site': 'same-origin', ...headers } : headers) as Record<string, string>, payload: method === 'GET' ? undefined : {} });
/** A concrete URL for a registered bull-board route. */
const concrete = (url: string) => url.replace(/:queueName/g, 'maintenance').replace(/:jobId|:schedulerId/g, 'x')
  .replace(/:queueStatus/g, 'failed').replace(/\*$/, 'js/x.js');

describe('job dashboard at /admin/queues', () => {
  test('P2/P4: when the page, its static assets or its API are called without signing in, then 401; with a desk session or a token, they answer (and the page links no third-party fonts)', async () => {
    const page = await call('GET', '/admin/queues', { cookie: await session('operator') });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<base href="/admin/queues/" />');
    // No third party learns an operator's IP address: bull-board's Google Fonts link is gone, and the CSP allows
    // styles and fonts from this site only.
    expect(page.body).toContain('<link href="static/css/'); // the page's own stylesheet stays
    expect(page.body).not.toMatch(/fonts\.(googleapis|gstatic)\.com/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/style-src 'self' 'unsafe-inline'(;|$)/);
    expect(csp).toMatch(/font-src 'self' data:(;|$)/);
    expect(csp).not.toMatch(/https:/);
    const asset = /src="(static\/js\/main\.[^"]+\.js)"/.exec(page.body)?.[1];
    expect(asset).toBeDefined();

    for (const url of ['/admin/queues', '/admin/queues/', `/admin/queues/${asset}`, '/admin/queues/api/queues', '/admin/queues/queue/maintenance']) {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789abcdef' }, { cookie: 'woo_session=forged' }]) {
        const res = await call('GET', url, headers);
        expect({ url, headers, status: res.statusCode }).toEqual({ url, headers, status: 401 });
      }
    }
    const anon = await call('PUT', '/admin/queues/api/queues/maintenance/pause');
    expect(anon.statusCode).toBe(401);
    expect(anon.json()).toEqual({ error: 'unauthorized', message: expect.stringContaining('sign in') });
    expect(await ctx.deps.queues.maintenance.isPaused()).toBe(false);

    const cookie = await session('operator');
    const script = await call('GET', `/admin/queues/${asset}`, { cookie });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    const api = await call('GET', '/admin/queues/api/queues', { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(api.statusCode).toBe(200);
    const names = (api.json().queues as { name: string }[]).map((q) => q.name).sort();
    expect(names).toEqual(ctx.deps.queues.all.map((q) => q.name).sort());
    expect(names).toEqual(expect.arrayContaining(['mirror', 'maintenance', 'sync', 'mail', 'push-snelstart', 'push-postnl', 'push-reviews']));
  });

  test('when an auditor uses the dashboard, then it reads, every mutating call is refused with 403 and changes nothing; an operator may act', async () => {
    const auditor = await session('auditor');
    expect((await call('GET', '/admin/queues', { cookie: auditor })).statusCode).toBe(200);
    expect((await call('GET', '/admin/queues/api/queues', { cookie: auditor })).statusCode).toBe(200);

    const writes = ctx.app.routeList.filter((r) => r.url.startsWith('/admin/queues/') && !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
    expect(writes.map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining([
      'PUT /admin/queues/api/queues/:queueName/pause', 'PUT /admin/queues/api/queues/:queueName/obliterate', 'POST /admin/queues/api/queues/:queueName/add',
      'PUT /admin/queues/api/queues/:queueName/:jobId/retry', 'PATCH /admin/queues/api/queues/:queueName/:jobId/update-data',
    ]));
    for (const r of writes) {
      for (const headers of [{ cookie: auditor }, { authorization: `Bearer ${FISCAL_TOKEN}` }]) {
        const res = await call(r.method, concrete(r.url), headers);
        expect({ route: `${r.method} ${r.url}`, status: res.statusCode, body: res.json() })
          .toEqual({ route: `${r.method} ${r.url}`, status: 403, body: { error: 'forbidden', message: 'auditors have read-only access' } });
      }
    }
    expect(await ctx.deps.queues.maintenance.isPaused()).toBe(false);
    expect(await ctx.deps.queues.maintenance.getJobSchedulersCount()).toBe(0); // not obliterated, nothing added: still an empty queue
    expect(await ctx.deps.queues.maintenance.count()).toBe(0);

    // The same call from an operator goes through: the 403 was the policy, not a broken route.
    const operator = await session('operator');
    expect((await call('PUT', '/admin/queues/api/queues/maintenance/pause', { cookie: operator })).statusCode).toBe(200);
    expect(await ctx.deps.queues.maintenance.isPaused()).toBe(true);
    expect((await call('PUT', '/admin/queues/api/queues/maintenance/resume', { cookie: operator })).statusCode).toBe(200);
    expect(await ctx.deps.queues.maintenance.isPaused()).toBe(false);
  });

  test('P4: when a signed-in session\'s mutating call comes from another site, then 403 cross_site_request and nothing changes; from this site it goes through', async () => {
    const operator = await session('operator');
    const pause = '/admin/queues/api/queues/maintenance/pause';
    const host = 'companion.example';
    for (const site of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { 'sec-fetch-site': 'none' },
      { origin: 'https://evil.example', host }, { origin: 'null', host }, { host } /* neither header: an old or non-browser client */]) {
      const res = await ctx.app.inject({ method: 'PUT', url: pause, headers: { cookie: operator, ...site }, payload: {} });
      expect({ site, status: res.statusCode, body: res.json() })
        .toEqual({ site, status: 403, body: { error: 'cross_site_request', message: expect.stringContaining('this site') } });
    }
    expect(await ctx.deps.queues.maintenance.isPaused()).toBe(false);

    // Origin naming this host (directly or as the proxy forwarded it) is this site; so is Sec-Fetch-Site: same-origin.
    for (const site of [{ origin: `https://${host}`, host }, { origin: `https://${host}`, host: 'app:3000', 'x-forwarded-host': host }]) {
      expect((await ctx.app.inject({ method: 'PUT', url: pause, headers: { cookie: operator, ...site }, payload: {} })).statusCode).toBe(200);
      expect(await ctx.deps.queues.maintenance.isPaused()).toBe(true);
      expect((await call('PUT', '/admin/queues/api/queues/maintenance/resume', { cookie: operator })).statusCode).toBe(200);
    }
    // A bearer token is never sent by a browser on its own: no site check.
    expect((await call('PUT', pause, { authorization: `Bearer ${ADMIN_TOKEN}` })).statusCode).toBe(200);
    expect((await call('PUT', '/admin/queues/api/queues/maintenance/resume', { authorization: `Bearer ${ADMIN_TOKEN}` })).statusCode).toBe(200);
    expect(await ctx.deps.queues.maintenance.isPaused()).toBe(false);
    // Reading needs no site check: a cross-site GET changes nothing (and SameSite=Strict keeps the cookie off it anyway).
    expect((await ctx.app.inject({ url: '/admin/queues/api/queues', headers: { cookie: operator, 'sec-fetch-site': 'cross-site' } })).statusCode).toBe(200);
  });

  test('when a retention sweep runs, then the dashboard API shows its job with the progress the sweep reported', async () => {
    await seedOrders(ctx, [anOrderAt(new Date(T.getTime() - INACTIVE_MS - 1000))]);
    const started = await startSweep(ctx);
    expect(started.statusCode).toBe(202);
    const done = await sweepSettled(ctx, started.json().id);
    expect(done).toMatchObject({ status: 'completed', counts: expect.objectContaining({ personsErased: 1 }) });

    // The sweep's row is final a moment before its job is moved to the completed set: ask until it is there.
    const cookie = await session('auditor');
    const completedJobs = async () => {
      const res = await call('GET', '/admin/queues/api/queues?activeQueue=maintenance&status=completed&page=1&jobsPerPage=10', { cookie });
      expect(res.statusCode).toBe(200);
      return (res.json().queues as { name: string; jobs: unknown[] }[]).find((q) => q.name === 'maintenance')?.jobs ?? [];
    };
    let jobs = await completedJobs();
    for (const end = Date.now() + 10_000; !jobs.length && Date.now() < end; jobs = await completedJobs()) await new Promise((r) => setTimeout(r, 50));
    expect(jobs).toEqual([expect.objectContaining({
      id: `sweep-${done.id}`, name: 'retention-sweep', progress: { phase: 'persons', done: 1, total: 1 },
      returnValue: expect.objectContaining({ sweepId: done.id, status: 'completed' }),
    })]);
  });
});
