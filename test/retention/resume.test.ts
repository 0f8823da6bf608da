import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QueueEvents } from 'bullmq';
import { createTestContext, type TestContext } from '../setup/context.js';
import { manualClock } from '../../src/platform/clock.js';
import { JobName, QueueName } from '../../src/jobs.js';
import { createRetentionService, type Progress } from '../../src/retention/sweep.service.js';
import { readMirrorHealth } from '../../src/retention/mirror-health.js';
import { upsertSchedules } from '../../workers/schedules.js';
import { replayLedger } from '../../src/erasure/replay.service.js';
import { DAY_MS, INACTIVE_MS, anOrderAt, erasedAmong, seedOrders } from './seed.js';

/** P13 retention sweep as a job: resumable after a crash, progress through BullMQ, scheduled daily. */
const T = new Date('2026-09-15T22:30:00.000Z');
const ago = (ms: number) => new Date(T.getTime() - ms);
const clock = manualClock(T);
let ctx: TestContext;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'woo-retention-resume-'));
  ctx = await createTestContext({ dataDir }, { clock });
  await ctx.startWorkers();
});
afterAll(async () => ctx.close());

/** A second process's retention service: same wiring as src/deps.ts, in batches of 2. */
const retentionInBatchesOf2 = () => createRetentionService({
  pool: ctx.pool, log: ctx.deps.log, metrics: ctx.deps.metrics, clock, batchSize: 2,
  erasure: { dataDir, fiscal: { prefix: ctx.config.invoicePrefix, years: ctx.config.fiscalRetentionYears } },
  inactiveDays: ctx.config.retention.inactiveDays, maxFraction: ctx.config.retention.maxFraction,
  rawPayloadRetentionDays: ctx.config.rawPayloadRetentionDays, mirrorHealth: () => readMirrorHealth(ctx.pool, clock, false),
});
/** Fails like a killed process right after the nth batch committed. */
const crashAfterBatch = (n: number) => {
  const seen: Progress[] = [];
  return { seen, onProgress: async (p: Progress) => { seen.push(p); if (seen.length === n) throw new Error('killed'); } };
};
const byId = (a: number, b: number) => a - b;

describe('P13 retention sweep: killed half-way and restarted', () => {
  test('when the sweep dies after 2 of 4 batches and is run again, then exactly the due people are erased, each once', async () => {
    const due = await seedOrders(ctx, [1, 2, 3, 4, 5, 6, 7].map((i) => anOrderAt(ago(INACTIVE_MS + i * DAY_MS))));
    const kept = await seedOrders(ctx, [1, 2, 3].map((i) => anOrderAt(ago(INACTIVE_MS - i * DAY_MS))));
    await seedOrders(ctx, [anOrderAt(ago(INACTIVE_MS + 9 * DAY_MS), { email: due[0]!.email })]); // 8 orders of the due
    const dueIds = due.map((s) => s.personId).sort(byId);

    const first = retentionInBatchesOf2();
    const { sweep } = await first.start({ trigger: 'operator', force: true }); // 70 % due: forced past the interlock
    const crash = crashAfterBatch(2);
    await expect(first.run(sweep.id, crash.onProgress)).rejects.toThrow('killed');

    const halfway = (await first.get(sweep.id))!;
    expect(halfway).toMatchObject({ status: 'running', phase: 'persons', cursor: dueIds[3] });
    expect(halfway.counts).toMatchObject({ personsErased: 4 });
    expect(await erasedAmong(ctx, dueIds)).toEqual(dueIds.slice(0, 4));
    expect(crash.seen).toEqual([{ phase: 'persons', done: 2, total: 7 }, { phase: 'persons', done: 4, total: 7 }]);

    // The restarted process finds the interrupted sweep instead of starting another, and resumes it.
    const second = retentionInBatchesOf2();
    expect(await second.start({ trigger: 'schedule' })).toMatchObject({ existing: true, sweep: { id: sweep.id } });
    const progress: Progress[] = [];
    const done = await second.run(sweep.id, async (p) => { progress.push(p); });
    expect(done).toMatchObject({ status: 'completed', phase: 'done', cutoff: ago(INACTIVE_MS) });
    expect(progress.filter((p) => p.phase === 'persons').map((p) => p.done)).toEqual([6, 7]);

    const all = [...dueIds, ...kept.map((s) => s.personId)];
    expect(await erasedAmong(ctx, all)).toEqual(dueIds);
    const { rows } = await ctx.pool.query<{ person_id: number; n: number }>(
      'SELECT person_id, count(*)::int AS n FROM erasure_tombstones WHERE reason_ref = $1 GROUP BY person_id ORDER BY person_id', [sweep.id]);
    expect(rows).toEqual(dueIds.map((id) => ({ person_id: id, n: 1 })));
    expect(done.counts).toMatchObject({ personsErased: 7, personsHeld: 0, ordersAnonymised: 8, fiscalArchived: 8 });
    expect(await second.run(sweep.id)).toMatchObject({ status: 'completed', counts: done.counts }); // idempotent
  });

  test('when a due person orders again while the sweep is down, then the resumed sweep keeps them', async () => {
    const due = await seedOrders(ctx, [1, 2, 3, 4].map((i) => anOrderAt(ago(INACTIVE_MS + i * DAY_MS))));
    await seedOrders(ctx, [1, 2, 3, 4, 5, 6].map((i) => anOrderAt(ago(i * DAY_MS))));
    const dueIds = due.map((s) => s.personId).sort(byId);
    const svc = retentionInBatchesOf2();
    const { sweep } = await svc.start({ trigger: 'operator', force: true });
    await expect(svc.run(sweep.id, crashAfterBatch(1).onProgress)).rejects.toThrow('killed');

    const back = due.find((s) => s.personId === dueIds[3])!;
    await seedOrders(ctx, [anOrderAt(T, { email: back.email })]);
    const done = await retentionInBatchesOf2().run(sweep.id);
    expect(done.status).toBe('completed');
    expect(await erasedAmong(ctx, dueIds)).toEqual(dueIds.slice(0, 3));
    expect(done.counts).toMatchObject({ personsErased: 3 });
  });

  test('P14b when the sweep dies inside a batch after its ledger lines, then the batch is redone and erasure:replay erases nobody it kept', async () => {
    const due = await seedOrders(ctx, [1, 2, 3, 4].map((i) => anOrderAt(ago(INACTIVE_MS + i * DAY_MS))));
    const dueIds = due.map((s) => s.personId).sort(byId);
    // Fault injection in this test's schema: the second batch's transaction fails after eraseBatch (ledger written).
    await ctx.pool.query(`CREATE FUNCTION kill_second_batch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF NEW.phase = 'persons' AND (OLD.counts->>'personsErased')::int >= 2 THEN RAISE EXCEPTION 'killed mid-batch'; END IF;
      RETURN NEW; END $$`);
    await ctx.pool.query('CREATE TRIGGER kill_second_batch BEFORE UPDATE ON retention_sweeps FOR EACH ROW EXECUTE FUNCTION kill_second_batch()');
    const svc = retentionInBatchesOf2();
    const { sweep } = await svc.start({ trigger: 'operator', force: true });
    try {
      await expect(svc.run(sweep.id)).rejects.toThrow('killed mid-batch');
    } finally {
      await ctx.pool.query('DROP TRIGGER kill_second_batch ON retention_sweeps');
    }
    expect(await svc.get(sweep.id)).toMatchObject({ status: 'running', cursor: dueIds[1] });
    expect(await erasedAmong(ctx, dueIds)).toEqual(dueIds.slice(0, 2)); // the second batch rolled back

    // While it is down, the last due person orders again: the resumed sweep keeps them.
    const back = due.find((s) => s.personId === dueIds[3])!;
    await seedOrders(ctx, [anOrderAt(T, { email: back.email })]);
    expect((await retentionInBatchesOf2().run(sweep.id)).status).toBe('completed');
    expect(await erasedAmong(ctx, dueIds)).toEqual(dueIds.slice(0, 3));

    // `erasure:replay` on this very database must change nothing — above all, not erase the person the sweep kept.
    const replay = await replayLedger({ pool: ctx.pool, log: ctx.deps.log, settings: { dataDir, fiscal: { prefix: ctx.config.invoicePrefix, years: ctx.config.fiscalRetentionYears } } });
    expect(await erasedAmong(ctx, [back.personId])).toEqual([]);
    expect(replay).toMatchObject({ replayed: 0, personsErased: 0 });
    const { rows } = await ctx.pool.query('SELECT count(*)::int AS n FROM erasure_tombstones WHERE reason_ref = $1', [sweep.id]);
    expect(rows[0].n).toBe(3);
  });
});

describe('P13 retention sweep in the worker', () => {
  let events: QueueEvents;
  beforeAll(async () => {
    events = ctx.deps.queues.backend.events(QueueName.Maintenance);
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await events.close();
  });

  test('when the job runs an operator sweep, then it reports progress and returns the counts', async () => {
    const due = await seedOrders(ctx, [1, 2].map((i) => anOrderAt(ago(INACTIVE_MS + i * DAY_MS))));
    const { sweep } = await ctx.deps.retention.start({ trigger: 'operator', force: true });
    const seen: unknown[] = [];
    const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => { if (jobId === `sweep-${sweep.id}`) seen.push(data); };
    events.on('progress', onProgress);
    const job = await ctx.deps.queues.maintenance.add(JobName.RetentionSweep, { sweepId: sweep.id }, { jobId: `sweep-${sweep.id}` });
    const result = await job.waitUntilFinished(events, 15_000);
    events.off('progress', onProgress);

    expect(result).toMatchObject({ sweepId: sweep.id, status: 'completed', counts: { personsErased: 2, ordersAnonymised: 2 } });
    expect(seen).toContainEqual({ phase: 'persons', done: 2, total: 2 });
    expect((await ctx.deps.queues.maintenance.getJob(job.id!))?.progress).toEqual({ phase: 'persons', done: 2, total: 2 });
    expect(await erasedAmong(ctx, due.map((s) => s.personId))).toHaveLength(2);
  });

  test('when the scheduled job runs without a sweep id, then it creates a scheduled sweep, records its id on the job and runs it', async () => {
    const job = await ctx.deps.queues.maintenance.add(JobName.RetentionSweep, {});
    const result = await job.waitUntilFinished(events, 15_000);
    expect(result).toMatchObject({ status: 'completed', sweepId: expect.any(String) });
    expect((await ctx.deps.queues.maintenance.getJob(job.id!))?.data).toEqual({ sweepId: result.sweepId });
    expect(await ctx.deps.retention.get(result.sweepId)).toMatchObject({ trigger: 'schedule', status: 'completed', created_at: T });
  });

  test('when the schedules are upserted, then retention-sweep runs daily at 03:00 Europe/Amsterdam, once', async () => {
    const opts = { sync: false, reconcileEveryMs: ctx.config.reconcileEveryMs, retentionCron: ctx.config.retention.cron };
    await upsertSchedules(ctx.deps.queues, opts);
    await upsertSchedules(ctx.deps.queues, opts); // every start calls it
    const schedulers = await ctx.deps.queues.maintenance.getJobSchedulers();
    const retention = schedulers.filter((s) => s.key === 'retention-sweep');
    expect(retention).toHaveLength(1);
    expect(retention[0]).toMatchObject({ name: JobName.RetentionSweep, pattern: '0 3 * * *', tz: 'Europe/Amsterdam' });
    const next = new Date(retention[0]!.next!);
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    expect(local.format(next)).toBe('03:00');
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(DAY_MS + 3600_000);
    // Not left to fire during the rest of the run.
    await Promise.all(schedulers.map((s) => ctx.deps.queues.maintenance.removeJobScheduler(s.key)));
  });
});
