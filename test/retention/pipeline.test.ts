import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestContext, type TestContext } from '../setup/context.js';
import { manualClock } from '../../src/platform/clock.js';
import { createRetentionService } from '../../src/retention/sweep.service.js';
import { readMirrorHealth } from '../../src/retention/mirror-health.js';
import { type LedgerEntry, readLedger, writeLedger } from '../../src/erasure/ledger.js';
import { eraseBatch } from '../../src/erasure/erasure.service.js';
import { withTransaction } from '../../src/platform/db.js';
import { DAY_MS, INACTIVE_MS, anOrderAt, erasedAmong, seedOrders } from './seed.js';

/**
 * P13 retention sweep with two batches at work at once: they still commit in order, and two batches that lock
 * the same row (Postgres breaks the deadlock) finish one at a time instead of failing the sweep.
 */
const T = new Date('2026-10-01T08:00:00.000Z');
const ago = (ms: number) => new Date(T.getTime() - ms);
const clock = manualClock(T);
let ctx: TestContext;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'woo-retention-pipeline-'));
  ctx = await createTestContext({ dataDir }, { clock });
  await ctx.startWorkers();
});
afterAll(async () => ctx.close());
afterEach(async () => {
  await ctx.pool.query('DROP TRIGGER IF EXISTS slow_first_invoice ON fiscal_archive');
  await ctx.pool.query('DROP FUNCTION IF EXISTS slow_first_invoice()');
});

const retentionInBatchesOf1 = (concurrency = 2) => createRetentionService({
  pool: ctx.pool, log: ctx.deps.log, metrics: ctx.deps.metrics, clock, batchSize: 1, concurrency,
  erasure: { dataDir, fiscal: { prefix: ctx.config.invoicePrefix, years: ctx.config.fiscalRetentionYears } },
  inactiveDays: ctx.config.retention.inactiveDays, maxFraction: 1,
  rawPayloadRetentionDays: ctx.config.rawPayloadRetentionDays, mirrorHealth: () => readMirrorHealth(ctx.pool, clock, false),
});

/** The first batch's invoice copy takes 600 ms, so the second batch is done with its work before the first. */
async function slowDownInvoiceOf(wcOrderId: number): Promise<void> {
  await ctx.pool.query(`CREATE FUNCTION slow_first_invoice() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF NEW.wc_order_id = ${Number(wcOrderId)} THEN PERFORM pg_sleep(0.6); END IF; RETURN NEW; END $$`);
  await ctx.pool.query('CREATE TRIGGER slow_first_invoice BEFORE INSERT ON fiscal_archive FOR EACH ROW EXECUTE FUNCTION slow_first_invoice()');
}

const byId = (a: { personId: number }, b: { personId: number }) => a.personId - b.personId;

describe('P13 retention sweep: two batches at once', () => {
  test('when the second batch finishes its work first, then it still commits after the first: each progress sees exactly the batches before it', async () => {
    const due = (await seedOrders(ctx, [1, 2, 3].map((i) => anOrderAt(ago(INACTIVE_MS + i * DAY_MS))))).sort(byId);
    const ids = due.map((s) => s.personId);
    await slowDownInvoiceOf(due[0]!.wcOrderId);

    const svc = retentionInBatchesOf1();
    const { sweep } = await svc.start({ trigger: 'operator', force: true });
    const seen: { done: number; erased: number[]; cursor: string }[] = [];
    const done = await svc.run(sweep.id, async (p) => {
      if (p.phase !== 'persons') return;
      seen.push({ done: p.done, erased: await erasedAmong(ctx, ids), cursor: (await svc.get(sweep.id))!.cursor });
    });

    expect(done).toMatchObject({ status: 'completed', counts: { personsErased: 3 } });
    expect(seen).toEqual([
      { done: 1, erased: ids.slice(0, 1), cursor: ids[0] },
      { done: 2, erased: ids.slice(0, 2), cursor: ids[1] },
      { done: 3, erased: ids, cursor: ids[2] },
    ]);
  });

  test.each([1, 2])('when handling a committed batch is slow (%i at once), then the next batch, started meanwhile, commits only after it is handled', async (concurrency) => {
    const due = (await seedOrders(ctx, [1, 2, 3].map((i) => anOrderAt(ago(INACTIVE_MS + i * DAY_MS))))).sort(byId);
    const ids = due.map((s) => s.personId);
    const svc = retentionInBatchesOf1(concurrency);
    const { sweep } = await svc.start({ trigger: 'operator', force: true });
    const seen: number[][] = [];
    await svc.run(sweep.id, async (p) => {
      if (p.phase !== 'persons') return;
      await new Promise((r) => setTimeout(r, 300)); // the next batch has long finished its statements by now
      seen.push(await erasedAmong(ctx, ids));
    });
    expect(seen).toEqual([ids.slice(0, 1), ids.slice(0, 2), ids]);
  });

  test('P14b when the sweep writes its ledger lines from the batches it committed, then they say what the database holds for each tombstone', async () => {
    const due = (await seedOrders(ctx, [1, 2, 3].map((i) => anOrderAt(ago(INACTIVE_MS + i * DAY_MS))))).sort(byId);
    const ids = due.map((s) => s.personId);
    // One person with three addresses: several keys, in the ledger as in the table.
    await ctx.pool.query(`INSERT INTO person_emails (email, person_id, subject_key)
      SELECT 'second-' || n || '-' || $1::bigint || '@example.com', $1::bigint, sha256((random() || '-' || n)::bytea) FROM generate_series(1, 2) AS n`, [ids[1]]);

    const svc = retentionInBatchesOf1();
    const { sweep } = await svc.start({ trigger: 'operator', force: true });
    await svc.run(sweep.id);

    const { rows } = await ctx.pool.query(`
      SELECT t.id, t.wc_customer_id, t.erased_at, t.reason, t.reason_ref, t.categories, t.ledgered_at IS NOT NULL AS ledgered,
        (SELECT array_agg(encode(k.subject_key, 'hex') ORDER BY k.subject_key) FROM erasure_subject_keys k WHERE k.tombstone_id = t.id) AS keys
      FROM erasure_tombstones t WHERE t.reason_ref = $1 ORDER BY t.person_id`, [sweep.id]);
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.keys.length)).toEqual([1, 3, 1]);
    const lines = new Map<string, unknown>();
    for await (const l of readLedger(dataDir)) if ('entry' in l) lines.set(l.entry.id, l.entry);
    // Written again (as a writer that raced another would): tombstones already in the ledger are skipped.
    const entries = [...lines.values()].filter((e) => rows.some((r) => r.id === (e as { id: string }).id)) as LedgerEntry[];
    expect(entries).toHaveLength(3);
    expect(await writeLedger(ctx.pool, dataDir, entries)).toBe(0);
    let count = 0;
    for await (const l of readLedger(dataDir)) if ('entry' in l) count++;
    expect(count).toBe(lines.size);
    for (const r of rows) {
      expect(r.ledgered).toBe(true);
      expect(lines.get(r.id)).toEqual({
        v: 1, id: r.id, erasedAt: r.erased_at.toISOString(), reason: r.reason, ref: r.reason_ref, wcCustomerId: r.wc_customer_id,
        subjectKeys: r.keys, categories: r.categories,
      });
    }
  });

  test('when a person picked for a batch became active before the batch locked them (a request, an order), then the batch leaves them alone', async () => {
    const [picked] = await seedOrders(ctx, [anOrderAt(ago(INACTIVE_MS + 5 * DAY_MS))]);
    await ctx.pool.query('UPDATE persons SET last_activity_at = $2 WHERE id = $1', [picked!.personId, ago(DAY_MS)]);
    const settings = { dataDir, fiscal: { prefix: ctx.config.invoicePrefix, years: ctx.config.fiscalRetentionYears } };
    const r = await withTransaction(ctx.pool, (db) =>
      eraseBatch(db, settings, [picked!.personId], { reason: 'retention', ref: null, erasedAt: T, inactiveBefore: ago(INACTIVE_MS) }));
    expect(r).toMatchObject({ erased: [], held: [], ledger: [] });
    expect(await erasedAmong(ctx, [picked!.personId])).toEqual([]);
    // the same person, asked to be forgotten (no cutoff), is erased
    const forgotten = await withTransaction(ctx.pool, (db) => eraseBatch(db, settings, [picked!.personId], { reason: 'request', ref: null, erasedAt: T }));
    expect(forgotten.erased).toHaveLength(1);
  });

  test('when two batches must change the same inbox row and deadlock, then the sweep finishes one batch at a time, erasing each person once', async () => {
    const due = (await seedOrders(ctx, [1, 2, 3].map((i) => anOrderAt(ago(INACTIVE_MS + i * DAY_MS))))).sort(byId);
    const ids = due.map((s) => s.personId);
    // A delivery the mirror could not apply that names the first two persons: both batches scrub it.
    const { rows: [shared] } = await ctx.pool.query<{ id: number }>(`
      INSERT INTO webhook_inbox (source, topic, body_sha256, body, processed_at, outcome, reason, subject_keys)
      SELECT 'https://shop.example', 'order.updated', '\\x01'::bytea, '\\x7b7d'::bytea, now(), 'failed', 'test',
        (SELECT array_agg(subject_key ORDER BY person_id) FROM person_emails WHERE person_id = ANY($1::bigint[]))
      RETURNING id`, [ids.slice(0, 2)]);
    await slowDownInvoiceOf(due[0]!.wcOrderId);
    const logged = ctx.logs.length;

    const svc = retentionInBatchesOf1();
    const { sweep } = await svc.start({ trigger: 'operator', force: true });
    const done = await svc.run(sweep.id);

    expect(done).toMatchObject({ status: 'completed', counts: { personsErased: 3 } });
    expect(await erasedAmong(ctx, ids)).toEqual(ids);
    const { rows: tombstones } = await ctx.pool.query<{ person_id: number; n: number }>(
      'SELECT person_id, count(*)::int AS n FROM erasure_tombstones WHERE reason_ref = $1 GROUP BY person_id ORDER BY person_id', [sweep.id]);
    expect(tombstones).toEqual(ids.map((id) => ({ person_id: id, n: 1 })));
    const { rows: [row] } = await ctx.pool.query('SELECT octet_length(body) AS len, scrubbed_at FROM webhook_inbox WHERE id = $1', [shared!.id]);
    expect(row).toEqual({ len: 0, scrubbed_at: expect.any(Date) });
    // The deadlock really happened and was survived, not avoided by luck.
    expect(ctx.logs.slice(logged).some((l) => l.includes('deadlocked'))).toBe(true);
  });
});
