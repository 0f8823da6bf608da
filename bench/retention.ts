import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { Pool } from '../src/platform/db.js';
import { createMetrics } from '../src/platform/metrics.js';
import { systemClock } from '../src/platform/clock.js';
import { createRetentionService } from '../src/retention/sweep.service.js';
import { createBenchSchema, dropBenchSchema, schemaPool, settings } from './common.js';
import { BASELINE, DUE_COUNTS, NARROW_BASELINE, baselineParams, generate } from './retention-data.js';
import { followPoolCpu } from './pool-cpu.js';

/**
 * Retention sweep: N persons generated into fresh schemas with the same data (retention-data.ts); 30 % are past
 * the 730-day cutoff. Figure: the real sweep (createRetentionService → start (operator, forced) → run) with its
 * default batch size (BENCH_RETENTION_BATCH overrides it). Baseline: one statement leaving the database as the sweep
 * does — invoice copies, orders and persons anonymised, emails deleted, tombstones with subject keys — without
 * batches, locks, ledger or resumability. Both are credited with the same rows (persons + orders + emails +
 * invoice copies + tombstones) and both are checked to have written them. Each timed part starts after a
 * CHECKPOINT, so neither pays for the other's (or the generator's) dirty pages. Also reported, not targeted: the
 * narrower statement measured before (anonymise and delete only; third schema, by default up to 100,000 people,
 * BENCH_RETENTION_NARROW=1/0 forces it on/off). Peak RSS is the bench process's maxRSS right after the sweep.
 */

export interface RetentionResult {
  people: number;
  generated: { persons: number; emails: number; orders: number; lines: number; seconds: number; fkChecksSkipped: boolean };
  due: { persons: number; orders: number; invoiced: number; emails: number };
  /** persons + orders + emails + invoice copies + tombstones: what each side must write, credited to both. */
  rows: number;
  /** cpu: seconds of CPU used by this process and by the Postgres backends of the pool doing the work; wal: what the cluster wrote meanwhile. */
  sweep: {
    seconds: number; rowsPerSec: number; personsPerSec: number; batchSize: number | null; counts: Record<string, unknown>; status: string;
    cpu: { node: number; postgres: number | null }; wal: Wal;
  };
  baseline: {
    seconds: number; rowsPerSec: number; personsPerSec: number; cpu: { node: number; postgres: number | null }; wal: Wal;
    persons: number; orders: number; emails: number; fiscal: number; tombstones: number; keys: number;
  };
  /** The anonymise-only statement (no invoice copies, no tombstones) over persons + orders + emails; null when skipped. */
  narrowBaseline: { seconds: number; rows: number; rowsPerSec: number; ratio: number } | null;
  ratio: number;
  peakRssMb: number;
  freeDiskGb: number;
  target: { maxSeconds: number; minRatio: number; maxRssMb: number };
  met: { seconds: boolean; ratio: boolean; rss: boolean; allErased: boolean };
}

export const retentionPeople = (): number => (settings.quick ? 10_000 : settings.retentionPeople);

const DAY = 86_400_000;

const envInt = (name: string): number | null => (process.env[name] ? Number(process.env[name]) : null);
const narrowWanted = (n: number): boolean => (process.env.BENCH_RETENTION_NARROW ? process.env.BENCH_RETENTION_NARROW === '1' : n <= 100_000);

type Due = RetentionResult['due'];
type BaselineRow = { persons: number; orders: number; emails: number; fiscal: number; tombstones: number; keys: number };

async function dueCounts(pool: Pool, cutoff: Date, now: Date): Promise<Due> {
  return (await pool.query<Due>(DUE_COUNTS, [cutoff, now])).rows[0]!;
}

type Cpu = { node: number; postgres: number | null };
/** Cluster-wide, so only meaningful while nothing else writes: WAL bytes, full-page images, checkpoints started. */
type Wal = { bytes: number; fullPageImages: number; checkpoints: number };
const CHECKPOINTS = {
  upTo16: /* sql */ `SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter`,
  from17: /* sql */ `SELECT num_timed + num_requested FROM pg_stat_checkpointer`, // PostgreSQL 17 moved the counters
};
async function walStats(pool: Pool): Promise<Wal> {
  const version = Number((await pool.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]!.v);
  const checkpoints = version >= 170000 ? CHECKPOINTS.from17 : CHECKPOINTS.upTo16;
  return (await pool.query<Wal>(`SELECT wal_bytes::float8 AS bytes, wal_fpi::float8 AS "fullPageImages",
    (${checkpoints})::float8 AS checkpoints FROM pg_stat_wal`)).rows[0]!;
}
type Measured = { pool: Pool; cpu: ReturnType<typeof followPoolCpu> };

/** Runs fn after a checkpoint (untimed); its wall time, and the CPU of this process and of the pool's backends. */
async function timed<T>(m: Measured, label: string, fn: () => Promise<T>): Promise<{ value: T; seconds: number; cpu: Cpu; wal: Wal }> {
  await m.pool.query('CHECKPOINT');
  const wal0 = await walStats(m.pool);
  process.stdout.write(`  ${label} … `);
  const pg0 = m.cpu.read();
  const node0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const node = process.cpuUsage(node0);
  const pg1 = m.cpu.read();
  const wal1 = await walStats(m.pool);
  const wal = { bytes: wal1.bytes - wal0.bytes, fullPageImages: wal1.fullPageImages - wal0.fullPageImages, checkpoints: wal1.checkpoints - wal0.checkpoints };
  const cpu = { node: (node.user + node.system) / 1e6, postgres: pg0 === null || pg1 === null ? null : pg1 - pg0 };
  const pgText = cpu.postgres === null ? 'n/a' : `${cpu.postgres.toFixed(1)} s`;
  process.stdout.write(`${seconds.toFixed(1)} s (CPU: this process ${cpu.node.toFixed(1)} s, its Postgres backends ${pgText}; `
    + `WAL ${(wal.bytes / 2 ** 20).toFixed(0)} MiB, ${wal.fullPageImages.toLocaleString('en-US')} full pages, ${wal.checkpoints} checkpoints)\n`);
  return { value, seconds, cpu, wal };
}

/** Free bytes on the bench results folder's filesystem (a proxy: Postgres's data directory is not reachable). */
export function checkFreeDisk(dir: string, people: number): number {
  const s = statfsSync(dir);
  const free = Number(s.bavail) * Number(s.bsize);
  const needGb = people > 20_000 ? 15 : 1;
  if (free < needGb * 2 ** 30) {
    throw new Error(`retention: needs ~${needGb} GB free disk for ${people.toLocaleString('en-US')} people ` +
      `(two schemas of persons, orders, lines, fiscal archive and WAL); ${(free / 2 ** 30).toFixed(1)} GB free on the ` +
      `filesystem of ${dir}. Free some space, or run a smaller size (BENCH_RETENTION_PEOPLE=… or BENCH_QUICK=1).`);
  }
  return free;
}

export async function runRetentionBench(resultsDir: string): Promise<RetentionResult> {
  const n = retentionPeople();
  const freeDiskGb = checkFreeDisk(resultsDir, n) / 2 ** 30;
  const withNarrow = narrowWanted(n);
  const schemas = [await createBenchSchema('retention'), await createBenchSchema('retention_base')];
  if (withNarrow) schemas.push(await createBenchSchema('retention_narrow'));
  // Fresh pools after generating, so that each one's backends carry only the measured work.
  const measured: Measured[] = [];
  const measure = (schema: string, max: number): Measured => {
    const pool = schemaPool(schema, max);
    const m = { pool, cpu: followPoolCpu(pool) };
    measured.push(m);
    return m;
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'woo-companion-bench-retention-'));
  try {
    process.stdout.write(`  generating ${n.toLocaleString('en-US')} persons, ${(3 * n).toLocaleString('en-US')} orders in ${schemas.length} schemas … `);
    const g0 = performance.now();
    const skipped = await Promise.all(schemas.map(async (schema) => {
      const pool = schemaPool(schema, 1);
      try {
        return await generate(pool, n);
      } finally {
        await pool.end();
      }
    }));
    const genSec = (performance.now() - g0) / 1000;
    const fkChecksSkipped = skipped.every(Boolean);
    const concurrency = envInt('BENCH_RETENTION_CONCURRENCY');
    const sweepM = measure(schemas[0]!, 2 + (concurrency ?? 2)); // the batches in flight, the next fetch, the ledger
    const baseM = measure(schemas[1]!, 1);
    const sweepPool = sweepM.pool;
    const gen = (await sweepPool.query<{ p: number; e: number; o: number; l: number }>(
      `SELECT (SELECT count(*) FROM persons)::int AS p, (SELECT count(*) FROM person_emails)::int AS e,
        (SELECT count(*) FROM orders)::int AS o, (SELECT count(*) FROM order_lines)::int AS l`)).rows[0]!;
    process.stdout.write(`${genSec.toFixed(1)} s${fkChecksSkipped ? '' : ' (foreign-key checks ran: not a superuser)'}\n`);

    const now = new Date();
    const cutoff = new Date(now.getTime() - 730 * DAY);
    const due = await dueCounts(sweepPool, cutoff, now);
    const rows = 2 * due.persons + due.orders + due.emails + due.invoiced;

    // Figure: the sweep.
    const batchSize = envInt('BENCH_RETENTION_BATCH');
    const retention = createRetentionService({
      pool: sweepPool, log: pino({ level: 'silent' }), metrics: createMetrics(), clock: systemClock,
      erasure: { dataDir, fiscal: { prefix: 'WC-', years: 7 } }, inactiveDays: 730, maxFraction: 1, rawPayloadRetentionDays: 7,
      mirrorHealth: async () => ({ webhooksNotDelivering: null, reconciliationLagSeconds: undefined }), ...(batchSize ? { batchSize } : {}),
      ...(concurrency ? { concurrency } : {}),
    });
    const s = await timed(sweepM, `sweep: ${due.persons.toLocaleString('en-US')} due persons`, async () => {
      const { sweep } = await retention.start({ trigger: 'operator', force: true });
      return retention.run(sweep.id);
    });
    const done = s.value;
    // The process's peak so far: run.ts runs this part first, so nothing before it inflates the figure.
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const left = (await dueCounts(sweepPool, cutoff, now)).persons;
    const tombstones = (await sweepPool.query<{ n: number }>('SELECT count(*)::int AS n FROM erasure_tombstones')).rows[0]!.n;

    // Baseline: one statement, the same rows.
    const b = await timed(baseM, 'baseline: one set-based statement', async () =>
      (await baseM.pool.query<BaselineRow>(BASELINE, baselineParams(cutoff, now))).rows[0]!);
    const baseRows = b.value.persons + b.value.orders + b.value.emails + b.value.fiscal + b.value.tombstones;

    let narrowBaseline: RetentionResult['narrowBaseline'] = null;
    if (schemas[2]) {
      const narrowM = measure(schemas[2], 1);
      const nb = await timed(narrowM, 'narrower baseline (anonymise and delete only; reported)', async () =>
        (await narrowM.pool.query<{ persons: number; orders: number; emails: number }>(NARROW_BASELINE, [cutoff, now])).rows[0]!);
      const narrowRows = nb.value.persons + nb.value.orders + nb.value.emails;
      // The sweep's rate over the same narrower rows, against the narrower statement's.
      narrowBaseline = { seconds: nb.seconds, rows: narrowRows, rowsPerSec: narrowRows / nb.seconds, ratio: nb.seconds / s.seconds };
      process.stdout.write(`  the sweep over those ${narrowRows.toLocaleString('en-US')} rows: ${(100 * narrowBaseline.ratio).toFixed(1)} % of the narrower statement's rate\n`);
    }

    const c = done.counts;
    const personsErased = Number(c.personsErased ?? 0);
    const sweepRate = rows / s.seconds;
    const baseRate = baseRows / b.seconds;
    const sweepWroteAll = done.status === 'completed' && personsErased === due.persons && left === 0 && tombstones === due.persons
      && Number(c.ordersAnonymised ?? 0) === due.orders && Number(c.fiscalArchived ?? 0) === due.invoiced;
    return {
      people: n,
      generated: { persons: gen.p, emails: gen.e, orders: gen.o, lines: gen.l, seconds: genSec, fkChecksSkipped },
      due,
      rows,
      sweep: {
        seconds: s.seconds, rowsPerSec: sweepRate, personsPerSec: personsErased / s.seconds, batchSize, counts: c, status: done.status, cpu: s.cpu, wal: s.wal,
      },
      baseline: { ...b.value, seconds: b.seconds, rowsPerSec: baseRate, personsPerSec: b.value.persons / b.seconds, cpu: b.cpu, wal: b.wal },
      narrowBaseline,
      ratio: sweepRate / baseRate,
      peakRssMb,
      freeDiskGb,
      target: { maxSeconds: 60, minRatio: 0.5, maxRssMb: 256 },
      met: {
        seconds: s.seconds <= 60, ratio: sweepRate / baseRate >= 0.5, rss: peakRssMb <= 256,
        allErased: sweepWroteAll && baseRows === rows && b.value.keys === due.emails,
      },
    };
  } finally {
    for (const m of measured) m.cpu.stop();
    await Promise.all(measured.map((m) => m.pool.end()));
    rmSync(dataDir, { recursive: true, force: true });
    for (const schema of schemas) await dropBenchSchema(schema);
  }
}
