import { DAY, startDsrWorld, type DsrWorld } from './world.js';
import { addAmsterdamDays } from '../../src/dsr/request-rules.js';

/**
 * Issue 6, deadlines (GDPR Art. 12(3)) end to end: every request is due 30 days after receipt, flagged overdue once
 * the clock passes that, and may be extended once, before the first due date, by at most 61 days — with a mail.
 */
let w: DsrWorld;
const ZOE = 'zoe.devries@example.com';
const CARLA = 'carla.smit@example.com';

beforeAll(async () => {
  w = await startDsrWorld();
  await w.mirrorPerson(ZOE);
  await w.mirrorPerson(CARLA, { first_name: 'Carla', last_name: 'Smit', orders: 1 });
}, 60_000);
afterAll(async () => { await w?.close(); });

const get = async (id: string) => (await w.api('GET', `/api/privacy-requests/${id}`)).body;
const overdue = async () => (await w.api('GET', '/api/privacy-requests?overdue=true')).body.requests as { id: string; overdue: boolean }[];
const at = (iso: string) => new Date(iso).getTime();
const extend = (id: string, body: Record<string, unknown>) => w.api('POST', `/api/privacy-requests/${id}/extend`, body);
async function file(email: string) {
  const res = await w.fileRequest('access', email, { lang: 'en' });
  expect(res.status).toBe(201);
  return res.body as { id: string; receivedAt: string; dueAt: string };
}

describe('P14 Art. 12(3) a request is due in 30 days and may be extended once', () => {
  let id: string;
  let dueAt: string;

  test('when a request is filed, then dueAt is receivedAt + 30 days, as listed and shown', async () => {
    const r = await file(ZOE);
    ({ id, dueAt } = r);
    expect(r.dueAt).toBe(addAmsterdamDays(new Date(r.receivedAt), 30).toISOString()); // 30 calendar days (request-rules.unit)
    expect(Math.abs(at(r.receivedAt) - Date.now())).toBeLessThan(60_000);
    expect(await get(id)).toMatchObject({ dueAt, extendedAt: null, overdue: false });
  });

  test('when the extension asks for 62 days, then 400 and nothing changes', async () => {
    const res = await extend(id, { reason: 'complex request', days: 62 });
    expect(res.status).toBe(400);
    expect(await get(id)).toMatchObject({ dueAt, extendedAt: null });
  });

  test('when extended by 30 days before the due date, then dueAt moves 30 days and the client is told by mail', async () => {
    const res = await extend(id, { reason: 'many orders over several years to collect', days: 30 });
    expect(res.status).toBe(200);
    expect(res.body.dueAt).toBe(addAmsterdamDays(new Date(dueAt), 30).toISOString());
    expect(res.body).toMatchObject({ extensionReason: 'many orders over several years to collect', extendedAt: expect.any(String) });
    const [mail] = await w.waitForMails(ZOE, 1, (m) => m.subject === 'We need more time for your request');
    expect(mail!.envelopeTo).toEqual([ZOE]);
    expect(mail!.text).toContain('many orders over several years to collect');
    expect(mail!.text).toContain('Article 12(3)');
  });

  test('when extended a second time, then 409 already_extended and the due date stays', async () => {
    const before = (await get(id)).dueAt;
    const res = await extend(id, { reason: 'still more work', days: 10 });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('already_extended');
    expect((await get(id)).dueAt).toBe(before);
  });

  test('when the steps and audit trail are read, then the extension is recorded without the email', async () => {
    const r = await get(id);
    expect(r.steps.map((s: { step: string }) => s.step)).toContain('extended');
    const { rows } = await w.ctx.pool.query(`SELECT action, detail FROM audit_log WHERE request_id = $1 ORDER BY id`, [id]);
    expect(rows.find((a) => a.action === 'privacy_request.extended')?.detail).toEqual({ days: 30 });
    expect(JSON.stringify({ steps: r.steps, rows })).not.toContain('zoe');
  });
});

describe('P14 Art. 12(3) an open request past its due date is flagged overdue', () => {
  let id: string;
  afterAll(() => w.clock.reset());

  test('when nothing is past due, then ?overdue=true is empty', async () => {
    ({ id } = await file(CARLA));
    expect(await overdue()).toEqual([]);
    expect((await get(id)).overdue).toBe(false);
  });

  test('when the clock moves 31 days, then the open request is listed as overdue (the extended one is not)', async () => {
    w.clock.advance(31 * DAY);
    const list = await overdue();
    expect(list.map((r) => r.id)).toEqual([id]);
    expect(list[0]).toMatchObject({ id, overdue: true, status: 'awaiting_verification' });
    // The issue's own form of the query: an empty status is no filter.
    expect((await w.api('GET', '/api/privacy-requests?status=&overdue=true')).body.requests.map((r: { id: string }) => r.id)).toEqual([id]);
    expect((await get(id)).overdue).toBe(true);
  });

  test('when extension is asked after the first due date, then 409 past_due', async () => {
    const res = await extend(id, { reason: 'too late to ask', days: 30 });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('past_due');
  });

  test('when the overdue request is rejected, then it is no longer overdue', async () => {
    const res = await w.api('POST', `/api/privacy-requests/${id}/reject`, { reason: 'could not verify the requester' });
    expect(res.body).toMatchObject({ status: 'rejected', overdue: false });
    expect(await overdue()).toEqual([]);
    const [mail] = await w.waitForMails(CARLA, 1, (m) => m.text.includes('could not verify the requester'));
    expect(mail!.envelopeTo).toEqual([CARLA]);
  });
});
