// Creates the test database once; each test file then migrates its own schema inside it (test/setup/context.ts).
// On a machine without the services: no Postgres → the suite runs on an embedded Postgres (the product's own zero-setup
// code, built first); no Redis → the queues run on BullMQ's Postgres backend. Each fallback is announced.
const { execFileSync } = require('node:child_process');
const { mkdtempSync } = require('node:fs');
const { Socket } = require('node:net');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { Client } = require('pg');

const root = resolve(__dirname, '../..');

async function postgresAnswers(url) {
  const probe = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await probe.connect();
    return true;
  } catch {
    return false;
  } finally {
    await probe.end().catch(() => undefined);
  }
}

function redisAnswers(url) {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const s = new Socket();
    const finish = (ok) => { s.destroy(); done(ok); };
    s.setTimeout(1500, () => finish(false));
    s.once('error', () => finish(false));
    s.connect(Number(port || 6379), hostname, () => s.write('PING\r\n'));
    s.once('data', (d) => finish(String(d).startsWith('+PONG')));
  });
}

async function startEmbedded() {
  const { startEmbeddedPostgres } = await import(join(root, 'dist/src/platform/embedded-postgres.js'));
  const pg = await startEmbeddedPostgres({ dataDir: mkdtempSync(join(tmpdir(), 'woo-test-pg-')) });
  globalThis.__wooEmbeddedPostgres = pg;
  return pg.url.replace(/\/woo_companion$/, '/woo_companion_test');
}

module.exports = async function globalSetup() {
  // dist/ is built once, here, before any test runs: tests that spawn the built service or a CLI must never race a
  // rebuild (tsc truncates each file before writing it, and a process starting meanwhile reads an empty module).
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  // Every captured log line of the run lands here; the global teardown searches it for the fixtures' personal data.
  process.env.WOO_TEST_LOG_DIR = mkdtempSync(join(tmpdir(), 'woo-test-logs-'));
  const wanted = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/woo_companion_test';
  const admin = new URL(wanted);
  admin.pathname = '/postgres';
  if (!(await postgresAnswers(admin.toString()))) {
    process.stdout.write(`\nno Postgres answers at ${admin.host}: the suite runs on an embedded Postgres (zero-setup mode)\n`);
    process.env.TEST_DATABASE_URL = await startEmbedded();
  }
  const redisUrl = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
  if (process.env.TEST_QUEUE_BACKEND !== 'postgres' && !(await redisAnswers(redisUrl))) {
    process.stdout.write(`no Redis answers at ${new URL(redisUrl).host}: every queue runs on BullMQ's Postgres backend\n`);
    process.env.TEST_QUEUE_BACKEND = 'postgres';
  }

  const url = new URL(process.env.TEST_DATABASE_URL || wanted);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (err) {
    if (err.code !== '42P04') throw err;
  } finally {
    await client.end();
  }
};
