import { AP_URL } from '../../src/mail/templates.js';
import type { ParsedMessage } from '../fakes/smtp.js';
import { PUBLIC_URL, startDsrWorld, type DsrWorld } from './world.js';
import { addAmsterdamDays } from '../../src/dsr/request-rules.js';

/**
 * Issue 6, access and portability end to end: a person mirrored through webhooks asks for their data; everything
 * goes only to the address the shop knows; the package is exactly the mirror, with processors, retention and rights.
 */
let w: DsrWorld;
const ZOE = 'zoe.devries@example.com';
const BOB = 'bob.jansen@example.com';
const RETENTION_CATEGORIES = ['identity', 'contact', 'addresses', 'orders', 'shipments', 'invoices', 'reviewInvitations',
  'consents', 'processingHistory', 'privacyRequests', 'rawDeliveries', 'erasureRecords'];

beforeAll(async () => {
  w = await startDsrWorld();
  await w.mirrorPerson(ZOE);
  await w.mirrorPerson(BOB, { first_name: 'Bob', last_name: 'Jansen', orders: 1 });
}, 60_000);
afterAll(async () => { await w?.close(); });

const isVerification = (m: ParsedMessage) => m.text.includes(`${PUBLIC_URL}/verify/`);
const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
const onlyTo = (email: string, ms: ParsedMessage[]) => { for (const m of ms) expect(m.envelopeTo).toEqual([email]); };

/** Files a request for a known address and returns it with the code and token from its verification mail. */
async function fileKnown(type: 'access' | 'portability', email: string) {
  const before = w.mailsTo(email).filter(isVerification).length;
  const res = await w.fileRequest(type, email, { lang: 'en' });
  expect(res.status).toBe(201);
  const mails = await w.waitForMails(email, before + 1, isVerification);
  return { request: res.body, ...w.codeAndToken(mails[before]!.text) };
}

type Row = Record<string, unknown>;

/** What the mirror holds for a person, read with SQL beside the code under test. */
async function mirrorOf(email: string) {
  const q = async (sql: string): Promise<Row[]> => (await w.ctx.pool.query(sql, [email])).rows;
  const PERSON = `(SELECT person_id FROM person_emails WHERE email = $1)`;
  const [person] = await q(`SELECT first_name, last_name, wc_customer_id::int AS wc, billing, shipping FROM persons WHERE id = ${PERSON}`);
  const emails = (await q(`SELECT email FROM person_emails WHERE person_id = ${PERSON} ORDER BY email`)).map((r) => r.email);
  const orders = await q(`SELECT o.id, o.wc_order_id::int AS wc, o.number, o.total::text AS total, o.total_tax::text AS total_tax,
    o.shipping_total::text AS shipping_total FROM orders o WHERE o.person_id = ${PERSON} ORDER BY o.date_created_gmt, o.wc_order_id`);
  const lines = await q(`SELECT l.order_id AS id, l.kind, l.name, l.code, l.quantity::text AS quantity, l.total::text AS total,
    l.total_tax::text AS total_tax FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.person_id = ${PERSON}
    ORDER BY l.order_id, l.position`);
  return { person: person!, emails, orders, linesOf: (o: Row) => lines.filter((l) => l.id === o.id) };
}

describe('P14 P15 P16 P17 access request from the known address, verified by a one-time code', () => {
  let id: string;
  let code: string;
  let token: string;

  test('when a mirrored person files an access request, then it awaits verification, is due in 30 days, and receipt and code go only to the known address', async () => {
    ({ request: { id }, code, token } = await fileKnown('access', ZOE));
    const r = (await w.api('GET', `/api/privacy-requests/${id}`)).body;
    expect(r).toMatchObject({ type: 'access', status: 'awaiting_verification', linkedTo: null, overdue: false });
    expect(r.dueAt).toBe(addAmsterdamDays(new Date(r.receivedAt), 30).toISOString()); // 30 calendar days (request-rules.unit)
    const mails = await w.waitForMails(ZOE, 2);
    expect(mails.map((m) => m.subject)).toHaveLength(2);
    expect(mails.some((m) => m.text.includes(id))).toBe(true); // the receipt names the request
    onlyTo(ZOE, w.smtp.messages);
    expect(w.mailsTo(BOB)).toHaveLength(0);
  });

  test('when the verification link is opened, then it shows a form for the 6-digit code', async () => {
    const res = await w.api('GET', `/verify/${token}`, undefined, null);
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toContain('text/html');
    expect(res.text).toContain(`action="/verify/${token}"`);
    expect(res.text).toContain('name="code"');
  });

  test('when the operator completes before verification, then 409 not_verified and nothing is sent', async () => {
    const sent = w.smtp.messages.length;
    const res = await w.complete(id);
    expect(res.status).toBe(409);
    await new Promise((r) => setTimeout(r, 300));
    expect(w.smtp.messages).toHaveLength(sent);
    expect((await w.api('GET', `/api/privacy-requests/${id}/export`)).status).toBe(404);
    expect(res.body.error).toBe('not_verified'); // the dedicated answer: "verify the requester first"
  });

  test('when a wrong code is entered, then 400 with the tries left and the request still waits', async () => {
    const res = await w.verifyByCode(token, wrongCode(code));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'wrong_code', message: 'wrong code; 4 attempt(s) left', triesLeft: 4, reqId: expect.any(String) });
    const form = await w.ctx.app.inject({ method: 'POST', url: `/verify/${token}`, payload: `code=${wrongCode(code)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.statusCode).toBe(400);
    expect(form.body).toContain('3 attempt(s) left');
    expect((await w.api('GET', `/api/privacy-requests/${id}`)).body.status).toBe('awaiting_verification');
  });

  test('when the right code is entered, then the request is verified by code and in progress; the token works once', async () => {
    const res = await w.verifyByCode(token, code);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'verified' });
    const r = (await w.api('GET', `/api/privacy-requests/${id}`)).body;
    expect(r).toMatchObject({ status: 'in_progress', verification: 'code' });
    expect((await w.verifyByCode(token, code)).status).toBe(410);
  });

  test('when completed, then one mail with the JSON package reaches only the known address and equals GET /export', async () => {
    const res = await w.complete(id);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('completed');
    const [mail, ...more] = await w.waitForMails(ZOE, 1, (m) => m.attachments.length > 0);
    expect(more).toHaveLength(0);
    expect(mail!.envelopeTo).toEqual([ZOE]);
    expect(mail!.attachments).toHaveLength(1);
    expect(mail!.attachments[0]!.contentType).toBe('application/json');
    const attached = JSON.parse(mail!.attachments[0]!.content.toString('utf8'));
    const exp = await w.api('GET', `/api/privacy-requests/${id}/export`);
    expect(exp.status).toBe(200);
    expect(attached).toEqual(exp.body);
    onlyTo(ZOE, w.smtp.messages);
    expect(w.mailsTo(BOB)).toHaveLength(0);
  });

  test('when the package is read, then names, emails, orders, totals and every line match the mirror exactly, and nothing of anyone else', async () => {
    const pkg = (await w.api('GET', `/api/privacy-requests/${id}/export`)).body;
    const m = await mirrorOf(ZOE);
    expect(pkg.format).toMatchObject({ kind: 'access', intendedForTransfer: false });
    expect(pkg.identity).toMatchObject({ firstName: m.person.first_name, lastName: m.person.last_name, wcCustomerId: m.person.wc });
    expect(pkg.identity).toMatchObject({ firstName: 'Zoë', lastName: 'de Vries' });
    expect(pkg.addresses).toEqual({ billing: m.person.billing, shipping: m.person.shipping });
    expect(pkg.contact.emails.map((e: { email: string }) => e.email).sort()).toEqual(m.emails);
    expect(m.orders).toHaveLength(2);
    expect(pkg.orders.map((o: Record<string, unknown>) => ({ wc: o.wcOrderId, number: o.number, total: o.total, total_tax: o.totalTax, shipping_total: o.shippingTotal })))
      .toEqual(m.orders.map((o) => ({ wc: o.wc, number: o.number, total: o.total, total_tax: o.total_tax, shipping_total: o.shipping_total })));
    expect(pkg.orders.map((o: { total: string }) => o.total)).toEqual(['28.63', '29.63']);
    for (const [i, o] of m.orders.entries()) {
      expect(m.linesOf(o).length).toBeGreaterThan(0);
      expect(pkg.orders[i].lines).toEqual(m.linesOf(o).map((l) => ({ kind: l.kind, name: l.name, code: l.code, quantity: l.quantity, total: l.total, totalTax: l.total_tax })));
    }
    const text = JSON.stringify(pkg);
    expect(text).not.toContain(BOB);
    expect(text).not.toContain('Jansen');
  });

  test('when the package is read, then it lists processors with purpose, categories and legal basis, retention per category, the policy version, the AP complaint right (P16) and that nothing is decided automatically (P21b)', async () => {
    const pkg = (await w.api('GET', `/api/privacy-requests/${id}/export`)).body;
    expect(pkg.processors.map((p: { id: string }) => p.id)).toEqual(w.ctx.deps.register.map((p) => p.id));
    for (const p of pkg.processors) {
      const reg = w.ctx.deps.register.find((r) => r.id === p.id)!;
      expect(p).toMatchObject({ purpose: reg.purpose, dataCategories: reg.dataCategories, legalBasis: reg.legalBasis });
      expect(p.purpose.length).toBeGreaterThan(0);
      expect(p.dataCategories.length).toBeGreaterThan(0);
    }
    expect(Object.keys(pkg.retention).sort()).toEqual([...RETENTION_CATEGORIES].sort());
    for (const r of Object.values(pkg.retention) as { period: string }[]) expect(r.period.length).toBeGreaterThan(0);
    expect(pkg.policyVersion).toBe(w.ctx.config.policyVersion);
    expect(pkg.rights.complaint).toMatchObject({ authority: 'Autoriteit Persoonsgegevens', url: expect.stringContaining(new URL(AP_URL).host) });
    expect(pkg.rights.answerWithinDays).toBe(30);
    expect(pkg.automatedDecisionMaking).toMatchObject({ used: false, profiling: false, promise: 'P21b', article: expect.stringContaining('15(1)(h)') });
  });
});

describe('P14 verification tries are limited', () => {
  test('when five wrong codes are entered, then even the right code answers 410 and the request stays unverified', async () => {
    const { request, code, token } = await fileKnown('access', BOB);
    for (let i = 0; i < 5; i++) expect((await w.verifyByCode(token, wrongCode(code))).status).toBe(400);
    const res = await w.verifyByCode(token, code);
    expect(res.status).toBe(410);
    // Out of tries reads as any other dead link: nothing about the request or the person.
    expect(res.body).toEqual({ error: 'expired', message: 'this link has expired or was used already; please contact the shop', reqId: expect.any(String) });
    expect((await w.api('GET', `/api/privacy-requests/${request.id}`)).body.status).toBe('awaiting_verification');
    onlyTo(BOB, w.mailsTo(BOB));
  });
});

describe('P14 verification is rate-limited per client', () => {
  test('when one client posts more than 20 times a minute, then 429 too_many_requests with a message, and another client still gets an answer', async () => {
    const post = (from: string) => w.ctx.app.inject({ method: 'POST', url: '/verify/not-a-real-token-but-long-enough-0123', payload: { code: '123456' },
      headers: { 'content-type': 'application/json' }, remoteAddress: from });
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await post('10.9.9.9')).statusCode);
    expect(statuses.slice(0, 20).every((s) => s !== 429)).toBe(true);
    const limited = await post('10.9.9.9');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'too_many_requests', message: expect.stringMatching(/rate limit/i), reqId: expect.any(String) });
    expect((await post('10.9.9.10')).statusCode).not.toBe(429);
  });
});

describe('bad input to /verify', () => {
  test('when a JSON post carries no body at all, then 400 invalid_json saying what to send, not Fastify\'s internal code', async () => {
    const res = await w.ctx.app.inject({ method: 'POST', url: '/verify/not-a-real-token-but-long-enough-0123',
      headers: { 'content-type': 'application/json' }, payload: '', remoteAddress: '10.9.9.11' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_json', message: expect.stringContaining('send a JSON object') });
  });
});

describe('P20 portability: the same package, marked for transfer', () => {
  test('when a verified portability request is completed, then the attachment is the access package with format.intendedForTransfer', async () => {
    const { request, code, token } = await fileKnown('portability', ZOE);
    expect((await w.verifyByCode(token, code)).status).toBe(200);
    expect((await w.complete(request.id)).body.status).toBe('completed');
    const mails = await w.waitForMails(ZOE, 2, (m) => m.attachments.length > 0);
    const pkg = JSON.parse(mails[1]!.attachments[0]!.content.toString('utf8'));
    expect(pkg).toEqual((await w.api('GET', `/api/privacy-requests/${request.id}/export`)).body);
    expect(pkg.format).toMatchObject({ kind: 'portability', intendedForTransfer: true });
    const [access] = (await w.api('GET', '/api/privacy-requests?status=completed')).body.requests.filter((r: { type: string }) => r.type === 'access');
    const accessPkg = (await w.api('GET', `/api/privacy-requests/${access.id}/export`)).body;
    const { lastActivityAt: _a, ...identity } = pkg.identity; // the second request is contact too (P13)
    const { lastActivityAt: _b, ...accessIdentity } = accessPkg.identity;
    expect(identity).toEqual(accessIdentity);
    for (const k of ['contact', 'addresses', 'orders', 'invoices', 'processors', 'retention', 'rights', 'policyVersion']) {
      expect(pkg[k]).toEqual(accessPkg[k]);
    }
    onlyTo(ZOE, w.mailsTo(ZOE));
  });
});
