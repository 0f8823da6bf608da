import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { aCustomer } from '../builders/woocommerce.js';
import { manualClock } from '../../src/platform/clock.js';
import { DAY_MS, INACTIVE_MS, anOrderAt, auth, erasedAmong, gmt, metricValue, seedOrders, startSweep, sweepSettled } from './seed.js';

/**
 * P13 two-year retention through the API, on real Postgres and Redis: people are mirrored from webhooks, the sweep
 * runs in the real worker, and "now" is a manual clock that stays at T, so people kept by one test stay kept.
 * The tests in a describe build on each other in order.
 */
const T = new Date('2026-06-01T10:00:00.000Z');
const ago = (ms: number) => new Date(T.getTime() - ms);
let ctx: TestContext;
const withContext = (retention: { maxFraction: number }) => {
  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'woo-retention-'));
    ctx = await createTestContext({ dataDir, retention: { cron: '0 3 * * *', inactiveDays: 730, ...retention } }, { clock: manualClock(T) });
    await ctx.startWorkers();
  });
  afterAll(async () => ctx.close());
};

describe('P13 retention sweep: who is due', () => {
  withContext({ maxFraction: 1 }); // the interlock (own file) would hold these back; here we look at the due set itself

  test('when last activity is 730 days + 1 s before the sweep, then the person is erased; at 730 days − 1 s or exactly 730 days, kept', async () => {
    const [over, under, exact] = await seedOrders(ctx, [
      anOrderAt(ago(INACTIVE_MS + 1000)), anOrderAt(ago(INACTIVE_MS - 1000)), anOrderAt(ago(INACTIVE_MS)),
    ]);
    const { rows: [p] } = await ctx.pool.query('SELECT last_activity_at FROM persons WHERE id = $1', [over!.personId]);
    expect(p.last_activity_at).toEqual(ago(INACTIVE_MS + 1000));

    const res = await startSweep(ctx);
    expect(res.statusCode).toBe(202);
    const started = res.json();
    expect(started).toMatchObject({ id: expect.any(String), status: 'running', trigger: 'operator', forced: false, existing: false,
      createdAt: T.toISOString(), cutoff: ago(INACTIVE_MS).toISOString() });

    const done = await sweepSettled(ctx, started.id);
    expect(done).toMatchObject({ id: started.id, status: 'completed', phase: 'done', cutoff: ago(INACTIVE_MS).toISOString(), blockedReasons: [] });
    expect(done.counts).toMatchObject({ personsErased: 1, personsHeld: 0, ordersAnonymised: 1, fiscalArchived: 1 });
    expect(done.durationMs).toEqual(expect.any(Number));
    expect(await erasedAmong(ctx, [over!.personId, under!.personId, exact!.personId])).toEqual([over!.personId]);

    // One tombstone, naming the sweep as the reason; the erasure is dated by the sweep's clock.
    const { rows: ts } = await ctx.pool.query('SELECT person_id, reason, reason_ref, erased_at FROM erasure_tombstones WHERE reason_ref = $1', [started.id]);
    expect(ts).toEqual([{ person_id: over!.personId, reason: 'retention', reason_ref: started.id, erased_at: T }]);
    const { rows: [o] } = await ctx.pool.query('SELECT billing FROM orders WHERE wc_order_id = $1', [over!.wcOrderId]);
    expect(o.billing).toMatchObject({ firstName: '[deleted]', email: 'deleted@site.invalid' });
  });

  test('when an old order was paid or completed later, the person ordered again or changed their account, then the latest date counts', async () => {
    const paidLate = gmt(ago(729 * DAY_MS));
    const completedOld = gmt(ago(731 * DAY_MS));
    const email = `two-orders-${Date.now()}@example.com`;
    const [paid, completed, twoOld] = await seedOrders(ctx, [
      anOrderAt(ago(800 * DAY_MS), { modified: paidLate, date_paid_gmt: paidLate, date_paid: paidLate }),
      anOrderAt(ago(735 * DAY_MS), { status: 'completed', modified: completedOld, date_completed_gmt: completedOld, date_completed: completedOld }),
      anOrderAt(ago(900 * DAY_MS), { email }),
    ]);
    const [twoNew] = await seedOrders(ctx, [anOrderAt(ago(10 * DAY_MS), { email })]);
    expect(twoNew!.personId).toBe(twoOld!.personId);
    // An account registered and last ordering 3 years ago, but changed by its owner 100 days ago.
    const account = aCustomer({ email: `account-${Date.now()}@example.com`, created: gmt(ago(1100 * DAY_MS)), modified: gmt(ago(100 * DAY_MS)) });
    expect((await ctx.app.inject(aDelivery(account, { topic: 'customer.updated' }))).statusCode).toBe(200);
    const [changed] = await seedOrders(ctx, [anOrderAt(ago(1095 * DAY_MS), { email: account.email, customer_id: account.id })]);

    const done = await sweepSettled(ctx, (await startSweep(ctx)).json().id);
    expect(done.status).toBe('completed');
    expect(await erasedAmong(ctx, [paid!.personId, completed!.personId, twoOld!.personId, changed!.personId])).toEqual([completed!.personId]);
    expect(done.counts.personsErased).toBe(1);
  });

  test('when inactive people have processing, on-hold, pending or cancelled orders, then every one is erased (unlike WooCommerce)', async () => {
    const at = ago(INACTIVE_MS + DAY_MS);
    const statuses = ['processing', 'on-hold', 'pending', 'cancelled', 'failed', 'completed', 'refunded'];
    const seeded = await seedOrders(ctx, statuses.map((status) => anOrderAt(at, {
      status, ...(['processing', 'completed', 'refunded'].includes(status) ? {} : { date_paid: null, date_paid_gmt: null }),
    })));
    const done = await sweepSettled(ctx, (await startSweep(ctx)).json().id);
    expect(done.status).toBe('completed');
    const ids = seeded.map((s) => s.personId).sort((a, b) => a - b);
    expect(await erasedAmong(ctx, ids)).toEqual(ids);
    // Invoiced orders (processing, completed, refunded) keep their fiscal copy; the others have none.
    expect(done.counts).toMatchObject({ personsErased: statuses.length, ordersAnonymised: statuses.length, fiscalArchived: 3 });
    const { rows } = await ctx.pool.query(
      'SELECT o.status FROM fiscal_archive f JOIN orders o ON o.id = f.order_id WHERE o.wc_order_id = ANY($1) ORDER BY o.status',
      [seeded.map((s) => s.wcOrderId)]);
    expect(rows.map((r) => r.status)).toEqual(['completed', 'processing', 'refunded']);
  });

  test('P19: when an inactive person restricted processing (Art. 18), then the sweep keeps them (only storage is allowed) and counts them held; lifted, they go', async () => {
    const [restricted] = await seedOrders(ctx, [anOrderAt(ago(INACTIVE_MS + DAY_MS))]);
    await ctx.pool.query('UPDATE persons SET restricted = true WHERE id = $1', [restricted!.personId]);
    const kept = await sweepSettled(ctx, (await startSweep(ctx)).json().id);
    expect(kept.counts).toMatchObject({ personsErased: 0, personsHeld: 1 });
    expect(await erasedAmong(ctx, [restricted!.personId])).toEqual([]);
    await ctx.pool.query('UPDATE persons SET restricted = false WHERE id = $1', [restricted!.personId]);
    const gone = await sweepSettled(ctx, (await startSweep(ctx)).json().id);
    expect(gone.counts).toMatchObject({ personsErased: 1, personsHeld: 0 });
    expect(await erasedAmong(ctx, [restricted!.personId])).toEqual([restricted!.personId]);
  });
});

describe('P13 retention API', () => {
  withContext({ maxFraction: 0.2 });

  /** Everything a sweep could change, as one comparable value. */
  async function snapshot() {
    const { rows: [r] } = await ctx.pool.query(`SELECT
      (SELECT count(*) FROM persons) AS persons, (SELECT count(*) FROM person_emails) AS emails,
      (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM erasure_tombstones) AS tombstones,
      (SELECT count(*) FROM fiscal_archive) AS fiscal, (SELECT count(*) FROM retention_sweeps) AS sweeps,
      (SELECT count(*) FROM webhook_inbox WHERE scrubbed_at IS NOT NULL) AS scrubbed,
      (SELECT md5(string_agg(concat_ws('|', id, status, first_name, billing::text, erased_at), ',' ORDER BY id)) FROM persons) AS persons_md5,
      (SELECT md5(string_agg(concat_ws('|', id, billing::text, shipping::text), ',' ORDER BY id)) FROM orders) AS orders_md5`);
    return r;
  }
  const preview = async () => {
    const res = await ctx.app.inject({ url: '/api/retention/preview', headers: auth });
    expect(res.statusCode).toBe(200);
    return res.json();
  };
  const sweepCount = async () => (await ctx.pool.query('SELECT count(*)::int AS n FROM retention_sweeps')).rows[0].n as number;

  test('when previewing, then it shows cutoff, due people and orders, the fraction and the interlock, and changes nothing', async () => {
    const email = `due-twice-${Date.now()}@example.com`;
    await seedOrders(ctx, [
      anOrderAt(ago(INACTIVE_MS + DAY_MS), { email }), anOrderAt(ago(INACTIVE_MS + 2 * DAY_MS), { email }),
      anOrderAt(ago(1000 * DAY_MS), { status: 'on-hold' }),
      anOrderAt(ago(DAY_MS)), anOrderAt(ago(INACTIVE_MS - DAY_MS)), anOrderAt(ago(400 * DAY_MS)),
    ]);
    const before = await snapshot();
    const interlocksBefore = await metricValue(ctx, 'woo_retention_interlock_total{reason="too_many_due"}');

    const p = await preview();
    expect(p).toMatchObject({
      now: T.toISOString(), cutoff: ago(INACTIVE_MS).toISOString(), inactiveDays: 730,
      personsDue: 2, ordersDue: 3, personsOpen: 5, personsHeld: 0, fiscalPastTerm: 0, fraction: 0.4, maxFraction: 0.2,
      interlock: { blocked: true, reasons: ['too_many_due'] },
    });
    // Webhooks-only mode (no WC_URL): mirror health is unknown, which does not block.
    expect(p.interlock.health).toEqual({ webhooksNotDelivering: null });
    await preview();

    expect(await snapshot()).toEqual(before);
    expect(await metricValue(ctx, 'woo_retention_interlock_total{reason="too_many_due"}')).toBe(interlocksBefore);
  });

  test('when a sweep is already running, then POST returns that one (existing: true) and the worker completes it', async () => {
    const { sweep } = await ctx.deps.retention.start({ trigger: 'schedule', force: true }); // as if the scheduler had just begun
    expect(sweep.status).toBe('running');
    const n = await sweepCount();

    const res = await startSweep(ctx);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ id: sweep.id, status: 'running', trigger: 'schedule', forced: true, existing: true });
    expect(await sweepCount()).toBe(n);

    const done = await sweepSettled(ctx, sweep.id);
    expect(done).toMatchObject({ status: 'completed', createdAt: T.toISOString(), cutoff: ago(INACTIVE_MS).toISOString(), phase: 'done' });
    expect(done.counts).toMatchObject({ personsErased: 2, personsHeld: 0, ordersAnonymised: 3, fiscalArchived: 3 });
    expect((await preview()).personsDue).toBe(0);

    // With none running, two POSTs at once start one new sweep between them; it has nothing left to do.
    const tombstones = (await ctx.pool.query('SELECT count(*)::int AS n FROM erasure_tombstones')).rows[0].n;
    const both = await Promise.all([startSweep(ctx, { force: false }), startSweep(ctx, {})]);
    expect(both.map((r) => r.statusCode)).toEqual([202, 202]);
    expect(both.map((r) => r.json().existing).sort()).toEqual([false, true]);
    const again = both.find((r) => !r.json().existing)!;
    expect(again.json()).toMatchObject({ status: 'running', forced: false });
    expect(both.map((r) => r.json().id)).toEqual([again.json().id, again.json().id]);
    expect(again.json().id).not.toBe(sweep.id);
    expect(await sweepCount()).toBe(n + 1);
    const second = await sweepSettled(ctx, again.json().id);
    expect(second.status).toBe('completed');
    expect(second.counts.personsErased ?? 0).toBe(0); // (the key is absent when no batch ran)
    expect((await ctx.pool.query('SELECT count(*)::int AS n FROM erasure_tombstones')).rows[0].n).toBe(tombstones);

    const list = await ctx.app.inject({ url: '/api/retention/sweeps', headers: auth });
    expect(list.json().sweeps.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining([sweep.id, again.json().id]));
  });

  test('when the body is invalid, then 400 and no sweep; an unknown id is 404, a malformed one 400; without a token 401', async () => {
    const n = await sweepCount();
    for (const payload of [{ force: 'yes' }, { force: true, dryRun: true }, { force: 1 }]) {
      const res = await startSweep(ctx, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
    }
    expect(await sweepCount()).toBe(n);

    expect((await ctx.app.inject({ url: `/api/retention/sweeps/${randomUUID()}`, headers: auth })).statusCode).toBe(404);
    expect((await ctx.app.inject({ url: '/api/retention/sweeps/42', headers: auth })).statusCode).toBe(400);

    for (const [method, url] of [['GET', '/api/retention/preview'], ['POST', '/api/retention/sweeps'], ['GET', '/api/retention/sweeps']] as const) {
      expect((await ctx.app.inject({ method, url, payload: method === 'POST' ? {} : undefined })).statusCode).toBe(401);
    }
    expect(await sweepCount()).toBe(n);
  });
});

describe('P13 retention sweep and activity it did not know of', () => {
  withContext({ maxFraction: 1 });

  test('when an order placed after the cutoff reaches the mirror only after the sweep erased its customer, then it is a new relationship: stored with its data, not forgotten; an old order re-sent stays forgotten', async () => {
    const [old] = await seedOrders(ctx, [anOrderAt(ago(INACTIVE_MS + 5 * DAY_MS))]);
    const done = await sweepSettled(ctx, (await startSweep(ctx)).json().id);
    expect(done.counts).toMatchObject({ personsErased: 1 });
    expect(await erasedAmong(ctx, [old!.personId])).toEqual([old!.personId]);
    const { rows: [t] } = await ctx.pool.query('SELECT forgets_before FROM erasure_tombstones WHERE reason_ref = $1', [done.id]);
    expect(t.forgets_before).toEqual(ago(INACTIVE_MS));

    // Placed an hour before the sweep, delivered late (a queued webhook, a re-fetch): after the cutoff, before the erasure.
    const late = anOrderAt(ago(3_600_000), { email: old!.email, first_name: 'Lotte', last_name: 'Smit' });
    await seedOrders(ctx, [late]);
    const { rows: [stored] } = await ctx.pool.query(
      'SELECT o.billing, p.status, p.id AS person_id FROM orders o JOIN persons p ON p.id = o.person_id WHERE o.wc_order_id = $1', [late.id]);
    expect(stored.status).toBe('active');
    expect(Number(stored.person_id)).not.toBe(old!.personId);
    expect(stored.billing).toMatchObject({ firstName: 'Lotte', lastName: 'Smit', email: old!.email });

    // The order the sweep forgot, re-sent with its personal data: still forgotten, on the erased person.
    const again = anOrderAt(ago(INACTIVE_MS + 5 * DAY_MS), { id: old!.wcOrderId, email: old!.email, modified: gmt(ago(DAY_MS)) });
    expect((await ctx.app.inject(aDelivery(again, { topic: 'order.updated' }))).statusCode).toBe(200);
    await ctx.drained();
    const { rows: [kept] } = await ctx.pool.query('SELECT person_id, billing FROM orders WHERE wc_order_id = $1', [old!.wcOrderId]);
    expect(Number(kept.person_id)).toBe(old!.personId);
    expect(kept.billing).toMatchObject({ firstName: '[deleted]', email: 'deleted@site.invalid' });
  });
});
