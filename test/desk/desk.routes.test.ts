import type { LightMyRequestResponse } from 'fastify';
import { createOperator, revoke } from '../../src/operators/operators.service.js';
import { sessionHash } from '../../src/operators/operators.repository.js';
import { bootstrapTokenDigest } from '../../src/operators/operator-token.js';
import { ADMIN_TOKEN, FISCAL_TOKEN } from '../setup/context.js';
import { type DsrWorld, startDsrWorld } from '../dsr/world.js';

/** The desk over HTTP (inject): sign-in and its cookies, CSRF, roles, flash messages, actions, audit, rate limit. */

let world: DsrWorld;
beforeAll(async () => {
  world = await startDsrWorld();
}, 60_000);
afterAll(async () => world?.close());

const app = () => world.ctx.app;
const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const hidden = (body: string, name = '_csrf') => new RegExp(`name="${name}" value="([^"]*)"`).exec(body)?.[1] ?? '';
const cookieOf = (res: LightMyRequestResponse, name: string) => res.cookies.find((c) => c.name === name);

interface Session { cookie: string; csrf: string }

// Sign-ins are limited per client address: each sign-in here comes from its own address unless one is given.
let clients = 0;
async function signIn(name: string, token: string, extra: { headers?: Record<string, string>; next?: string; from?: string } = {}) {
  const page = await app().inject({ url: '/desk/login' });
  const pre = cookieOf(page, 'woo_login_csrf')!.value;
  return app().inject({
    method: 'POST', url: '/desk/login', headers: { ...FORM, ...extra.headers }, cookies: { woo_login_csrf: pre }, remoteAddress: extra.from ?? `10.0.0.${++clients}`,
    payload: form({ name, token, _csrf: hidden(page.body), ...(extra.next ? { next: extra.next } : {}) }),
  });
}

async function session(name: string, token: string): Promise<Session> {
  const res = await signIn(name, token);
  expect(res.statusCode).toBe(303);
  const cookie = cookieOf(res, 'woo_session')!.value;
  const desk = await app().inject({ url: '/desk', cookies: { woo_session: cookie } });
  return { cookie, csrf: hidden(desk.body) };
}

/** A desk form posted by the browser from a desk page (Sec-Fetch-Site: same-origin, as every current browser sends). */
const post = (s: Session, url: string, fields: Record<string, string> = {}, csrf: string | null = s.csrf) =>
  app().inject({ method: 'POST', url, headers: { ...FORM, 'sec-fetch-site': 'same-origin' }, cookies: { woo_session: s.cookie }, payload: form({ ...fields, ...(csrf === null ? {} : { _csrf: csrf }) }) });
const get = (s: Session, url: string, flash?: string) => app().inject({ url, cookies: { woo_session: s.cookie, ...(flash ? { woo_flash: flash } : {}) } });
/** Follows a desk action's redirect, carrying its flash cookie, and returns the page text. */
async function after(s: Session, res: LightMyRequestResponse): Promise<string> {
  expect(res.statusCode).toBe(303);
  return (await get(s, res.headers.location as string, cookieOf(res, 'woo_flash')?.value)).body;
}

describe('signing in to the desk', () => {
  test('when an operator signs in, then the session cookie is HttpOnly, SameSite=Strict, Path=/, Secure only behind TLS, and the sign-in is audited', async () => {
    const { token } = await createOperator(world.ctx.pool, { name: 'sam', role: 'operator', ttlDays: 90, now: new Date() });
    const plain = await signIn('sam', token, { next: '/desk/retention' });
    expect(plain.statusCode).toBe(303);
    expect(plain.headers.location).toBe('/desk/retention');
    expect(cookieOf(plain, 'woo_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookieOf(plain, 'woo_session')!.secure).toBeFalsy();
    const tls = await signIn('sam', token, { headers: { 'x-forwarded-proto': 'https' } });
    expect(cookieOf(tls, 'woo_session')!.secure).toBe(true);
    const { rows } = await world.ctx.pool.query(`SELECT count(*)::int AS n FROM audit_log WHERE actor = 'sam' AND action = 'operator.signed_in'`);
    expect(rows[0].n).toBe(2);
  });

  test('when the name does not match the token, the account is revoked, or the form lacks its token, then no session starts', async () => {
    const { token } = await createOperator(world.ctx.pool, { name: 'rita', role: 'operator', ttlDays: 90, now: new Date() });
    const wrongName = await signIn('sam', token);
    expect(wrongName.statusCode).toBe(401);
    expect(wrongName.body).toContain('Wrong name or token');
    expect(cookieOf(wrongName, 'woo_session')).toBeUndefined();
    expect((await signIn('admin', FISCAL_TOKEN)).statusCode).toBe(401); // the fiscal token is not the admin's
    const noCsrf = await app().inject({ method: 'POST', url: '/desk/login', headers: FORM, payload: form({ name: 'rita', token }), remoteAddress: '10.1.0.1' });
    expect(noCsrf.statusCode).toBe(403);
    await revoke(world.ctx.pool, 'rita');
    expect((await signIn('rita', token)).statusCode).toBe(401);
  });

  test('when an account is re-created (a new token, here a new role), then its desk sessions end', async () => {
    const { token } = await createOperator(world.ctx.pool, { name: 'rotated', role: 'operator', ttlDays: 90, now: new Date() });
    const s = await session('rotated', token);
    expect((await get(s, '/desk')).statusCode).toBe(200);
    const other = await session('admin', ADMIN_TOKEN);
    await createOperator(world.ctx.pool, { name: 'rotated', role: 'auditor', ttlDays: 90, now: new Date() });
    expect((await get(s, '/desk')).headers.location).toBe('/desk/login?next=%2Fdesk');
    expect((await get(other, '/desk')).statusCode).toBe(200); // nobody else's
  });

  test('P4, P13: when ADMIN_TOKEN or FISCAL_TOKEN changed (or is unset) since a desk sign-in with it, then that session ends; operator accounts\' sessions are untouched', async () => {
    const admin = await session('admin', ADMIN_TOKEN);
    const fiscal = await session('fiscal', FISCAL_TOKEN);
    expect((await get(admin, '/desk')).statusCode).toBe(200);
    expect((await get(fiscal, '/api/fiscal-archive?invoiceNumber=X')).statusCode).not.toBe(401);
    // As if each session had been opened with the token configured before: the one configured now is another.
    const openedWith = (s: Session, token: string | null) => world.ctx.pool.query('UPDATE operator_sessions SET token_digest = $2 WHERE id_hash = $1',
      [sessionHash(s.cookie), token === null ? null : bootstrapTokenDigest(token)]);
    await openedWith(admin, 'the-admin-token-before-rotation-0123456789abcdef');
    await openedWith(fiscal, null); // a session from before this rule: it holds no digest
    expect((await get(admin, '/desk')).headers.location).toBe('/desk/login?next=%2Fdesk');
    expect((await get(admin, '/api/customers?email=a%40example.com')).statusCode).toBe(401);
    expect((await get(fiscal, '/api/fiscal-archive?invoiceNumber=X')).statusCode).toBe(401);
    expect((await get(await session('admin', ADMIN_TOKEN), '/desk')).statusCode).toBe(200); // signing in again works
  });

  test('when the next page is another site, then sign-in lands on the desk instead (no open redirect)', async () => {
    for (const next of ['//evil.example/desk', 'https://evil.example/', '/desk/../api/customers?x=1//']) {
      expect((await signIn('admin', ADMIN_TOKEN, { next })).headers.location).toBe('/desk');
    }
  });

  test('when signed out, then the old cookie no longer opens the desk', async () => {
    const s = await session('admin', ADMIN_TOKEN);
    expect((await get(s, '/desk')).statusCode).toBe(200);
    const out = await post(s, '/desk/logout');
    expect(out.headers.location).toBe('/desk/login');
    const again = await get(s, '/desk');
    expect(again.statusCode).toBe(302);
    expect(again.headers.location).toBe('/desk/login?next=%2Fdesk');
  });
});

describe('desk pages and actions', () => {
  test('when a page is served, then it is HTML with security headers, not cached, and its forms carry the session CSRF token', async () => {
    const s = await session('admin', ADMIN_TOKEN);
    const res = await get(s, '/desk');
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['cache-control']).toBe('no-store');
    // Not no-referrer: under it a browser's own form posts carry Origin: null, which the same-site check cannot accept.
    expect(res.headers['referrer-policy']).toBe('same-origin');
    const forms = res.body.match(/<form[^>]*method="post"[\s\S]*?<\/form>/g)!;
    expect(forms.length).toBeGreaterThanOrEqual(2); // sign out, file a request
    for (const f of forms) expect(f).toContain(`name="_csrf" value="${s.csrf}"`);
    const css = await app().inject({ url: '/desk/assets/desk.css' }); // public, no session
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
  });

  test('P4: when a POST lacks the CSRF token, carries a wrong one, comes from another site, or with a bearer token instead of a session, then 403', async () => {
    const s = await session('admin', ADMIN_TOKEN);
    expect((await post(s, '/desk/requests', { type: 'erasure', email: 'x@example.nl' }, null)).statusCode).toBe(403);
    expect((await post(s, '/desk/requests', { type: 'erasure', email: 'x@example.nl' }, 'nope')).statusCode).toBe(403);
    const bearer = await app().inject({ method: 'POST', url: '/desk/requests', headers: { ...FORM, authorization: `Bearer ${ADMIN_TOKEN}` }, payload: form({ type: 'erasure', email: 'x@example.nl' }) });
    expect(bearer.statusCode).toBe(403);
    expect(bearer.headers['content-type']).toContain('text/html');
    // The right token, but the form was posted from another site's page: refused before the action runs.
    const crossSite = await app().inject({ method: 'POST', url: '/desk/requests', headers: { ...FORM, 'sec-fetch-site': 'cross-site' },
      cookies: { woo_session: s.cookie }, payload: form({ type: 'erasure', email: 'x@example.nl', _csrf: s.csrf }) });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.body).toContain('this site');
    // A browser that sends no Sec-Fetch-Site (Safari < 16.4) still gets through from a desk page: Origin names this host.
    const oldBrowser = await app().inject({ method: 'POST', url: '/desk/requests', headers: { ...FORM, host: 'desk.example', origin: 'https://desk.example' },
      cookies: { woo_session: s.cookie }, payload: form({ type: 'erasure', email: 'old.browser@example.nl', lang: 'en', _csrf: s.csrf }) });
    expect(oldBrowser.headers.location).toMatch(/^\/desk\/requests\/[0-9a-f-]{36}$/);
    expect((await world.ctx.pool.query(`SELECT 1 FROM privacy_requests WHERE email = 'old.browser@example.nl'`)).rowCount).toBe(1);
    expect((await world.ctx.pool.query(`SELECT 1 FROM privacy_requests WHERE email = 'x@example.nl'`)).rowCount).toBe(0);
  });

  test('when an auditor (FISCAL_TOKEN) is signed in, then pages show no action forms and a POST with a valid token is refused', async () => {
    const filed = (await world.fileRequest('erasure', 'audit.me@example.nl')).body.id as string;
    const s = await session('fiscal', FISCAL_TOKEN);
    for (const url of ['/desk', `/desk/requests/${filed}`, '/desk/pushes']) {
      const body = (await get(s, url)).body;
      expect(body.replace(/<form class="inline" method="post" action="\/desk\/logout">[\s\S]*?<\/form>/, '')).not.toContain('method="post"');
    }
    const res = await post(s, `/desk/requests/${filed}/reject`, { reason: 'not allowed for auditors' });
    expect(res.statusCode).toBe(403);
    expect((await world.ctx.pool.query('SELECT status FROM privacy_requests WHERE id = $1', [filed])).rows[0].status).toBe('received');
  });

  test('when an operator rejects, decides an objection and lifts a restriction through the forms, then the services run and flash what happened', async () => {
    const s = await session('admin', ADMIN_TOKEN);
    const file = async (type: string, email: string) => {
      const res = await post(s, '/desk/requests', { type, email, lang: 'en' });
      return /\/desk\/requests\/([0-9a-f-]{36})$/.exec(res.headers.location as string)![1]!;
    };
    const rejected = await file('access', 'reject.me@example.nl');
    expect(await after(s, await post(s, `/desk/requests/${rejected}/reject`, { reason: 'Identity could not be established' }))).toContain('Request rejected');
    const objection = await file('objection', 'object@example.nl');
    await post(s, `/desk/requests/${objection}/verify`, { note: 'Checked by phone' });
    expect(await after(s, await post(s, `/desk/requests/${objection}/objection-decision`, { decision: 'upheld', reason: 'No compelling grounds' }))).toContain('Objection upheld');
    const restriction = await file('restriction', 'restrict@example.nl');
    await post(s, `/desk/requests/${restriction}/complete`);
    expect(await after(s, await post(s, `/desk/requests/${restriction}/lift`))).toContain('Restriction lifted');
    const { rows } = await world.ctx.pool.query(`SELECT id, status, objection_decision, outcome FROM privacy_requests WHERE id = ANY($1::uuid[])`, [[rejected, objection, restriction]]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(rejected)).toMatchObject({ status: 'rejected' });
    expect(byId.get(objection)).toMatchObject({ status: 'completed', objection_decision: 'upheld' });
    expect(byId.get(restriction).outcome).toMatchObject({ lifted: true });
  });

  test('when a service refuses (a second extension, completing an unverified known person), then its reason is flashed as an error', async () => {
    await world.mirrorPerson('known@example.nl');
    const s = await session('admin', ADMIN_TOKEN);
    const res = await post(s, '/desk/requests', { type: 'access', email: 'known@example.nl', lang: 'nl' });
    const id = /([0-9a-f-]{36})$/.exec(res.headers.location as string)![1]!;
    expect(await after(s, await post(s, `/desk/requests/${id}/extend`, { reason: 'busy season', days: '10' }))).toContain('Deadline extended by 10 days');
    const twice = await after(s, await post(s, `/desk/requests/${id}/extend`, { reason: 'still busy', days: '10' }));
    expect(twice).toMatch(/<div class="flash error" role="alert">a request can be extended only once<\/div>/);
    const detail = await after(s, await post(s, `/desk/requests/${id}/complete`));
    expect(detail).toContain('verify the requester first');
    // The mails table names the verification mail, never its body: its code and link stay out of the page.
    const text = (await world.ctx.pool.query(`SELECT text_body FROM mail_outbox WHERE request_id = $1 AND template = 'verification'`, [id])).rows[0].text_body;
    const { code, token } = world.codeAndToken(text);
    expect(detail).toMatch(/<td>verification<\/td>/);
    expect(detail).not.toContain(code);
    expect(detail).not.toContain(token);
    expect(await after(s, await post(s, `/desk/requests/${id}/extend`, { reason: 'x', days: '99' }))).toContain('role="alert"');
  });

  test('when a person is looked up, then status, orders and pushes show, and the read is audited with the operator name', async () => {
    const { orders } = await world.mirrorPerson('lookup@example.nl', { first_name: 'Lotte', last_name: 'Jansen' });
    const s = await session('admin', ADMIN_TOKEN);
    const page = (await get(s, '/desk/persons?email=lookup%40example.nl')).body;
    expect(page).toContain('Lotte Jansen');
    expect(page).toContain(`#${orders[0]!.number}`);
    expect(page).toMatch(/<span class="badge ok">active<\/span>/);
    const { rows } = await world.ctx.pool.query(`SELECT actor FROM audit_log WHERE action = 'operator.read GET /desk/persons' ORDER BY id DESC LIMIT 1`);
    expect(rows[0]?.actor).toBe('admin');
  });

  test('when a failed push is retried from the desk, then it goes back to pending; a push that did not fail is refused', async () => {
    const { orders } = await world.mirrorPerson('pushed@example.nl');
    const wcId = orders[0]!.id;
    await world.ctx.pool.query(`INSERT INTO processor_syncs (order_id, processor, kind, status, attempts, last_error, enqueued_at)
      SELECT id, 'postnl', 'shipment', 'failed', 5, 'postnl 400: invalid postcode', now() FROM orders WHERE wc_order_id = $1`, [wcId]);
    const s = await session('admin', ADMIN_TOKEN);
    expect((await get(s, '/desk/pushes')).body).toContain('postnl 400: invalid postcode');
    expect(await after(s, await post(s, `/desk/pushes/${wcId}/postnl/retry`))).toContain('will be retried now');
    const { rows } = await world.ctx.pool.query(`SELECT s.status FROM processor_syncs s JOIN orders o ON o.id = s.order_id WHERE o.wc_order_id = $1`, [wcId]);
    expect(rows.map((r) => r.status)).not.toContain('failed');
    expect(await after(s, await post(s, `/desk/pushes/${wcId}/snelstart/retry`))).toContain(`Order ${wcId} has no snelstart push.`);
  });

  test('when an erasure at a processor waits for hand work, then the pushes page names its orders and the operator closes it there, saying what was done', async () => {
    const { orders } = await world.mirrorPerson('invited@example.nl');
    const { rows: [t] } = await world.ctx.pool.query(`WITH o AS (SELECT id, person_id FROM orders WHERE wc_order_id = $1),
        s AS (INSERT INTO processor_syncs (order_id, processor, kind, status, attempts) SELECT id, 'reviews', 'invitation', 'done', 1 FROM o)
      INSERT INTO erasure_tombstones (id, person_id, erased_at, reason, categories) SELECT gen_random_uuid(), person_id, now(), 'retention', '{}' FROM o RETURNING id`, [orders[0]!.id]);
    const { rows: [item] } = await world.ctx.pool.query(`INSERT INTO processor_erasures (tombstone_id, processor, status, detail)
      VALUES ($1, 'reviews', 'manual_required', 'kiyoh cannot erase through its API: ask it to erase by hand') RETURNING id`, [t.id]);
    const s = await session('admin', ADMIN_TOKEN);
    const page = (await get(s, '/desk/pushes')).body;
    expect(page).toMatch(new RegExp(`<td>#${orders[0]!.number}</td><td>kiyoh cannot erase`));
    const url = `/desk/processor-erasures/${item.id}/resolve`;
    expect(await after(s, await post(s, url, { note: 'asked kiyoh to delete invited@example.nl' }))).toContain('leave email addresses out of the note');
    const closed = await after(s, await post(s, url, { note: 'Kiyoh support ticket 5531' }));
    expect(closed).toContain('The reviews erasure is closed as done by hand.');
    expect(closed).not.toContain(`/desk/processor-erasures/${item.id}/resolve`);
    const { rows } = await world.ctx.pool.query('SELECT resolved_by, resolution_note FROM processor_erasures WHERE id = $1', [item.id]);
    expect(rows).toEqual([{ resolved_by: 'admin', resolution_note: 'Kiyoh support ticket 5531' }]);
    expect(await after(s, await post(s, url, { note: 'again' }))).toContain('was closed by admin');
  });

  test('when form or query text holds a character Postgres cannot store (U+0000), then the desk shows the reason, never a 500', async () => {
    const s = await session('admin', ADMIN_TOKEN);
    const page = await get(s, '/desk/persons?email=a%00b%40example.com');
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('cannot be stored');
    const filed = await after(s, await post(s, '/desk/requests', { type: 'access', email: 'nul@example.com', note: 'by phone\u0000' }));
    expect(filed).toContain('cannot be stored');
  });

  test('when a mail of a request failed for good, then its page offers to send it again, and the form queues it (audited)', async () => {
    const id = (await world.fileRequest('access', `bounced-${Date.now()}@example.nl`)).body.id as string;
    await world.ctx.pool.query(`UPDATE mail_outbox SET status = 'failed', last_error = 'smtp 554' WHERE request_id = $1`, [id]);
    const s = await session('admin', ADMIN_TOKEN);
    expect((await get(s, `/desk/requests/${id}`)).body).toContain('Send the failed mails again');
    const page = await after(s, await post(s, `/desk/requests/${id}/resend-mail`));
    expect(page).toContain('mail(s) that had failed queued again.');
    expect(page).not.toContain('Send the failed mails again');
    const { rows } = await world.ctx.pool.query(`SELECT count(*)::int AS n FROM mail_outbox WHERE request_id = $1 AND status = 'failed'`, [id]);
    expect(rows[0].n).toBe(0);
    expect(await after(s, await post(s, `/desk/requests/${id}/resend-mail`))).toContain('no mail of this request failed for good');
    const audited = await world.ctx.pool.query(`SELECT actor, detail FROM audit_log WHERE action = 'mail.resent' AND request_id = $1`, [id]);
    expect(audited.rows).toEqual([{ actor: 'admin', detail: { mails: 1 } }]);
  });

  test('when the shop REST API is not configured, then the health page says so', async () => {
    const s = await session('admin', ADMIN_TOKEN);
    const body = (await get(s, '/desk/health')).body;
    expect(body).toContain('id="not-configured"');
    expect(body).toContain('id="queues"');
  });

  test('when sign-in is tried more than 10 times a minute from one client, then it answers 429 while another client still gets through', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await signIn('nobody', 'wrong', { from: '10.2.0.1' })).statusCode);
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    const blocked = await signIn('admin', ADMIN_TOKEN, { from: '10.2.0.1' }); // even the right token waits
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['content-type']).toContain('text/html');
    expect((await signIn('admin', ADMIN_TOKEN, { from: '10.2.0.2' })).statusCode).toBe(303);
  });
});
