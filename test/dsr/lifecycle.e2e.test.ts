import { randomUUID } from 'node:crypto';
import type { ParsedMessage } from '../fakes/smtp.js';
import { PUBLIC_URL, startDsrWorld, type DsrWorld } from './world.js';
import { ADMIN_TOKEN } from '../setup/context.js';

/**
 * Issue 6, the request lifecycle end to end: an unknown address is not answered with data, duplicates link to the
 * open request, rejection tells the client why, wrong actions are refused, and every step is recorded without the
 * email address.
 */
let w: DsrWorld;
const ZOE = 'zoe.devries@example.com';
const CARLA = 'carla.smit@example.com';
const NOBODY = 'nobody.here@example.com';
const LATE = 'late.buyer@example.com';
const EMAILS = [ZOE, CARLA, NOBODY, LATE];
const ids: string[] = [];

beforeAll(async () => {
  w = await startDsrWorld();
  await w.mirrorPerson(ZOE);
  await w.mirrorPerson(CARLA, { first_name: 'Carla', last_name: 'Smit', orders: 1 });
}, 60_000);
afterAll(async () => { await w?.close(); });

const isVerification = (m: ParsedMessage) => m.text.includes(`${PUBLIC_URL}/verify/`);
const get = async (id: string) => (await w.api('GET', `/api/privacy-requests/${id}`)).body;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mailRows = async (id: string) => (await w.ctx.pool.query('SELECT template, status FROM mail_outbox WHERE request_id = $1 ORDER BY id', [id])).rows;
async function file(type: string, email: string, extra: Record<string, unknown> = {}) {
  const res = await w.fileRequest(type, email, { lang: 'en', ...extra });
  expect(res.status).toBe(201);
  ids.push(res.body.id);
  return res.body;
}

describe('P14 a request from an address we hold no data for is not answered with data', () => {
  let id: string;

  test('when an unknown address files an access request, then it waits for operator review and no verification mail is sent', async () => {
    const filed = await file('access', NOBODY);
    ({ id } = filed);
    expect(filed).toMatchObject({ status: 'received', verificationSent: false });
    expect(await get(id)).toMatchObject({ status: 'received', verification: null });
    await w.waitForMails(NOBODY, 1); // the receipt
    await sleep(300);
    expect(w.mailsTo(NOBODY).filter(isVerification)).toHaveLength(0);
    expect((await mailRows(id)).map((r) => r.template)).toEqual(['receipt']);
  });

  test('when the operator completes it, then it is completed with noDataHeld, a "no data held" mail without attachment goes out, and there is no export', async () => {
    const res = await w.complete(id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'completed', noDataHeld: true });
    const [mail] = await w.waitForMails(NOBODY, 1, (m) => m.subject === 'We hold no data about you');
    expect(mail!.envelopeTo).toEqual([NOBODY]);
    expect(mail!.attachments).toHaveLength(0);
    expect((await w.api('GET', `/api/privacy-requests/${id}/export`)).status).toBe(404);
  });

  test('when that answer had failed for good (the mail server refused it), then resend-mail sends it again, once, and is audited', async () => {
    expect((await w.api('POST', `/api/privacy-requests/${id}/resend-mail`)).body).toMatchObject({ error: 'nothing_failed' });
    // As the sender leaves a mail the server refused with a 5xx: given up, its content kept until the purge.
    await w.ctx.pool.query(`UPDATE mail_outbox SET status = 'failed', sent_at = NULL, last_error = 'smtp 554' WHERE request_id = $1 AND template = 'no_data_held'`, [id]);
    const res = await w.api('POST', `/api/privacy-requests/${id}/resend-mail`);
    expect(res.status).toBe(200);
    await w.waitForMails(NOBODY, 2, (m) => m.subject === 'We hold no data about you');
    // The row is marked sent just after the mail server accepted the message.
    const status = async () => (await mailRows(id)).find((r) => r.template === 'no_data_held')?.status;
    for (const end = Date.now() + 10_000; (await status()) !== 'sent' && Date.now() < end;) await sleep(20);
    expect(await status()).toBe('sent');
    expect((await w.api('POST', `/api/privacy-requests/${id}/resend-mail`)).status).toBe(409);
    const { rows } = await w.ctx.pool.query(`SELECT actor, detail FROM audit_log WHERE action = 'mail.resent' AND request_id = $1`, [id]);
    expect(rows).toEqual([{ actor: 'admin', detail: { mails: 1 } }]);
  });

  test('when the address becomes known before the operator completes, then completing is refused (not_verified) until someone verifies, and only then is data sent', async () => {
    const r = await file('access', LATE);
    expect(r.status).toBe('received');
    await w.mirrorPerson(LATE, { first_name: 'Lotte', last_name: 'Laat', orders: 1 });
    const refused = await w.complete(r.id);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('not_verified');
    expect((await w.api('GET', `/api/privacy-requests/${r.id}/export`)).status).toBe(404);
    const v = await w.api('POST', `/api/privacy-requests/${r.id}/verify`, { note: 'called back on the phone number of the order' });
    expect(v.body).toMatchObject({ status: 'in_progress', verification: 'operator' });
    expect((await w.complete(r.id)).body).toMatchObject({ status: 'completed', noDataHeld: false });
    const [mail] = await w.waitForMails(LATE, 1, (m) => m.attachments.length > 0);
    expect(mail!.envelopeTo).toEqual([LATE]);
  });
});

describe('a duplicate request links to the open one', () => {
  test('when the same person asks again while the first is open, then 201 linkedTo the first, no second verification, and completing the first completes both', async () => {
    const first = await file('access', ZOE);
    expect(first).toMatchObject({ status: 'received', verificationSent: true });
    const [verification] = await w.waitForMails(ZOE, 1, isVerification);
    const second = await file('access', ZOE);
    // The receipt says received; stored, the duplicate follows the first (awaiting its verification).
    expect(second).toMatchObject({ linkedTo: first.id, status: 'received', verificationSent: false, dueAt: first.dueAt });
    expect(await get(second.id)).toMatchObject({ linkedTo: first.id, status: 'awaiting_verification' });
    await sleep(500);
    expect(w.mailsTo(ZOE).filter(isVerification)).toHaveLength(1);
    expect(await mailRows(second.id)).toEqual([]);

    const { code, token } = w.codeAndToken(verification!.text);
    expect((await w.verifyByCode(token, code)).status).toBe(200);
    expect((await w.complete(first.id)).body.status).toBe('completed');
    expect(await get(second.id)).toMatchObject({ status: 'completed', linkedTo: first.id });
    expect((await get(second.id)).completedAt).not.toBeNull();
    await w.waitForMails(ZOE, 1, (m) => m.attachments.length > 0);
    await sleep(300);
    expect(w.mailsTo(ZOE).filter((m) => m.attachments.length > 0)).toHaveLength(1);
  });
});

describe('rejection and refused actions', () => {
  let id: string;

  test('when the operator rejects with a reason, then the request is rejected and the client gets the reason', async () => {
    ({ id } = await file('access', CARLA));
    const res = await w.api('POST', `/api/privacy-requests/${id}/reject`, { reason: 'manifestly unfounded: the tenth request this week' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'rejected', rejectionReason: 'manifestly unfounded: the tenth request this week' });
    const [mail] = await w.waitForMails(CARLA, 1, (m) => m.subject.includes('rejected'));
    expect(mail!.envelopeTo).toEqual([CARLA]);
    expect(mail!.text).toContain('manifestly unfounded: the tenth request this week');
  });

  test.each([
    ['reject', { reason: 'again' }],
    ['complete', undefined],
    ['verify', { note: 'called the client' }],
    ['extend', { reason: 'complex', days: 30 }],
  ])('when %s is called on the rejected request, then 409', async (action, body) => {
    const res = await w.api('POST', `/api/privacy-requests/${id}/${action}`, body);
    expect(res.status).toBe(409);
  });

  test('when an action without options is sent with a JSON content type and no body, then it is handled as no body (here: 409), not a parser 400', async () => {
    const res = await w.ctx.app.inject({
      method: 'POST', url: `/api/privacy-requests/${id}/complete`, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    });
    expect([res.statusCode, res.json().error]).toEqual([409, 'invalid_state']);
    const broken = await w.ctx.app.inject({
      method: 'POST', url: `/api/privacy-requests/${id}/reject`, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, payload: '{"reason":',
    });
    expect(broken.statusCode).toBe(400);
  });

  test('when the id is unknown, then 404; when it is no id, then 400', async () => {
    expect((await w.api('GET', `/api/privacy-requests/${randomUUID()}`)).status).toBe(404);
    expect((await w.complete(randomUUID())).status).toBe(404);
    expect((await w.api('GET', '/api/privacy-requests/not-an-id')).status).toBe(400);
    expect((await w.complete('not-an-id')).status).toBe(400);
  });

  test('when the body is bad (unknown type, rectification without changes, no email), then 400', async () => {
    expect((await w.fileRequest('deletion', ZOE)).status).toBe(400);
    expect((await w.fileRequest('rectification', ZOE)).status).toBe(400);
    expect((await w.api('POST', '/api/privacy-requests', { type: 'access' })).status).toBe(400);
    expect((await w.api('POST', `/api/privacy-requests/${id}/reject`, {})).status).toBe(400);
  });

  test('when no token is sent, then 401', async () => {
    expect((await w.api('GET', '/api/privacy-requests', undefined, null)).status).toBe(401);
    expect((await w.api('POST', '/api/privacy-requests', { type: 'access', email: ZOE }, null)).status).toBe(401);
    expect((await w.api('POST', `/api/privacy-requests/${id}/complete`, undefined, null)).status).toBe(401);
    expect((await w.api('GET', `/api/privacy-requests/${id}`, undefined, 'wrong-token-0123456789abcdef')).status).toBe(401);
  });
});

describe('P14b every step is recorded, without the email address', () => {
  test('when the requests above were handled, then each has its steps and audit rows, and none holds an email', async () => {
    const expected: Record<string, string[]> = { rejected: ['privacy_request.filed', 'privacy_request.rejected'] };
    const seen = new Set<string>();
    for (const id of ids) {
      const r = await get(id);
      seen.add(r.linkedTo ? 'linked' : r.noDataHeld ? 'no_data_held' : r.status);
      expect(r.steps.length).toBeGreaterThan(0);
      const steps = r.steps.map((s: { step: string }) => s.step);
      const audit = (await w.ctx.pool.query(
        `SELECT actor, action, encode(subject_key, 'hex') AS key, detail FROM audit_log WHERE request_id = $1 ORDER BY id`, [id])).rows;
      const actions = audit.map((a) => a.action);
      if (r.linkedTo) {
        expect(steps).toEqual(['linked']);
        expect(actions).toEqual(['privacy_request.linked']);
      } else {
        expect(steps[0]).toBe('received');
        expect(actions[0]).toBe('privacy_request.filed');
        if (r.status === 'completed') expect(steps).toContain('completed');
        if (r.noDataHeld) expect(actions).toContain('privacy_request.no_data_held');
        if (r.verification) expect(steps).toContain('verified');
        if (r.verification) expect(actions).toContain('privacy_request.verified');
        if (r.status === 'completed' && !r.noDataHeld) expect(actions).toContain('export.generated');
        if (r.status === 'rejected') expect(actions).toEqual(expected.rejected);
      }
      for (const a of audit) expect(a.key).toBe(r.subjectKey);
      const text = JSON.stringify({ steps: r.steps, audit });
      for (const email of EMAILS) expect(text).not.toContain(email);
    }
    // The requests above cover each path (this test reads what they left: run alone, it would check nothing).
    expect([...seen].sort()).toEqual(expect.arrayContaining(['completed', 'linked', 'no_data_held', 'rejected']));
    const all = JSON.stringify((await w.ctx.pool.query('SELECT * FROM audit_log')).rows);
    const allSteps = JSON.stringify((await w.ctx.pool.query('SELECT * FROM privacy_request_steps')).rows);
    for (const email of EMAILS) for (const t of [all, allSteps]) expect(t).not.toContain(email.split('@')[0]);
  });
});
