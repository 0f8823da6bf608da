import { createTestContext, testConfig, type TestContext } from '../setup/context.js';
import { startSmtpServer, type FakeSmtp } from '../fakes/smtp.js';
import { manualClock } from '../../src/platform/clock.js';
import { putState } from '../../src/sync/sync-state.repository.js';
import { createMailSender } from '../../src/mail/mail.sender.js';
import { createAlerts } from '../../src/alerts/alerts.service.js';
import { createAlertJobs } from '../../src/alerts/alerts.jobs.js';

/**
 * Issue 7 "Alerts to a human": each condition is mailed to OPERATOR_EMAIL over real SMTP once, again only after it
 * cleared and came back, and the mails carry topics, counts and ids — never a customer's data.
 */

const OPERATOR = 'ops@shop.example';
const CUSTOMER = 'ann.lee@example.com';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const clock = manualClock(new Date());
let smtp: FakeSmtp;
let ctx: TestContext;
let sender: ReturnType<typeof createMailSender>;
let alerts: ReturnType<typeof createAlerts>;

const TOPICS = ['order.created', 'order.updated', 'customer.created'];
/** A webhooks.health report as the check job stores it, with the given topics disabled. */
const health = (disabled: string[]) => ({
  checkedAt: clock.now().toISOString(),
  healthy: disabled.length === 0,
  topics: TOPICS.map((topic, i) => ({ topic, state: disabled.includes(topic) ? 'disabled' : 'ok', webhookId: 40 + i, repaired: false })),
});

/** Runs the outbox sender and returns the messages the SMTP server received since `before`. */
async function delivered(before: number) {
  await sender.sendDue();
  return smtp.messages.slice(before);
}
const outboxCount = async () => (await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM mail_outbox')).rows[0]!.n;

async function anOrderRow(): Promise<number> {
  const person = (await ctx.pool.query<{ id: number }>(`INSERT INTO persons (first_name, policy_version) VALUES ('Ann', 'v') RETURNING id`)).rows[0]!.id;
  const { rows } = await ctx.pool.query<{ id: number }>(`
    INSERT INTO orders (wc_order_id, person_id, number, status, currency, total, billing, shipping, body_sha256, inbox_id, policy_version)
    VALUES ((SELECT COALESCE(max(wc_order_id), 500) + 1 FROM orders), $1, '1', 'processing', 'EUR', 10, $2, '{}', '\\x00', 1, 'v')
    RETURNING id`, [person, JSON.stringify({ email: CUSTOMER })]);
  return rows[0]!.id;
}
const aFailedPush = async (processor: string, kind: string) => (await ctx.pool.query<{ id: number }>(
  `INSERT INTO processor_syncs (order_id, processor, kind, status, last_error) VALUES ($1, $2, $3, 'failed', 'rejected') RETURNING id`,
  [await anOrderRow(), processor, kind])).rows[0]!.id;

beforeAll(async () => {
  smtp = await startSmtpServer();
  ctx = await createTestContext({ dsr: { ...testConfig().dsr, smtpUrl: smtp.url } }, { clock });
  sender = createMailSender({ pool: ctx.pool, smtpUrl: smtp.url, from: ctx.config.dsr.mailFrom, log: ctx.deps.log, now: () => clock.now() });
  alerts = createAlerts({ pool: ctx.pool, clock, log: ctx.deps.log, operatorEmail: OPERATOR, shopName: 'Testwinkel', lang: 'en' });
});
afterAll(async () => {
  sender.close();
  await ctx.close();
  await smtp.close();
});
beforeEach(async () => {
  await ctx.pool.query(`DELETE FROM sync_state; DELETE FROM mail_outbox; DELETE FROM webhook_inbox; DELETE FROM retention_sweeps;
    DELETE FROM processor_syncs; DELETE FROM privacy_requests`);
});
afterEach(() => {
  // Whatever each test sent: no customer data in any alert or digest.
  for (const m of smtp.messages) {
    expect(`${m.subject}\n${m.text}`).not.toContain(CUSTOMER);
    expect(m.envelopeTo).toEqual([OPERATOR]);
  }
});

describe('alerts', () => {
  test('when a webhook of ours is disabled, then the operator gets a mail over SMTP naming the topic and webhook id', async () => {
    const before = smtp.messages.length;
    await putState(ctx.pool, 'webhooks.health', health(['order.updated']));
    expect(await alerts.checkNow()).toEqual({ sent: ['webhook_disabled'] });
    const [mail, ...more] = await delivered(before);
    expect(more).toHaveLength(0);
    expect(mail!.subject).toBe('Testwinkel: webhook disabled');
    expect(mail!.text).toContain('order.updated (webhook 41)');
    expect(mail!.text).not.toContain('order.created');
  });

  test('when it stays disabled, then nothing more is sent; when it clears and recurs, then it is mailed again', async () => {
    const before = smtp.messages.length;
    await putState(ctx.pool, 'webhooks.health', health(['order.created']));
    expect((await alerts.checkNow()).sent).toEqual(['webhook_disabled']);
    clock.advance(MIN);
    expect((await alerts.checkNow()).sent).toEqual([]);
    clock.advance(MIN);
    expect((await alerts.checkNow()).sent).toEqual([]);
    expect(await delivered(before)).toHaveLength(1);

    await putState(ctx.pool, 'webhooks.health', health([]));
    expect((await alerts.checkNow()).sent).toEqual([]);
    await putState(ctx.pool, 'webhooks.health', health(['order.created']));
    expect((await alerts.checkNow()).sent).toEqual(['webhook_disabled']);
    // A second topic going down while the first stays down is news too; the mail lists both.
    await putState(ctx.pool, 'webhooks.health', health(['order.created', 'customer.created']));
    expect((await alerts.checkNow()).sent).toEqual(['webhook_disabled']);
    const mails = await delivered(before);
    expect(mails).toHaveLength(3);
    expect(mails[2]!.text).toMatch(/order\.created \(webhook 40\)[\s\S]*customer\.created \(webhook 42\)/);
  });

  test('when a sweep fails for good or the interlock holds one back, then each is mailed once with its id and the reasons', async () => {
    const before = smtp.messages.length;
    await alerts.checkNow(); // the state's first check
    const insert = async (status: string, blocked: string[] | null) => (await ctx.pool.query<{ id: string }>(`
      INSERT INTO retention_sweeps (status, trigger, created_at, cutoff, today, blocked, error, finished_at)
      VALUES ($1, 'schedule', $2, $2, current_date, $3, $4, $2) RETURNING id::text`,
    [status, clock.now(), blocked && JSON.stringify(blocked), status === 'failed' ? `duplicate key (email)=(${CUSTOMER})` : null])).rows[0]!.id;
    const failed = await insert('failed', null);
    const held = await insert('blocked', ['webhook_disabled', 'too_many_due']);
    await insert('completed', null);
    clock.advance(MIN);
    expect((await alerts.checkNow()).sent.sort()).toEqual([`sweep_blocked:${held}`, `sweep_failed:${failed}`]);
    clock.advance(MIN);
    expect((await alerts.checkNow()).sent).toEqual([]);
    const mails = await delivered(before);
    expect(mails.map((m) => m.subject).sort()).toEqual(['Testwinkel: retention sweep failed', 'Testwinkel: retention sweep held back']);
    expect(mails.find((m) => m.subject.endsWith('failed'))!.text).toContain(failed);
    const heldMail = mails.find((m) => m.subject.endsWith('held back'))!.text;
    expect(heldMail).toContain(held);
    expect(heldMail).toContain("one of the shop's webhooks is not delivering and too many people would be erased at once");
  });

  test('when deliveries wait longer than the backlog threshold, then a backlog alert counts them; younger ones do not count', async () => {
    const before = smtp.messages.length;
    const row = (ageMs: number, i: number) => ctx.pool.query(
      `INSERT INTO webhook_inbox (source, topic, body_sha256, body, received_at) VALUES ('s', 'order.created', $1, $2, $3)`,
      [Buffer.from([i]), Buffer.from(JSON.stringify({ billing: { email: CUSTOMER } })), new Date(clock.now().getTime() - ageMs)]);
    await row(5 * MIN, 1);
    expect((await alerts.checkNow()).sent).toEqual([]);
    await row(16 * MIN, 2);
    await row(40 * MIN, 3);
    expect((await alerts.checkNow()).sent).toEqual(['inbox_backlog']);
    const [mail] = await delivered(before);
    expect(mail!.text).toContain('2 webhook deliveries have waited more than 15 minutes to be applied; the oldest 40 minutes');
  });

  test('when reconciliation last ran longer ago than the threshold, then a lag alert; within it, none', async () => {
    const before = smtp.messages.length;
    const ranAgo = (ms: number) => putState(ctx.pool, 'reconcile.orders', { lastRunAt: new Date(clock.now().getTime() - ms).toISOString() });
    await ranAgo(HOUR);
    expect((await alerts.checkNow()).sent).toEqual([]);
    await ranAgo(3 * HOUR);
    expect((await alerts.checkNow()).sent).toEqual(['reconcile_lag']);
    const [mail] = await delivered(before);
    expect(mail!.subject).toBe('Testwinkel: reconciliation is lagging');
    expect(mail!.text).toContain('3 hours ago; the threshold is 2 hours');
  });

  test('when pushes fail for good, then the operator hears of each new failed sync id once, with counts per processor', async () => {
    const before = smtp.messages.length;
    const a = await aFailedPush('snelstart', 'booking');
    const b = await aFailedPush('postnl', 'shipment');
    expect((await alerts.checkNow()).sent).toEqual(['push_failed']);
    expect((await alerts.checkNow()).sent).toEqual([]);
    const c = await aFailedPush('snelstart', 'booking');
    expect((await alerts.checkNow()).sent).toEqual(['push_failed']);
    const mails = await delivered(before);
    expect(mails).toHaveLength(2);
    expect(mails[0]!.text).toContain(`Newly failed (sync id): ${a}, ${b}.`);
    expect(mails[1]!.text).toContain(`Newly failed (sync id): ${c}.`);
    expect(mails[1]!.text).toMatch(/- postnl: 1\n- snelstart: 2/);
  });

  test('when an erasure at a processor needs hand work, then the operator hears of each new one once; closed ones clear it', async () => {
    const before = smtp.messages.length;
    const person = (await ctx.pool.query<{ id: number }>(`INSERT INTO persons (first_name, policy_version) VALUES ('[deleted]', 'v') RETURNING id`)).rows[0]!.id;
    const tombstone = (await ctx.pool.query<{ id: string }>(`INSERT INTO erasure_tombstones (id, person_id, erased_at, reason, categories)
      VALUES (gen_random_uuid(), $1, now(), 'retention', '{}') RETURNING id::text`, [person])).rows[0]!.id;
    const item = async (status: string) => (await ctx.pool.query<{ id: number }>(
      `INSERT INTO processor_erasures (tombstone_id, processor, status, detail) VALUES ($1, 'reviews', $2, 'ask by hand') RETURNING id`, [tombstone, status])).rows[0]!.id;
    await item('done'); // nothing to do by hand
    await item('pending'); // a call still settling it
    expect((await alerts.checkNow()).sent).toEqual([]);
    const a = await item('manual_required');
    expect((await alerts.checkNow()).sent).toEqual(['erasure_followup']);
    expect((await alerts.checkNow()).sent).toEqual([]);
    const b = await item('failed');
    expect((await alerts.checkNow()).sent).toEqual(['erasure_followup']);
    await ctx.pool.query(`UPDATE processor_erasures SET resolved_at = now(), resolved_by = 'anna' WHERE id = ANY($1)`, [[a, b]]);
    expect((await alerts.checkNow()).sent).toEqual([]); // cleared
    const c = await item('manual_required');
    expect((await alerts.checkNow()).sent).toEqual(['erasure_followup']); // it came back
    const mails = await delivered(before);
    expect(mails).toHaveLength(3);
    expect(mails[0]!.subject).toBe('Testwinkel: an erasure at a processor needs hand work');
    expect(mails[0]!.text).toContain(`New (id): ${a}.`);
    expect(mails[1]!.text).toContain(`New (id): ${b}.`);
    expect(mails[1]!.text).toMatch(/- failed: 1\n- manual_required: 1/);
    expect(mails[2]!.text).toContain(`New (id): ${c}.`);
    expect(mails[2]!.text).toMatch(/- manual_required: 1\n/);
    await ctx.pool.query(`UPDATE processor_erasures SET resolved_at = now() WHERE id = $1`, [c]);
  });

  test('when more erasure items are open than an alert lists and the newest is closed, then the older one taking its place is not mailed as new', async () => {
    const before = smtp.messages.length;
    const person = (await ctx.pool.query<{ id: number }>(`INSERT INTO persons (first_name, policy_version) VALUES ('[deleted]', 'v') RETURNING id`)).rows[0]!.id;
    const { rows } = await ctx.pool.query<{ id: number }>(`WITH t AS (INSERT INTO erasure_tombstones (id, person_id, erased_at, reason, categories)
        VALUES (gen_random_uuid(), $1, now(), 'retention', '{}') RETURNING id)
      INSERT INTO processor_erasures (tombstone_id, processor, status) SELECT t.id, 'reviews', 'manual_required' FROM t, generate_series(1, 51)
      RETURNING id`, [person]);
    const ids = rows.map((r) => r.id).sort((a, b) => a - b);
    expect((await alerts.checkNow()).sent).toEqual(['erasure_followup']);
    await ctx.pool.query(`UPDATE processor_erasures SET resolved_at = now() WHERE id = $1`, [ids.at(-1)]);
    expect((await alerts.checkNow()).sent).toEqual([]); // the 51st-newest now fits in the list: old, not news
    const mails = await delivered(before);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toMatch(/- manual_required: 51\n/);
    await ctx.pool.query(`UPDATE processor_erasures SET resolved_at = now() WHERE id = ANY($1)`, [ids]);
  });

  test('P14: when a mail to a data subject fails for good, then the operator hears of it once, by mail id; sent again, it clears', async () => {
    const before = smtp.messages.length;
    const req = (await ctx.pool.query<{ id: string }>(`
      INSERT INTO privacy_requests (type, status, email, subject_key, received_at, due_at, filed_by, completed_at)
      VALUES ('access', 'completed', $1, '\\x02', now(), now() + interval '30 days', 'operator', now()) RETURNING id::text`, [CUSTOMER])).rows[0]!.id;
    const mail = (await ctx.pool.query<{ id: number }>(`
      INSERT INTO mail_outbox (request_id, subject_key, to_address, template, lang, subject, text_body, status, attempts, last_error)
      VALUES ($1, '\\x02', $2, 'access_export', 'en', 'Your data', 'Attached.', 'failed', 8, 'smtp 535') RETURNING id`, [req, CUSTOMER])).rows[0]!.id;
    expect((await alerts.checkNow()).sent).toEqual(['mail_failed']);
    expect((await alerts.checkNow()).sent).toEqual([]);
    const [alert] = await delivered(before);
    expect(alert!.subject).toBe('Testwinkel: a mail to a data subject failed for good');
    expect(alert!.text).toContain(`Newly failed (mail id): ${mail}.`);
    // POST …/resend-mail puts it back in the outbox (test/dsr/lifecycle.e2e.test.ts sends it): no longer failed, cleared.
    await ctx.pool.query(`UPDATE mail_outbox SET status = 'sent', sent_at = now() WHERE id = $1`, [mail]);
    expect((await alerts.checkNow()).sent).toEqual([]);
    // Cleared, not merely quiet: the same mail failing again is news again.
    await ctx.pool.query(`UPDATE mail_outbox SET status = 'failed' WHERE id = $1`, [mail]);
    expect((await alerts.checkNow()).sent).toEqual(['mail_failed']);
    await ctx.pool.query(`UPDATE mail_outbox SET status = 'sent' WHERE id = $1`, [mail]);
    await alerts.checkNow();
  });

  test('when requests are due within 7 days, then the digest lists them by id and due date only, once a day', async () => {
    const before = smtp.messages.length;
    const request = async (dueInMs: number, status = 'in_progress') => (await ctx.pool.query<{ id: string }>(`
      INSERT INTO privacy_requests (type, status, email, subject_key, received_at, due_at, filed_by)
      VALUES ('access', $1, $2, '\\x01', $3, $4, 'operator') RETURNING id::text`,
    [status, CUSTOMER, new Date(clock.now().getTime() - DAY), new Date(clock.now().getTime() + dueInMs)])).rows[0]!.id;
    const overdue = await request(-2 * DAY);
    const soon = await request(3 * DAY);
    const later = await request(10 * DAY);
    const done = await request(DAY, 'completed');

    const jobs = createAlertJobs({ alerts });
    expect(await jobs.handleAlertDigest()).toEqual({ listed: 2 });
    expect(await jobs.handleAlertDigest()).toEqual({ listed: 0 }); // a retried job sends nothing more that day
    const [mail, ...more] = await delivered(before);
    expect(more).toHaveLength(0);
    expect(mail!.subject).toBe('Testwinkel: 2 privacy request(s) due within 7 days');
    const lines = mail!.text.split('\n').filter((l) => l.startsWith('- '));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^- ${overdue}: due \\d{1,2} \\w+ \\d{4} \\(overdue\\)$`));
    expect(lines[1]).toMatch(new RegExp(`^- ${soon}: due \\d{1,2} \\w+ \\d{4}$`));
    expect(mail!.text).not.toContain(later);
    expect(mail!.text).not.toContain(done);
    expect(mail!.text.toLowerCase()).not.toContain('access');

    clock.advance(DAY); // the next morning: a new digest
    expect(await jobs.handleAlertDigest()).toEqual({ listed: 2 });
    expect(await delivered(before)).toHaveLength(2);
  });
});

describe('without OPERATOR_EMAIL', () => {
  test('when a webhook is disabled, then the alert is one warning in the log and no mail is queued', async () => {
    const quiet = createAlerts({ pool: ctx.pool, clock, log: ctx.deps.log, operatorEmail: null, shopName: 'Testwinkel' });
    const logged = ctx.logs.length;
    await putState(ctx.pool, 'webhooks.health', health(['order.created']));
    expect((await quiet.checkNow()).sent).toEqual(['webhook_disabled']);
    expect((await quiet.checkNow()).sent).toEqual([]);
    expect(await outboxCount()).toBe(0);
    const warnings = ctx.logs.slice(logged).map((l) => JSON.parse(l)).filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ alert: 'webhook_disabled', facts: { topics: [{ topic: 'order.created', webhookId: 40 }] } });
  });
});
