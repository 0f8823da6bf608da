import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DATABASE_URL, REDIS_URL, benchConfig, serverVersion, settings } from './common.js';
import { type IntakeResult, runIntakeBench } from './intake.bench.js';
import { type MirrorResult, runMirrorBench } from './mirror.bench.js';
import { perUnit } from './cpu.js';
import { type RetentionResult, retentionPeople, runRetentionBench } from './retention.js';
import { type ExportResult, runExportBench } from './export.js';
import { withPostgresQueues } from './queue-db.js';
import { type FootprintResult, runFootprintBench } from './footprint.js';

/**
 * `npm run bench`: the intake and mirror benchmarks of issue #2 and the retention and export benchmarks of issue #9,
 * each against its baseline in the same run (BENCH_ONLY=intake|mirror|retention|export; `-- --quick` or BENCH_QUICK=1).
 * Prints a table; writes bench/results/<name>-<timestamp>.json and bench/results/latest.json.
 * Exits 1 when a correctness check fails (a non-2xx answer, a connection error, an order not applied);
 * a missed performance target is reported, not turned into a failure.
 */

const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));

const redact = (url: string) => url.replace(/\/\/([^@/]*)@/, (_m, cred: string) => `//${cred.split(':')[0]}@`);
const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
const f1 = (n: number) => n.toFixed(1);
const pct = (n: number) => `${(n * 100).toFixed(1)} %`;
const yes = (b: boolean) => (b ? 'yes' : 'NO');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

/**
 * The bench process is the load generator (autocannon for the intake and footprint; the data generator and driver
 * of the other parts) and shares the 2 cores with what it measures: each part's wall time and the share of the
 * machine's CPU this process used during it are reported beside the figures.
 */
const parts: { part: string; seconds: number; loadGeneratorCpuShare: number }[] = [];
async function part<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    const used = process.cpuUsage(cpu0);
    const seconds = (Date.now() - t0) / 1000;
    parts.push({ part: name, seconds, loadGeneratorCpuShare: (used.user + used.system) / 1e6 / (seconds * cpus().length) });
  }
}

interface PostgresQueueResults { intake: IntakeResult | null; mirror: MirrorResult | null }

function rows(
  intake: IntakeResult | null, mirror: MirrorResult | null, retention: RetentionResult | null = null, exp: ExportResult | null = null,
  pgq: PostgresQueueResults = { intake: null, mirror: null },
  fp: FootprintResult | null = null,
): string[][] {
  const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((n, x) => n + f(x), 0);
  const out = [['metric', 'woo-companion', 'baseline', 'ratio', 'target', 'met?']];
  if (intake) {
    const { app, bare } = intake;
    out.push(
      [intake.rounds.length > 1 ? `intake req/s, median of ${intake.rounds.length} rounds` : 'intake req/s', f0(app.requestsPerSec), `${f0(bare.requestsPerSec)} (bare Fastify)`, pct(intake.ratio), '>= 40 % of bare', yes(intake.met.ratio)],
      ...(intake.references ? [
        ['  reference: naive verify-parse-queue.add (round 1)', f0(intake.references.naive.requestsPerSec), `${f0(intake.rounds[0]!.bare.requestsPerSec)} (bare Fastify)`, pct(intake.references.naive.ratio), '(issue: ~26 %)', '-'],
        ['  reference: floor (verify, parse, commit) (round 1)', f0(intake.references.floor.requestsPerSec), `${f0(intake.rounds[0]!.bare.requestsPerSec)} (bare Fastify)`, pct(intake.references.floor.ratio), '(reported)', '-'],
        ['  intake req/s vs the floor (round 1)', f0(intake.rounds[0]!.app.requestsPerSec), `${f0(intake.references.floor.requestsPerSec)} (floor)`, pct(intake.references.appOfFloor), '(reported)', '-'],
      ] : []),
      ['intake latency p50 (ms)', f1(app.latencyP50Ms), f1(bare.latencyP50Ms), '-', '-', '-'],
      ['intake latency p99 (ms), median of rounds', f1(intake.appP99MedianMs), f1(bare.latencyP99Ms), '-', '<= 25 ms', yes(intake.met.p99)],
      ['intake non-2xx / errors, all rounds', `${sum(intake.rounds, (r) => r.app.non2xx)} / ${sum(intake.rounds, (r) => r.app.errors)}`,
        `${sum(intake.rounds, (r) => r.bare.non2xx)} / ${sum(intake.rounds, (r) => r.bare.errors)}`, '-', '0 / 0', yes(intake.met.zeroNon2xx)],
      ['intake inbox rows / answers 200', `${f0(intake.inboxRows)} / ${f0(intake.answered200)}`, '-', '-', 'rows >= 200s', yes(intake.met.allCommitted)],
    );
  }
  if (mirror) {
    out.push(
      ['mirror orders/s', f0(mirror.endToEnd.ordersPerSec), `${f0(mirror.baseline.ordersPerSec)} (batched upsert)`, pct(mirror.ratio), '>= 2,000/s', yes(mirror.met.ordersPerSec)],
      [`mirror ${f0(mirror.orders)} orders (s)`, f1(mirror.endToEnd.seconds), f1(mirror.baseline.seconds), '-', '-', '-'],
      ['mirror orders applied', f0(mirror.endToEnd.outcomes.applied ?? 0), f0(mirror.baseline.orders), '-', f0(mirror.orders), yes(mirror.met.allApplied)],
    );
  }
  // Zero-setup mode's queues (issue 8): reported beside the Redis figures, not targeted.
  if (pgq.intake) {
    const { app, bare } = pgq.intake;
    out.push(
      ['intake req/s, queues in Postgres', f0(app.requestsPerSec), `${f0(bare.requestsPerSec)} (bare Fastify)`, pct(pgq.intake.ratio), '(reported)', '-'],
      ['intake p99 (ms), queues in Postgres', f1(app.latencyP99Ms), f1(bare.latencyP99Ms), '-', '(reported)', '-'],
      ['intake non-2xx / errors, queues in Postgres', `${app.non2xx} / ${app.errors}`, `${bare.non2xx} / ${bare.errors}`, '-', '0 / 0', yes(pgq.intake.met.zeroNon2xx)],
    );
  }
  if (pgq.mirror) {
    out.push(
      ['mirror orders/s, queues in Postgres', f0(pgq.mirror.endToEnd.ordersPerSec), `${f0(pgq.mirror.baseline.ordersPerSec)} (batched upsert)`, pct(pgq.mirror.ratio), '(reported)', '-'],
      ['mirror orders applied, queues in Postgres', f0(pgq.mirror.endToEnd.outcomes.applied ?? 0), f0(pgq.mirror.baseline.orders), '-', f0(pgq.mirror.orders), yes(pgq.mirror.met.allApplied)],
    );
  }
  if (retention) {
    const r = retention;
    out.push(
      [`retention ${f0(r.people)} people, due ${f0(r.due.persons)} (s)`, f1(r.sweep.seconds), `${f1(r.baseline.seconds)} (one statement)`, '-', '<= 60 s', yes(r.met.seconds)],
      ['retention rows/s', f0(r.sweep.rowsPerSec), f0(r.baseline.rowsPerSec), pct(r.ratio), '>= 50 % of baseline', yes(r.met.ratio)],
      ['retention persons/s', f0(r.sweep.personsPerSec), f0(r.baseline.personsPerSec), '-', '-', '-'],
      ['retention peak RSS (MB)', f0(r.peakRssMb), '-', '-', '<= 256 MB', yes(r.met.rss)],
      ['retention persons erased', f0(Number(r.sweep.counts.personsErased ?? 0)), f0(r.baseline.persons), '-', f0(r.due.persons), yes(r.met.allErased)],
    );
  }
  if (fp) {
    const b = fp.bare;
    out.push(
      ['footprint RSS idle (MB), all-in-one', f0(fp.services.idleRssMb), `${f0(b.idleRssMb)} (bare Fastify)`, '-', '(reported)', '-'],
      ['footprint RSS under intake load (MB)', f0(fp.services.peakRssMb), f0(b.peakRssMb), '-', '(reported)', '-'],
      ['footprint RSS idle (MB), zero-setup node + postgres', `${f0(fp.zeroSetup.idleRssMb)} + ${f0(fp.zeroSetup.postgresIdleRssMb ?? 0)}`, f0(b.idleRssMb), '-', '(reported)', '-'],
      ['footprint RSS under load (MB), zero-setup node + postgres', `${f0(fp.zeroSetup.peakRssMb)} + ${f0(fp.zeroSetup.postgresPeakRssMb ?? 0)}`, f0(b.peakRssMb), '-', '(reported)', '-'],
      ['footprint req/s under load (services / zero-setup)', `${f0(fp.services.load.requestsPerSec)} / ${f0(fp.zeroSetup.load.requestsPerSec)}`, f0(b.load.requestsPerSec), '-', '0 non-2xx', yes(fp.met.zeroNon2xx)],
    );
  }
  if (exp) {
    out.push(
      [`export ${f0(exp.orders)} orders p50 (ms)`, f1(exp.figure.p50Ms), `${f1(exp.baseline.p50Ms)} (json_agg)`, pct(exp.ratio), '-', '-'],
      [`export ${f0(exp.orders)} orders p95 (ms)`, f1(exp.figure.p95Ms), f1(exp.baseline.p95Ms), '-', '<= 300 ms', yes(exp.met.p95)],
    );
  }
  return out;
}

/** Which code was measured: the commit and any uncommitted files (src/, workers/, migrations/). */
function codeVersion(): { commit: string | null; uncommitted: string[] } {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd();
  try {
    const uncommitted = git('status', '--porcelain', '--', 'src', 'workers', 'migrations').split('\n').filter(Boolean).map((l) => l.slice(3));
    return { commit: git('rev-parse', '--short', 'HEAD'), uncommitted };
  } catch {
    return { commit: null, uncommitted: [] };
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const mirrorConcurrency = benchConfig('probe').mirrorConcurrency;
  const env = {
    node: process.version,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    postgres: await serverVersion(),
    databaseUrl: redact(DATABASE_URL),
    redisUrl: redact(REDIS_URL),
    code: codeVersion(),
    /** 1-minute load average when the run started and ended: other work on the machine skews every figure. */
    loadAverage: { start: Number(loadavg()[0]!.toFixed(2)), end: 0 },
  };
  console.log(`woo-companion bench — ${env.node}, ${env.cpus}, ${env.postgres}, load average ${env.loadAverage.start}`);
  console.log(`  database ${env.databaseUrl} (fresh schema per part, dropped afterwards), redis ${env.redisUrl}`);
  console.log(`  code ${env.code.commit ?? '?'}${env.code.uncommitted.length ? ` + uncommitted ${env.code.uncommitted.join(', ')}` : ''}\n`);

  // First: its peak RSS is the process's (maxRSS), which the intake's prepared bodies would otherwise inflate.
  let retention: RetentionResult | null = null;
  let exp: ExportResult | null = null;
  if (settings.only === 'all' || settings.only === 'retention') {
    console.log(`retention: ${f0(retentionPeople())} people${settings.quick ? ' (quick)' : ''}, 30 % due, sweep vs one set-based statement`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    retention = await part('retention', () => runRetentionBench(RESULTS_DIR));
  }
  let intake: IntakeResult | null = null;
  let mirror: MirrorResult | null = null;
  const pgq: PostgresQueueResults = { intake: null, mirror: null };
  const backends = (process.env.BENCH_BACKENDS ?? 'redis,postgres').split(',');
  if (settings.only === 'all' || settings.only === 'intake') {
    // Reported, not targeted: half the load time keeps the whole bench under 15 minutes on the slowest machines seen.
    const pgDuration = Math.max(2, Math.round(settings.intakeDuration / 2));
    const what = (seconds: number) => `${settings.intakeConnections} connections, ${seconds} s, unique signed order bodies` +
      `${settings.intakeRelay ? ' (relay running, workers stopped)' : ' (relay and workers stopped)'}`;
    if (backends.includes('redis')) {
      console.log(`intake, queues in Redis: ${what(settings.intakeDuration)}`);
      intake = await part('intake, queues in Redis', () => runIntakeBench({ references: settings.intakeReferences, rounds: settings.intakeRounds }));
    }
    if (backends.includes('postgres')) {
      console.log(`intake, queues in Postgres: ${what(pgDuration)}`);
      pgq.intake = await part('intake, queues in Postgres', () => withPostgresQueues(() => runIntakeBench({ durationSec: pgDuration })));
    }
  }
  if (settings.only === 'all' || settings.only === 'mirror') {
    if (backends.includes('redis')) {
      console.log(`mirror, queues in Redis: ${f0(settings.mirrorOrders)} orders`);
      mirror = await part('mirror, queues in Redis', () => runMirrorBench(mirrorConcurrency));
    }
    if (backends.includes('postgres')) {
      console.log(`mirror, queues in Postgres: ${f0(settings.mirrorOrders)} orders`);
      pgq.mirror = await part('mirror, queues in Postgres', () => withPostgresQueues(() => runMirrorBench(mirrorConcurrency)));
    }
  }
  let fp: FootprintResult | null = null;
  if (settings.only === 'all' || settings.only === 'footprint') {
    console.log(`footprint: RSS of the all-in-one process idle and under ${settings.intakeDuration} s of intake load, vs bare Fastify`);
    fp = await part('footprint', () => runFootprintBench());
  }
  if (settings.only === 'all' || settings.only === 'export') {
    console.log('export: one person with 1,000 orders, loadSubjectData + buildExport vs one json_agg');
    exp = await part('export', () => runExportBench());
  }

  env.loadAverage.end = Number(loadavg()[0]!.toFixed(2));
  console.log(`\n${table(rows(intake, mirror, retention, exp, pgq, fp))}\n`);
  if (intake) {
    console.log(`intake: ~${intake.bodyBytesAvg} B bodies; ${f0(intake.app.requestsTotal)} requests measured on the app, ` +
      `${f0(intake.inboxRows)} inbox rows written (warm-up included); max latency app ${f1(intake.app.latencyMaxMs)} ms, bare ${f1(intake.bare.latencyMaxMs)} ms`);
    if (intake.rounds.length > 1) {
      console.log(`  rounds (bare → app, ratio): ${intake.rounds.map((r) => `${f0(r.bare.requestsPerSec)} → ${f0(r.app.requestsPerSec)} (${pct(r.ratio)}, p99 ${f1(r.app.latencyP99Ms)} ms)`).join('; ')}`);
    }
    const refs = intake.references ? [['naive', intake.references.naive], ['floor', intake.references.floor]] as const : [];
    for (const [label, r] of [['app', intake.app], ['bare', intake.bare], ...refs] as const) {
      if (r.cpu) console.log(`  CPU per request, ${label}: ${perUnit(r.cpu, r.requestsTotal, 'server')}`);
    }
  }
  if (mirror) {
    console.log(`mirror: ~${mirror.bodyBytesAvg} B bodies; MIRROR_CONCURRENCY=${mirror.mirrorConcurrency}; ` +
      `${f0(mirror.endToEnd.persons)} persons, ${f0(mirror.endToEnd.lines)} order lines; outcomes ${JSON.stringify(mirror.endToEnd.outcomes)}`);
    console.log(`  CPU per order, end-to-end: ${perUnit(mirror.endToEnd.cpu, mirror.orders, 'worker process')}`);
    console.log(`  CPU per order, baseline:   ${perUnit(mirror.baseline.cpu, mirror.orders, 'bench process')}`);
  }

  if (retention) {
    const g = retention.generated;
    console.log(`retention: generated ${f0(g.persons)} persons, ${f0(g.emails)} emails, ${f0(g.orders)} orders, ${f0(g.lines)} lines per schema ` +
      `in ${f1(g.seconds)} s (two schemas in parallel); due ${f0(retention.due.persons)} persons, ${f0(retention.due.orders)} orders, ` +
      `${f0(retention.due.emails)} emails; sweep counts ${JSON.stringify(retention.sweep.counts)}; ${f1(retention.freeDiskGb)} GB free`);
  }
  if (fp) {
    console.log(`footprint: load generator (autocannon in the bench process) used ${pct(fp.loadGeneratorCpuShare)} of the machine's CPU ` +
      `during the all-in-one run; RSS from /proc (node: VmRSS; the embedded Postgres: PSS of its processes, shared buffers counted once)`);
  }
  if (exp) {
    console.log(`export: ${exp.runs} runs; ${f0(exp.orders)} orders, ${f0(exp.lines)} lines, package ${f0(exp.packageBytes / 1024)} KiB; ` +
      `p50 load ${f1(exp.figure.loadP50Ms)} ms + build ${f1(exp.figure.buildP50Ms)} ms; max ${f1(exp.figure.maxMs)} ms`);
  }
  for (const p of parts) {
    console.log(`part "${p.part}": ${f1(p.seconds)} s wall; the bench process (load generator) used ${pct(p.loadGeneratorCpuShare)} of the machine's CPU`);
  }
  const totalSeconds = (Date.now() - startedAt.getTime()) / 1000;
  const cap = settings.quick ? 60 : 15 * 60;
  console.log(`whole bench: ${f1(totalSeconds)} s (${settings.quick ? 'quick: aim 1 minute' : 'aim: under 15 minutes'}${totalSeconds > cap ? ' — OVER' : ''})`);
  console.log(`load average (1 min): ${env.loadAverage.start} at start, ${env.loadAverage.end} at end, on ${cpus().length} CPUs shared by load generator, servers, Postgres and Redis`);

  const result = { name: settings.name, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), environment: env, settings, intake, mirror, postgresQueues: pgq, retention, export: exp, footprint: fp, parts };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = `${RESULTS_DIR}${settings.name}-${stamp}.json`;
  const json = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(file, json);
  writeFileSync(`${RESULTS_DIR}latest.json`, json);
  console.log(`results: ${file.replace(`${process.cwd()}/`, '')} (and bench/results/latest.json)`);

  const failed = [
    intake && !intake.met.allCommitted && 'intake answered 200 for more deliveries than the inbox holds',
    pgq.intake && !pgq.intake.met.allCommitted && 'intake (queues in Postgres) answered 200 for more deliveries than the inbox holds',
    intake && !intake.met.zeroNon2xx && `intake answered non-2xx or had connection errors (${JSON.stringify({ app: intake.app.statusCodes, bare: intake.bare.statusCodes })})`,
    mirror && !mirror.met.allApplied && 'mirror did not apply every order',
    pgq.intake && !pgq.intake.met.zeroNon2xx && 'intake (queues in Postgres) answered non-2xx or had connection errors',
    pgq.mirror && !pgq.mirror.met.allApplied && 'mirror (queues in Postgres) did not apply every order',
    retention && !retention.met.allErased && 'retention sweep did not erase exactly the due persons',
    exp && !exp.met.complete && 'export package is missing orders or lines',
    fp && !fp.met.zeroNon2xx && 'footprint: the intake load got non-2xx answers or connection errors',
  ].filter(Boolean);
  if (failed.length) {
    console.error(`bench: FAILED: ${failed.join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
