import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, FISCAL_TOKEN, METRICS_TOKEN, TEST_DATABASE_URL, TEST_REDIS_URL, WEBHOOK_SECRET, createTestContext, type TestContext } from '../setup/context.js';

/** `npm run operator:create|revoke` as a shop's script runs it: the exit status tells whether it worked. */
let ctx: TestContext;
let dataDir: string;
let schema: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'woo-operator-cli-'));
  ctx = await createTestContext({ dataDir });
  schema = (await ctx.pool.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
});
afterAll(async () => {
  await ctx.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/src/cli/operator.js', ...args], {
  encoding: 'utf8', timeout: 20_000,
  env: {
    PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL,
    DATA_DIR: dataDir, PGOPTIONS: `-c search_path=${schema}`, PSEUDONYM_KEY: ctx.config.secrets.pseudonymKey,
    WC_WEBHOOK_SECRET: WEBHOOK_SECRET, ADMIN_TOKEN, FISCAL_TOKEN, METRICS_TOKEN, WC_SOURCE_ALLOWLIST: 'https://shop.example',
  },
});
const customers = (token: string) =>
  ctx.app.inject({ method: 'GET', url: '/api/customers?email=nobody@example.com', headers: { authorization: `Bearer ${token}` } });

describe('P4 operator accounts from the command line', () => {
  test('when an account is created, its token works; it can be revoked; revoking a name that does not exist exits 1', async () => {
    const created = cli('create', '--name', 'Petra Bakker', '--role', 'auditor');
    expect(created.status).toBe(0);
    const token = created.stdout.trim().split('\n').at(-1)!;
    expect((await customers(token)).statusCode).toBe(200);

    expect(cli('revoke', '--name', 'Petra Bakker')).toMatchObject({ status: 0, stdout: 'Revoked "Petra Bakker".\n' });
    const { rows } = await ctx.pool.query<{ revoked: boolean }>(`SELECT revoked_at IS NOT NULL AS revoked FROM operators WHERE name = 'Petra Bakker'`);
    expect(rows).toEqual([{ revoked: true }]);
    // Revoked at once, as the README says: the running service had just verified this token.
    expect((await customers(token)).statusCode).toBe(401);
    const missing = cli('revoke', '--name', 'Petra Bakkker');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no operator "Petra Bakkker"; nothing revoked');
  });

  test('when the role is not operator or auditor, then exit 2 and no account', async () => {
    expect(cli('create', '--name', 'Kees', '--role', 'admin').status).toBe(2);
    const { rows } = await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM operators WHERE name = 'Kees'`);
    expect(rows[0]!.n).toBe(0);
  });
});
