import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/platform/free-port.js';
import { ADMIN_TOKEN, FISCAL_TOKEN, METRICS_TOKEN, TEST_DATABASE_URL, TEST_REDIS_URL, WEBHOOK_SECRET, createTestContext } from '../setup/context.js';

/**
 * A process manager (systemd, pm2, a container runtime running `npm start`) stops the service by signalling npm. npm
 * forwards the signal to its script's process; the script must therefore be the service itself (`exec node …`), not
 * a shell that dies and leaves the service running without its graceful shutdown.
 */
test('when npm run start:api receives SIGTERM, then the service shuts down gracefully and nothing is left running', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'woo-npm-signal-'));
  const ctx = await createTestContext({ dataDir });
  const schema = (await ctx.pool.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
  const pseudonymKey = ctx.config.secrets.pseudonymKey;
  const port = await freePort();
  // --ignore-scripts: dist/ is built by the global setup; prestart's rebuild is not what is tested here.
  const npm = spawn('npm', ['run', 'start:api', '--ignore-scripts', '--silent'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', LOG_LEVEL: 'info', PORT: String(port), HOST: '127.0.0.1',
      DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: `npmsig${port}`, DATA_DIR: dataDir,
      PGOPTIONS: `-c search_path=${schema}`, PSEUDONYM_KEY: pseudonymKey, WC_WEBHOOK_SECRET: WEBHOOK_SECRET, ADMIN_TOKEN, FISCAL_TOKEN,
      METRICS_TOKEN, WC_SOURCE_ALLOWLIST: 'https://shop.example',
    },
  });
  let out = '';
  npm.stdout.on('data', (d) => (out += d));
  npm.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  try {
    const until = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > until || npm.exitCode !== null) throw new Error(`the service did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    npm.kill('SIGTERM');
    await exited;
    expect(out).toContain('"msg":"shutting down"');
    // Nothing answers on the port any more: the service itself stopped, not only npm.
    const after = await fetch(`http://127.0.0.1:${port}/healthz`).then(() => 'answered', () => 'refused');
    expect(after).toBe('refused');
  } finally {
    if (npm.exitCode === null) npm.kill('SIGKILL');
    await ctx.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);
