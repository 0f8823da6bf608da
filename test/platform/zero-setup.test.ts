import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { aDelivery } from '../builders/webhooks.js';
import { anOrder } from '../builders/woocommerce.js';
import { freePort, waitFor } from '../builders/private-redis.js';
import { queuePoolSize } from '../../src/platform/queues.js';
import { keepProcessOutput } from '../setup/log-capture.js';

/**
 * Zero-setup mode (issue 8): `npm start` with DATABASE_URL and REDIS_URL unset brings up the whole service by itself —
 * embedded Postgres in DATA_DIR/pg, queues on BullMQ's Postgres backend — and keeps its data across a restart.
 * The built all-in-one process runs in a temporary directory with a stripped environment, as a new user would run it.
 */
const root = resolve(__dirname, '../..');
const APP_POOL_MAX = 20; // src/deps.ts
let dir: string;
let port: number;
let proc: ChildProcess | null = null;
let output = '';
let allOutput = ''; // both runs, for the suite-wide personal-data search

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'woo-zero-setup-')); // dist/ is built by the global setup
});
afterAll(async () => {
  if (proc && proc.exitCode === null) await stop();
  keepProcessOutput('zero-setup', allOutput);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

function strippedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(DATABASE_URL|REDIS_URL|NODE_ENV|JEST_.*|TEST_.*)$/.test(k)) env[k] = v;
  }
  return { ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
}

/** `ownGroup`: the service leads a process group of its own, as `npm start` in a terminal does (Ctrl-C signals the group). */
async function start(ownGroup = false): Promise<void> {
  output = '';
  proc = spawn(process.execPath, [join(root, 'dist/src/main.js')], { cwd: dir, env: strippedEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: ownGroup });
  const keep = (c: Buffer) => { output += c.toString(); allOutput += c.toString(); };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  await waitFor('the service to be ready', async () => {
    if (proc!.exitCode !== null) throw new Error(`the service exited with ${proc!.exitCode}:\n${output}`);
    return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.status === 200;
  }, 90_000);
}

async function stop(): Promise<number | null> {
  const exited = new Promise<number | null>((r) => proc!.once('exit', (code) => r(code)));
  proc!.kill('SIGTERM');
  return exited;
}

const secrets = () => JSON.parse(readFileSync(join(dir, 'data/secrets.json'), 'utf8')) as { webhookSecret: string; adminToken: string };

async function post(order: ReturnType<typeof anOrder>): Promise<number> {
  const d = aDelivery(order, { topic: 'order.created', secret: secrets().webhookSecret });
  const res = await fetch(`http://127.0.0.1:${port}${d.url}`, { method: 'POST', headers: d.headers, body: d.payload });
  return res.status;
}

async function mirrored(wcOrderId: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/api/orders/${wcOrderId}`, { headers: { authorization: `Bearer ${secrets().adminToken}` } });
  return res.status === 200;
}

/** Client connections to the embedded server, sampled with its own password and port (postmaster.pid line 4). */
async function connections(): Promise<number> {
  const { password } = JSON.parse(readFileSync(join(dir, 'data/embedded-postgres.json'), 'utf8')) as { password: string };
  const pgPort = readFileSync(join(dir, 'data/pg/postmaster.pid'), 'utf8').split('\n')[3];
  const c = new pg.Client({ host: '127.0.0.1', port: Number(pgPort), user: 'postgres', password, database: 'postgres' });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
    return rows[0]!.n;
  } finally {
    await c.end();
  }
}

test('with DATABASE_URL and REDIS_URL unset, npm start runs the whole service on embedded Postgres and keeps its data across a restart', async () => {
  port = await freePort();
  await start();
  expect(output).toMatch(/embedded Postgres in \.\/data, queues in Postgres — for production set DATABASE_URL and REDIS_URL/);
  expect(output).toMatch(/Generated secrets, stored in \.\/data\/secrets\.json/);
  expect(existsSync(join(dir, 'data/pg/PG_VERSION'))).toBe(true);
  expect((await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).checks).toEqual({ postgres: 'ok', queues: 'ok' });

  const orders = Array.from({ length: 40 }, () => anOrder());
  let peak = 0;
  const statuses = await Promise.all(orders.map(post));
  expect(statuses.every((s) => s === 200)).toBe(true);
  await waitFor('every order to be mirrored', async () => {
    peak = Math.max(peak, await connections());
    return (await Promise.all(orders.map((o) => mirrored(o.id)))).every(Boolean);
  }, 30_000);
  // The connection budget (README): the application pool plus the one shared queue pool, nothing else.
  expect(peak).toBeLessThanOrEqual(APP_POOL_MAX + queuePoolSize());

  expect(await stop()).toBe(0);
  expect(existsSync(join(dir, 'data/pg/postmaster.pid'))).toBe(false); // Postgres was stopped, cleanly, by the service

  await start();
  expect(output).not.toMatch(/Generated secrets/); // the same secrets, kept in ./data
  expect((await Promise.all(orders.map((o) => mirrored(o.id)))).every(Boolean)).toBe(true);
  const later = anOrder();
  expect(await post(later)).toBe(200);
  await waitFor('the order after the restart to be mirrored', () => mirrored(later.id), 30_000);
  expect(await stop()).toBe(0);
}, 240_000);

test('when the service is killed (SIGKILL) and its Postgres is left running, then the next start stops that server cleanly and carries on with the data', async () => {
  await start();
  const order = anOrder();
  expect(await post(order)).toBe(200);
  await waitFor('the order to be mirrored', () => mirrored(order.id), 30_000);
  const pgPid = Number(readFileSync(join(dir, 'data/pg/postmaster.pid'), 'utf8').split('\n')[0]);
  const killed = new Promise((r) => proc!.once('exit', r));
  proc!.kill('SIGKILL');
  await killed;
  expect(() => process.kill(pgPid, 0)).not.toThrow(); // the orphaned server is still running

  await start();
  expect(output).toMatch(new RegExp(`stopped an embedded Postgres left running by an earlier process \\(pid ${pgPid}\\)`));
  expect(await mirrored(order.id)).toBe(true);
  expect(await stop()).toBe(0);
}, 120_000);

test('when postmaster.pid is stale and its pid now belongs to another program (reused after a reboot), then that program is left alone and the service starts', async () => {
  const other = spawn('sleep', ['600'], { stdio: 'ignore' });
  try {
    writeFileSync(join(dir, 'data/pg/postmaster.pid'), `${other.pid}\n${join(dir, 'data/pg')}\n1700000000\n54329\n`);
    writeFileSync(join(dir, 'data/embedded-postgres.owner'), '999999'); // its owner is gone: it looks orphaned
    await start();
    expect(() => process.kill(other.pid!, 0)).not.toThrow(); // not signalled
    expect(output).not.toMatch(/stopped an embedded Postgres left running/);
    expect((await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).checks).toEqual({ postgres: 'ok', queues: 'ok' });
    expect(await stop()).toBe(0);
  } finally {
    other.kill();
  }
}, 120_000);

test('when Ctrl-C in the terminal signals the whole process group, then the service still shuts down in order: no worker loses its database, Postgres stops last', async () => {
  await start(true);
  const order = anOrder();
  expect(await post(order)).toBe(200);
  await waitFor('the order to be mirrored', () => mirrored(order.id), 30_000);
  const logFrom = readFileSync(join(dir, 'data/postgres.log'), 'utf8').length;
  const exited = new Promise<number | null>((r) => proc!.once('exit', (code) => r(code)));
  process.kill(-proc!.pid!, 'SIGINT'); // what the terminal sends: to the service and to every process of its group
  expect(await exited).toBe(0);
  expect(output).not.toMatch(/"level":50/); // before: a "worker error" per queue as the server went away under them
  const serverLog = readFileSync(join(dir, 'data/postgres.log'), 'utf8').slice(logFrom);
  expect(serverLog).toMatch(/received smart shutdown request/); // from the service, after its pools: not the terminal's
  expect(serverLog).not.toMatch(/fast shutdown|terminating connection due to administrator command/);
  expect(existsSync(join(dir, 'data/pg/postmaster.pid'))).toBe(false);
}, 120_000);
