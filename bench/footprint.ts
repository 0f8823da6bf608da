import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../src/platform/free-port.js';
import { DATABASE_URL, REDIS_URL, settings } from './common.js';
import { SHOP, WEBHOOK_SECRET } from './fixtures.js';
import { bodySource, load, type LoadResult } from './intake.bench.js';
import { startChild } from './processes.js';

/**
 * Footprint (issue 9): resident memory of the all-in-one process (`npm start`: API, workers, schedulers) idle and
 * under the intake load, against a bare Fastify process under the same load. Two shapes: with Postgres and Redis
 * services, and zero-setup mode (embedded Postgres, queues in Postgres), where the embedded server's processes count
 * too — that is what a small server must hold. RSS from /proc (Linux).
 */

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

export interface Footprint {
  idleRssMb: number;
  peakRssMb: number;
  /** Zero-setup mode: the embedded Postgres server's processes (PSS, so shared buffers count once), at the same moments. */
  postgresIdleRssMb: number | null;
  postgresPeakRssMb: number | null;
  load: LoadResult;
}
export interface FootprintResult {
  services: Footprint;
  zeroSetup: Footprint;
  bare: { idleRssMb: number; peakRssMb: number; load: LoadResult };
  /** CPU the load generator (this process) used during the services run, as a share of the machine's cores. */
  loadGeneratorCpuShare: number;
  met: { zeroNon2xx: boolean };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Proportional set size: shared memory (Postgres' shared buffers) divided among the processes that map it. */
function pssMb(pid: number): number {
  const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** The embedded server: the postmaster whose command line names this data directory, and its children (PSS summed). */
function postgresRssMb(dataDir: string): number {
  const pids: number[] = [];
  const ppid = (p: string) => Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  let master: number | null = null;
  for (const p of processIds('/proc')) {
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(join(dataDir, 'pg'))) master = Number(p);
    } catch { /* gone */ }
  }
  if (master === null) return 0;
  for (const p of processIds('/proc')) {
    try {
      if (Number(p) === master || ppid(p) === master) pids.push(Number(p));
    } catch { /* gone */ }
  }
  return pids.reduce((sum, p) => sum + (() => { try { return pssMb(p); } catch { return 0; } })(), 0);
}
const processIds = (dir: string) => readdirSync(dir).filter((e) => /^\d+$/.test(e));


async function waitReady(port: number, proc: ChildProcess): Promise<void> {
  for (const until = Date.now() + 120_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
    if (proc.exitCode !== null) throw new Error(`the all-in-one process exited with ${proc.exitCode}`);
    const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
    if (res?.status === 200) return;
  }
  throw new Error('the all-in-one process did not become ready within 120 s');
}

/** Samples RSS every 200 ms while fn runs; returns fn's result and the peak. */
async function sampling<T>(sample: () => number, fn: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = sample();
  const timer = setInterval(() => { peak = Math.max(peak, sample()); }, 200);
  try {
    return { result: await fn(), peak };
  } finally {
    clearInterval(timer);
  }
}

async function allInOne(mode: 'services' | 'zero-setup', src: ReturnType<typeof bodySource>): Promise<Footprint & { cpu: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'woo-footprint-'));
  const port = await freePort();
  const db = `woo_bench_footprint_${randomBytes(4).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
    WC_WEBHOOK_SECRET: WEBHOOK_SECRET, WC_SOURCE_ALLOWLIST: SHOP, QUEUE_PREFIX: `bench-fp-${randomBytes(4).toString('hex')}`,
  };
  const dbUrl = new URL(DATABASE_URL);
  dbUrl.pathname = `/${db}`;
  if (mode === 'services') Object.assign(env, { DATABASE_URL: dbUrl.toString(), REDIS_URL });
  const proc = spawn(process.execPath, [MAIN], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    await waitReady(port, proc).catch((err: Error) => { throw new Error(`${err.message}\n${stderr}`); });
    await new Promise((r) => setTimeout(r, settings.quick ? 1000 : 5000)); // settle: schedulers registered, first GC
    const pgRss = () => (mode === 'zero-setup' ? postgresRssMb(join(dir, 'data')) : 0);
    const idle = rssMb(proc.pid!);
    const pgIdle = pgRss();
    const url = `http://127.0.0.1:${port}/webhooks/woocommerce`;
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    let pgPeak = pgIdle;
    const { result, peak } = await sampling(() => { pgPeak = Math.max(pgPeak, pgRss()); return rssMb(proc.pid!); }, () => load(url, settings.intakeDuration, src));
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1e6 / (((Date.now() - t0) / 1000) * cpus().length);
    const zero = mode === 'zero-setup';
    return { idleRssMb: idle, peakRssMb: peak, postgresIdleRssMb: zero ? pgIdle : null, postgresPeakRssMb: zero ? pgPeak : null, load: result, cpu };
  } finally {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    if (mode === 'services') {
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).finally(() => admin.end());
    }
  }
}

export async function runFootprintBench(): Promise<FootprintResult> {
  const src = bodySource();
  const bareChild = startChild('bare', {});
  let bare: FootprintResult['bare'];
  try {
    const { port } = await bareChild.next('listening');
    await new Promise((r) => setTimeout(r, settings.quick ? 500 : 2000));
    const idle = rssMb(bareChild.proc.pid!);
    const { result, peak } = await sampling(() => rssMb(bareChild.proc.pid!), () => load(`http://127.0.0.1:${port}/webhooks/woocommerce`, settings.intakeDuration, src, false));
    bare = { idleRssMb: idle, peakRssMb: peak, load: result };
  } finally {
    await bareChild.stop();
  }
  process.stdout.write('  all-in-one with Postgres and Redis services … ');
  const { cpu, ...services } = await allInOne('services', src);
  process.stdout.write(`${Math.round(services.idleRssMb)} MB idle, ${Math.round(services.peakRssMb)} MB under load\n`);
  process.stdout.write('  all-in-one in zero-setup mode … ');
  const { cpu: _cpu, ...zeroSetup } = await allInOne('zero-setup', src);
  process.stdout.write(`${Math.round(zeroSetup.idleRssMb)} MB idle, ${Math.round(zeroSetup.peakRssMb)} MB under load\n`);
  const ok = (r: LoadResult) => r.non2xx === 0 && r.errors === 0;
  return { services, zeroSetup, bare, loadGeneratorCpuShare: cpu, met: { zeroNon2xx: ok(services.load) && ok(zeroSetup.load) && ok(bare.load) } };
}
