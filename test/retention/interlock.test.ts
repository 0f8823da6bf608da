import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestContext, type TestContext } from '../setup/context.js';
import { manualClock } from '../../src/platform/clock.js';
import { JobName, QueueName } from '../../src/jobs.js';
import { putState } from '../../src/sync/sync-state.repository.js';
import { HEALTH_KEY, type HealthReport } from '../../src/shop-webhooks/webhooks.service.js';
import { STATE_KEY, type OrdersState } from '../../src/reconcile/reconcile.service.js';
import { readMirrorHealth } from '../../src/retention/mirror-health.js';
import { interlockReasons } from '../../src/retention/sweep-plan.js';
import { DAY_MS, INACTIVE_MS, anOrderAt, auth, erasedAmong, metricValue, seedOrders, startSweep, sweepSettled } from './seed.js';

/** P13 safety interlock: a sweep that would erase too many, or run on an incomplete mirror, only previews. */
const T = new Date('2026-01-20T12:00:00.000Z');
const ago = (ms: number) => new Date(T.getTime() - ms);
const HOUR_MS = 3600_000;
const clock = manualClock(T);
const tooMany = 'woo_retention_interlock_total{reason="too_many_due"}';
const tombstoneCount = async (ctx: TestContext) => (await ctx.pool.query('SELECT count(*)::int AS n FROM erasure_tombstones')).rows[0].n as number;

const health = (topics: [string, HealthReport['topics'][number]['state'], boolean?][]): HealthReport => ({
  checkedAt: T.toISOString(), healthy: false,
  topics: topics.map(([topic, state, repaired = false], i) => ({ topic, state, webhookId: i + 1, repaired })),
});
const reconciled = (lastRunAt: Date | null): OrdersState => ({
  watermark: T.toISOString(), lastRunAt: lastRunAt?.toISOString() ?? null, lastRunFetched: 0, lastRunMissed: 0, missedTotal: 0, runs: 1,
});

describe('P13 safety interlock: too many due', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ dataDir: mkdtempSync(join(tmpdir(), 'woo-interlock-')) }, { clock });
    await ctx.startWorkers();
  });
  afterAll(async () => ctx.close());

  test('when a sweep would erase 50 % of people, then it is blocked, erases nothing and raises the metric; with force it runs', async () => {
    const [due, active] = await seedOrders(ctx, [anOrderAt(ago(INACTIVE_MS + DAY_MS)), anOrderAt(ago(30 * DAY_MS))]);
    const people = [due!.personId, active!.personId];
    const metricBefore = await metricValue(ctx, tooMany);

    const res = await startSweep(ctx);
    expect(res.statusCode).toBe(200);
    const blocked = res.json();
    expect(blocked).toMatchObject({ status: 'blocked', blockedReasons: ['too_many_due'], forced: false, existing: false,
      preview: { personsDue: 1, personsOpen: 2, fraction: 0.5, interlock: { blocked: true, reasons: ['too_many_due'] } } });
    expect(blocked.finishedAt).toBe(T.toISOString());
    expect(await metricValue(ctx, tooMany)).toBe(metricBefore + 1);
    expect((await ctx.app.inject({ url: `/api/retention/sweeps/${blocked.id}`, headers: auth })).json())
      .toMatchObject({ status: 'blocked', blockedReasons: ['too_many_due'] });
    await new Promise((r) => setTimeout(r, 200)); // no job was queued; give a stray one time to run
    expect(await erasedAmong(ctx, people)).toEqual([]);
    expect(await tombstoneCount(ctx)).toBe(0);

    const forced = await startSweep(ctx, { force: true });
    expect(forced.statusCode).toBe(202);
    expect(forced.json()).toMatchObject({ status: 'running', forced: true, blockedReasons: ['too_many_due'] });
    const done = await sweepSettled(ctx, forced.json().id);
    expect(done).toMatchObject({ status: 'completed', counts: { personsErased: 1 } });
    expect(await erasedAmong(ctx, people)).toEqual([due!.personId]);
    expect(await metricValue(ctx, tooMany)).toBe(metricBefore + 1); // a forced run is not held back
  });

  test('when the daily job trips the interlock, then it records a blocked scheduled sweep and erases nothing', async () => {
    await seedOrders(ctx, [anOrderAt(ago(INACTIVE_MS + DAY_MS)), anOrderAt(ago(INACTIVE_MS + 2 * DAY_MS))]);
    const before = await tombstoneCount(ctx);
    const events = ctx.deps.queues.backend.events(QueueName.Maintenance);
    try {
      await events.waitUntilReady();
      const job = await ctx.deps.queues.maintenance.add(JobName.RetentionSweep, {});
      const result = await job.waitUntilFinished(events, 15_000);
      expect(result).toMatchObject({ status: 'blocked', reasons: ['too_many_due'] });
      expect(await ctx.deps.retention.get(result.sweepId)).toMatchObject({ trigger: 'schedule', status: 'blocked' });
    } finally {
      await events.close();
    }
    expect(await tombstoneCount(ctx)).toBe(before);
  });
});

describe('P13 safety interlock: the mirror is known to be incomplete', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    const woo = { url: 'https://shop.example', consumerKey: 'ck_test', consumerSecret: 'cs_test', caFile: null, timeoutMs: 1000 };
    ctx = await createTestContext({ dataDir: mkdtempSync(join(tmpdir(), 'woo-interlock-')), woo }, { clock });
    for (let i = 0; !ctx.deps.queues.isReady() && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(async () => ctx.close());

  test('when nothing is known yet, then unknown webhooks do not block but a reconciliation that never ran does', async () => {
    const h = await readMirrorHealth(ctx.pool, clock, true);
    expect(h).toEqual({ webhooksNotDelivering: null, reconciliationLagSeconds: null });
    expect(interlockReasons(h, 0, 10, 0.2)).toEqual(['reconciliation_never_ran']);
    // Without the REST API neither can be known, and nothing blocks.
    const off = await readMirrorHealth(ctx.pool, clock, false);
    expect(interlockReasons(off, 0, 10, 0.2)).toEqual([]);
  });

  test('when a webhook of ours is disabled and reconciliation last ran 25 h ago, then both are reasons', async () => {
    await putState(ctx.pool, HEALTH_KEY, health([
      ['order.created', 'ok'], ['order.updated', 'disabled'], ['order.deleted', 'paused', true], ['customer.created', 'mismatch'],
    ]));
    await putState(ctx.pool, STATE_KEY.orders, reconciled(ago(25 * HOUR_MS)));
    const h = await readMirrorHealth(ctx.pool, clock, true);
    expect(h).toEqual({ webhooksNotDelivering: ['order.updated:disabled'], reconciliationLagSeconds: 25 * 3600 });
    expect(interlockReasons(h, 0, 10, 0.2)).toEqual(['webhook_disabled', 'reconciliation_lag']);

    // The API refuses to sweep on it: blocked with both reasons, though nobody is due.
    const metric = await metricValue(ctx, 'woo_retention_interlock_total{reason="webhook_disabled"}');
    const res = await startSweep(ctx);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'blocked', blockedReasons: ['webhook_disabled', 'reconciliation_lag'] });
    expect(await metricValue(ctx, 'woo_retention_interlock_total{reason="webhook_disabled"}')).toBe(metric + 1);
  });

  test('when every webhook delivers and reconciliation ran 23 h ago, then nothing blocks', async () => {
    await putState(ctx.pool, HEALTH_KEY, health([['order.created', 'ok'], ['order.updated', 'disabled', true]]));
    await putState(ctx.pool, STATE_KEY.orders, reconciled(ago(23 * HOUR_MS)));
    const h = await readMirrorHealth(ctx.pool, clock, true);
    expect(h).toEqual({ webhooksNotDelivering: [], reconciliationLagSeconds: 23 * 3600 });
    expect(interlockReasons(h, 0, 10, 0.2)).toEqual([]);
    const p = (await ctx.app.inject({ url: '/api/retention/preview', headers: auth })).json();
    expect(p.interlock).toEqual({ blocked: false, reasons: [], health: h });
  });
});
