import { createHash } from 'node:crypto';
import { createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery, phpJson } from '../builders/webhooks.js';
import { anOrder } from '../builders/woocommerce.js';
import { createInboxPurgeJobs } from '../../src/intake/inbox-purge.jobs.js';
import { purgeProcessed } from '../../src/intake/inbox.repository.js';

/**
 * P1: raw webhook bodies are deleted RAW_PAYLOAD_RETENTION_DAYS after processing, never before processing.
 * Deliveries go in through the real route; processing times are backdated in SQL to stand in for the calendar.
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ rawPayloadRetentionDays: 7 });
});
afterAll(async () => ctx.close());

const sha = (s: string) => createHash('sha256').update(s).digest();

/** Delivers a fresh order body; returns its inbox id and the exact body. */
async function deliver(): Promise<{ id: number; body: string; wcOrderId: number }> {
  const order = anOrder();
  const body = phpJson(order);
  const res = await ctx.app.inject(aDelivery(body, { topic: 'order.created' }));
  expect(res.json()).toEqual({ status: 'accepted' });
  const { rows } = await ctx.pool.query<{ id: number }>('SELECT id FROM webhook_inbox WHERE body_sha256 = $1', [sha(body)]);
  return { id: rows[0]!.id, body, wcOrderId: order.id };
}
/** Marks a row processed `age` ago (a Postgres interval, e.g. '8 days'); received a little earlier. */
async function processedAgo(id: number, age: string): Promise<void> {
  await ctx.pool.query(
    `UPDATE webhook_inbox SET received_at = now() - $2::interval - interval '1 minute', enqueued_at = now() - $2::interval,
       processed_at = now() - $2::interval, outcome = 'applied' WHERE id = $1`,
    [id, age],
  );
}
async function receivedAgo(id: number, age: string): Promise<void> {
  await ctx.pool.query('UPDATE webhook_inbox SET received_at = now() - $2::interval WHERE id = $1', [id, age]);
}
async function existing(ids: number[]): Promise<number[]> {
  const { rows } = await ctx.pool.query<{ id: number }>('SELECT id FROM webhook_inbox WHERE id = ANY($1::bigint[]) ORDER BY id', [ids]);
  return rows.map((r) => r.id);
}
const purgeJobs = (retentionDays = ctx.config.rawPayloadRetentionDays) =>
  createInboxPurgeJobs({ pool: ctx.pool, log: ctx.deps.log, metrics: ctx.deps.metrics, retentionDays });

describe('P1: raw payloads are purged RAW_PAYLOAD_RETENTION_DAYS after processing', () => {
  test('P1: when rows were processed more than 7 days ago, then the purge deletes them and their raw bodies', async () => {
    const old = [await deliver(), await deliver(), await deliver()];
    for (const [i, d] of old.entries()) await processedAgo(d.id, ['7 days 1 minute', '8 days', '400 days'][i]!);
    const result = await purgeJobs().handlePurgeInbox();
    expect(result.purged).toBe(3);
    expect(await existing(old.map((d) => d.id))).toEqual([]);
    const { rows } = await ctx.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM webhook_inbox WHERE body_sha256 = ANY($1::bytea[]) OR position($2::bytea IN body) > 0",
      [old.map((d) => sha(d.body)), Buffer.from(`"order_key":"wc_order_${old[0]!.wcOrderId}"`)],
    );
    expect(rows[0]!.n).toBe(0);
  });

  test('P1: when a delete that came before its record is older than the retention, then the purge forgets it too', async () => {
    await ctx.pool.query(`INSERT INTO early_deletes (resource, wc_id, inbox_id, received_at) VALUES
      ('order', 990001, 1, now() - interval '7 days 1 minute'), ('customer', 990002, 2, now() - interval '6 days')`);
    expect((await purgeJobs().handlePurgeInbox()).earlyDeletes).toBe(1);
    const { rows } = await ctx.pool.query('SELECT wc_id FROM early_deletes WHERE wc_id IN (990001, 990002)');
    expect(rows.map((r) => Number(r.wc_id))).toEqual([990002]);
  });

  test('P1: when rows were processed within the last 7 days, then the purge keeps them', async () => {
    const recent = [await deliver(), await deliver(), await deliver()];
    for (const [i, d] of recent.entries()) await processedAgo(d.id, ['0 seconds', '3 days', '6 days 23 hours'][i]!);
    await purgeJobs().handlePurgeInbox();
    expect(await existing(recent.map((d) => d.id))).toEqual(recent.map((d) => d.id));
  });

  test('P1: when rows were never processed, then they are kept however old they are', async () => {
    const unrelayed = await deliver();
    const relayedOnly = await deliver();
    await receivedAgo(unrelayed.id, '365 days');
    await receivedAgo(relayedOnly.id, '90 days');
    await ctx.pool.query("UPDATE webhook_inbox SET enqueued_at = now() - interval '90 days' WHERE id = $1", [relayedOnly.id]);
    await purgeJobs().handlePurgeInbox();
    expect(await existing([unrelayed.id, relayedOnly.id])).toEqual([unrelayed.id, relayedOnly.id]);
  });

  test('P1: when one purge run mixes old, recent and unprocessed rows, then exactly the old processed ones go', async () => {
    const oldA = await deliver();
    const oldB = await deliver();
    const recent = await deliver();
    const pending = await deliver();
    await processedAgo(oldA.id, '10 days');
    await processedAgo(oldB.id, '30 days');
    await processedAgo(recent.id, '1 day');
    await receivedAgo(pending.id, '30 days');
    const { purged } = await purgeJobs().handlePurgeInbox();
    expect(purged).toBe(2);
    expect(await existing([oldA.id, oldB.id, recent.id, pending.id])).toEqual([recent.id, pending.id]);
  });

  test('P1: when the retention is configured longer (30 days), then a row processed 8 days ago is kept', async () => {
    const d = await deliver();
    await processedAgo(d.id, '8 days');
    await purgeJobs(30).handlePurgeInbox();
    expect(await existing([d.id])).toEqual([d.id]);
    await purgeJobs(7).handlePurgeInbox();
    expect(await existing([d.id])).toEqual([]);
  });

  test('P1: when more rows are due than one batch holds, then the purge keeps going until all are gone', async () => {
    const due = [];
    for (let i = 0; i < 5; i++) due.push(await deliver());
    for (const d of due) await processedAgo(d.id, '9 days');
    const purged = await purgeProcessed(ctx.pool, 7, 2);
    expect(purged).toBe(5);
    expect(await existing(due.map((d) => d.id))).toEqual([]);
  });

  test('P1: when the purge runs, then woo_inbox_purged_total counts the rows removed', async () => {
    const value = async () => {
      const text = await ctx.deps.metrics.registry.metrics();
      return Number(/^woo_inbox_purged_total (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const before = await value();
    const d = await deliver();
    await processedAgo(d.id, '8 days');
    const { purged } = await purgeJobs().handlePurgeInbox();
    expect(purged).toBe(1);
    expect((await value()) - before).toBe(1);
  });
});

describe('duplicates are remembered for the retention window', () => {
  test('when a body processed 6 days ago arrives again after a purge run, then it is still a duplicate', async () => {
    const d = await deliver();
    await processedAgo(d.id, '6 days 23 hours');
    await purgeJobs().handlePurgeInbox();
    const again = await ctx.app.inject(aDelivery(d.body, { topic: 'order.created' }));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ status: 'duplicate' });
    expect(await existing([d.id])).toEqual([d.id]);
  });

  test('when a body not yet processed arrives again, then it is a duplicate however long ago it was received', async () => {
    const d = await deliver();
    await receivedAgo(d.id, '60 days');
    await purgeJobs().handlePurgeInbox();
    expect((await ctx.app.inject(aDelivery(d.body, { topic: 'order.created' }))).json()).toEqual({ status: 'duplicate' });
  });

  test('when a body arrives again after its row was purged, then it is accepted as a new delivery', async () => {
    const d = await deliver();
    await processedAgo(d.id, '8 days');
    await purgeJobs().handlePurgeInbox();
    expect(await existing([d.id])).toEqual([]);
    expect((await ctx.app.inject(aDelivery(d.body, { topic: 'order.created' }))).json()).toEqual({ status: 'accepted' });
  });
});
