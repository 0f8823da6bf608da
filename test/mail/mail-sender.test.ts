import { captureLogs } from '../setup/log-capture.js';
import { createSchema, dropSchema } from '../setup/context.js';
import { startSmtpServer, type FakeSmtp } from '../fakes/smtp.js';
import { createLogger } from '../../src/platform/logger.js';
import { manualClock } from '../../src/platform/clock.js';
import { withTransaction, type Pool } from '../../src/platform/db.js';
import { claimDueMail, enqueueMail } from '../../src/mail/outbox.repository.js';
import { MAX_ATTEMPTS, backoffMs, createMailSender } from '../../src/mail/mail.sender.js';
import { renderMail } from '../../src/mail/templates.js';

/** Issue 6 "Mail": the outbox sent over real SMTP to a local server; an outage loses nothing; no mail twice. */
let pool: Pool;
let schema: string;
let smtp: FakeSmtp;
const logs: string[] = [];
const log = createLogger('debug', captureLogs(logs));
// Starts at the real time, so mails queued with the database's now() are due on this clock too.
const START = new Date(Math.floor(Date.now() / 1000) * 1000);
const clock = manualClock(START);
const DAY = 24 * 60 * 60_000;
const FROM = 'Tuinhuis Groen <privacy@tuinhuis.example>';
const used = { addresses: new Set<string>(), subjects: new Set<string>() };
const senders: { close(): void }[] = [];

beforeAll(async () => {
  ({ pool, schema } = await createSchema());
  smtp = await startSmtpServer();
});
afterAll(async () => {
  for (const s of senders) s.close();
  await smtp.close();
  await pool.end();
  await dropSchema(schema);
});
beforeEach(async () => {
  await pool.query('DELETE FROM mail_outbox');
  smtp.messages.length = 0;
  clock.set(START);
});

const sender = (smtpUrl: string | null = smtp.url) => {
  const s = createMailSender({ pool, smtpUrl, from: FROM, log, now: clock.now });
  senders.push(s);
  return s;
};
let n = 0;
async function queue(extra: { attachments?: { filename: string; contentType: string; content: Buffer }[] } = {}) {
  const to = `klant-${++n}@voorbeeld.example`;
  const data = { shopName: 'Tuinhuis Groen', requestId: `req-${n}`, requestType: 'access' as const, dueAt: '2025-07-02T08:00:00Z' };
  const id = await enqueueMail(pool, { now: clock.now(), to, template: extra.attachments ? 'completion' : 'receipt', lang: 'nl', data, ...extra });
  used.addresses.add(to);
  used.subjects.add(renderMail('receipt', 'nl', data).subject);
  used.subjects.add(renderMail('completion', 'nl', data).subject);
  return { id, to };
}
const row = async (id: number) => (await pool.query('SELECT * FROM mail_outbox WHERE id = $1', [id])).rows[0];

describe('P17 mail delivery over SMTP', () => {
  test('when a completion with an export is due, then it arrives at the address with the file byte-for-byte and is marked sent', async () => {
    const pkg = { identity: { firstName: 'Zoë', lastName: 'de Vries' }, orders: [{ number: '1001', total: '28.63' }] };
    const { id, to } = await queue({ attachments: [{ filename: 'gegevens.json', contentType: 'application/json', content: Buffer.from(JSON.stringify(pkg)) }] });

    expect(await sender().sendDue()).toEqual({ sent: 1, failed: 0, retried: 0 });

    const [m] = await smtp.waitFor(1);
    expect(m!.envelopeTo).toEqual([to]);
    expect(m!.from).toContain('privacy@tuinhuis.example');
    expect(m!.subject).toBe('Uw verzoek om inzage in uw gegevens is afgehandeld');
    expect(m!.text).toContain('het bijgevoegde bestand');
    expect(m!.attachments).toHaveLength(1);
    expect(m!.attachments[0]!.filename).toBe('gegevens.json');
    expect(JSON.parse(m!.attachments[0]!.content.toString('utf8'))).toEqual(pkg);
    const r = await row(id);
    expect(r).toMatchObject({ status: 'sent', attempts: 1, last_error: null, message_id: m!.messageId });
    expect(r.sent_at.getTime()).toBe(START.getTime());
  });

  test('when the server answers 451 once, then the mail is retried after the backoff and delivered exactly once', async () => {
    const { id } = await queue();
    smtp.failNext(1, 451);
    const s = sender();
    expect(await s.sendDue()).toEqual({ sent: 0, failed: 0, retried: 1 });
    const r = await row(id);
    expect(r).toMatchObject({ status: 'pending', attempts: 1, last_error: 'smtp 451' });
    expect(r.next_attempt_at.getTime()).toBe(clock.now().getTime() + backoffMs(1));

    expect(await s.sendDue()).toEqual({ sent: 0, failed: 0, retried: 0 }); // not due yet
    clock.advance(backoffMs(1));
    expect(await s.sendDue()).toEqual({ sent: 1, failed: 0, retried: 0 });
    clock.advance(60 * 60_000);
    expect(await s.sendDue()).toEqual({ sent: 0, failed: 0, retried: 0 });
    expect(smtp.messages).toHaveLength(1);
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
  });

  test('when a request\'s first mail must be retried, then its later mails wait for it (the code never before the receipt); other requests\' do not', async () => {
    const { rows: [req] } = await pool.query<{ id: string }>(
      `INSERT INTO privacy_requests (type, status, email, subject_key, lang, received_at, due_at, filed_by)
       VALUES ('access', 'received', 'x@voorbeeld.example', '\\x00', 'nl', now(), now() + interval '30 days', 'test') RETURNING id`);
    const to = `volgorde-${++n}@voorbeeld.example`;
    used.addresses.add(to);
    const data = { shopName: 'Tuinhuis Groen', requestId: req!.id, requestType: 'access' as const, dueAt: '2025-07-02T08:00:00Z' };
    const receipt = await enqueueMail(pool, { now: clock.now(), requestId: req!.id, to, template: 'receipt', lang: 'nl', data });
    const outcome = await enqueueMail(pool, { now: clock.now(), requestId: req!.id, to, template: 'completion', lang: 'nl', data });
    const other = await queue();
    smtp.failNext(1, 451);
    const s = sender();
    expect(await s.sendDue()).toEqual({ sent: 1, failed: 0, retried: 1 }); // the other request's mail went; ours waits
    expect((await row(outcome)).status).toBe('pending');
    expect((await row(other.id)).status).toBe('sent');
    clock.advance(backoffMs(1));
    expect(await s.sendDue()).toEqual({ sent: 2, failed: 0, retried: 0 });
    const ours = smtp.messages.filter((m) => m.envelopeTo.includes(to)).map((m) => m.subject);
    expect(ours).toEqual([renderMail('receipt', 'nl', data).subject, renderMail('completion', 'nl', data).subject]);
    expect((await row(receipt)).status).toBe('sent');
  });

  test('when the server answers 550, then the mail fails for good, records the code and is never tried again', async () => {
    const { id } = await queue();
    smtp.failNext(1, 550);
    const s = sender();
    expect(await s.sendDue()).toEqual({ sent: 0, failed: 1, retried: 0 });
    expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1, last_error: 'smtp 550' });
    clock.advance(DAY);
    expect(await s.sendDue()).toEqual({ sent: 0, failed: 0, retried: 0 });
    expect(smtp.messages).toHaveLength(0);
  });

  test('when the mail server is down, then the mail stays pending with a retry scheduled, and fails only after the last attempt', async () => {
    const down = await startSmtpServer();
    await down.close(); // a port nobody listens on
    const a = await queue();
    const b = await queue();
    const s = sender(down.url);
    expect(await s.sendDue()).toEqual({ sent: 0, failed: 0, retried: 1 }); // the round stops at the first network error
    const r = await row(a.id);
    expect(r).toMatchObject({ status: 'pending', attempts: 1 });
    expect(r.last_error).toMatch(/^E[A-Z]+$/);
    expect(r.next_attempt_at.getTime()).toBe(clock.now().getTime() + backoffMs(1));
    expect(await row(b.id)).toMatchObject({ status: 'pending', attempts: 0 });

    await pool.query('UPDATE mail_outbox SET next_attempt_at = $2 WHERE id = $1', [b.id, new Date(START.getTime() + 30 * DAY)]);
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      clock.advance(backoffMs(attempt - 1));
      await s.sendDue(1);
    }
    expect(await row(a.id)).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });

    // The server is back: the other mail, still pending, goes out.
    clock.set(new Date(START.getTime() + 30 * DAY));
    expect(await sender().sendDue()).toEqual({ sent: 1, failed: 0, retried: 0 });
    expect(smtp.messages.map((m) => m.envelopeTo[0])).toEqual([b.to]);
  });

  test('when two workers send at the same time, then every mail is delivered exactly once', async () => {
    const queued = [];
    for (let i = 0; i < 24; i++) queued.push(await queue());
    const [r1, r2] = await Promise.all([sender().sendDue(), sender().sendDue()]);
    expect(r1!.sent + r2!.sent).toBe(24);
    expect(r1!.sent).toBeGreaterThan(0);
    expect(r2!.sent).toBeGreaterThan(0);
    await smtp.waitFor(24);
    const recipients = smtp.messages.map((m) => m.envelopeTo[0]).sort();
    expect(recipients).toEqual(queued.map((q) => q.to).sort());
    expect(new Set(recipients).size).toBe(24);
  });

  test('when a worker dies after claiming a mail, then no other worker sends it during the lease, and it goes out once the lease ends', async () => {
    const { id } = await queue();
    const leased = await claimDueMail(pool, clock.now(), 5 * 60_000); // the crashed worker's claim
    expect(leased?.id).toBe(id);
    const s = sender();
    expect(await s.sendDue()).toEqual({ sent: 0, failed: 0, retried: 0 });
    clock.advance(5 * 60_000);
    expect(await s.sendDue()).toEqual({ sent: 1, failed: 0, retried: 0 });
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.messageId).toBe(`<outbox-${id}@tuinhuis.example>`); // a resend after a crash keeps its id
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  test('when SMTP_URL is not set, then nothing is sent, the mails stay pending, and it warns when more wait or hourly', async () => {
    for (let i = 0; i < 3; i++) await queue();
    const before = logs.length;
    const warnings = () => logs.slice(before).map((l) => JSON.parse(l)).filter((l) => l.level === 40);
    const s = sender(null);
    expect(await s.sendDue()).toEqual({ sent: 0, failed: 0, retried: 0 });
    expect(await s.sendDue()).toEqual({ sent: 0, failed: 0, retried: 0 }); // every 30 s in the workers: not said again
    expect(warnings()).toEqual([expect.objectContaining({ due: 3, msg: 'SMTP_URL is not set: mails stay in the outbox' })]);
    await queue();
    await s.sendDue();
    clock.set(new Date(START.getTime() + 59 * 60_000));
    await s.sendDue();
    expect(warnings().map((w) => w.due)).toEqual([3, 4]);
    clock.set(new Date(START.getTime() + 61 * 60_000));
    await s.sendDue();
    expect(warnings().map((w) => w.due)).toEqual([3, 4, 4]);
    const { rows } = await pool.query(`SELECT status, attempts FROM mail_outbox`);
    expect(rows).toEqual(Array(4).fill({ status: 'pending', attempts: 0 }));
  });

  test('when a mail is queued inside a transaction that rolls back, then no mail exists', async () => {
    await expect(withTransaction(pool, async (db) => {
      await enqueueMail(db, { to: 'rollback@voorbeeld.example', template: 'restriction_lifted', lang: 'en', data: { shopName: 'Tuinhuis Groen' } });
      throw new Error('the change failed');
    })).rejects.toThrow('the change failed');
    expect((await pool.query('SELECT count(*)::int AS n FROM mail_outbox')).rows[0].n).toBe(0);
  });
});

describe('P1 outbox purge', () => {
  test('when a sent mail is older than the retention period, then its address, subject, body and attachments are cleared; younger and pending ones stay', async () => {
    smtp.failNext(1, 550);
    const failed = await queue();
    const old = await queue({ attachments: [{ filename: 'x.json', contentType: 'application/json', content: Buffer.from('{"a":1}') }] });
    const s = sender();
    await s.sendDue();
    expect(await row(old.id)).toMatchObject({ status: 'sent' });
    expect(await row(failed.id)).toMatchObject({ status: 'failed' });
    clock.advance(3 * DAY);
    const young = await queue();
    await s.sendDue();
    const pending = await queue();
    await pool.query(`UPDATE mail_outbox SET next_attempt_at = $2 WHERE id = $1`, [pending.id, new Date('2030-01-01')]);

    clock.set(new Date(START.getTime() + 6 * DAY)); // six days after the first sending
    expect(await s.purge(7)).toBe(0);
    expect(await row(old.id)).toMatchObject({ to_address: old.to, purged_at: null });

    clock.set(new Date(START.getTime() + 7 * DAY)); // seven days
    expect(await s.purge(7)).toBe(2);
    for (const id of [old.id, failed.id]) {
      expect(await row(id)).toMatchObject({ to_address: null, subject: null, text_body: null, attachments: [], purged_at: expect.any(Date) });
    }
    expect(await row(young.id)).toMatchObject({ status: 'sent', to_address: young.to, purged_at: null });
    expect(await row(pending.id)).toMatchObject({ status: 'pending', to_address: pending.to, purged_at: null });
    expect(await s.purge(7)).toBe(0);
  });
});

describe('P1 personal data never in logs', () => {
  test('when every scenario above has run, then no log line holds an address or a subject', () => {
    expect(logs.length).toBeGreaterThan(10);
    expect(used.addresses.size).toBeGreaterThan(20);
    for (const line of logs) {
      for (const a of used.addresses) expect(line).not.toContain(a);
      for (const s of used.subjects) expect(line).not.toContain(s);
      expect(line).not.toContain('voorbeeld.example');
    }
  });
});
