import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, FISCAL_TOKEN, TEST_DATABASE_URL, TEST_REDIS_URL, WEBHOOK_SECRET, createTestContext, type TestContext, METRICS_TOKEN } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';
import { LEDGER_FILE } from '../../src/erasure/ledger.js';
import { replayLedger } from '../../src/erasure/replay.service.js';

/** P14b: restoring a database backup cannot bring a forgotten person back — the ledger outside the database erases again. */
let ctx: TestContext;
let dataDir: string;
let schema: string;
const tmpDirs: string[] = [];
const tmp = (prefix: string) => { const d = mkdtempSync(join(tmpdir(), prefix)); tmpDirs.push(d); return d; };
beforeAll(async () => {
  if (!canDump) return;
  dataDir = tmp('woo-replay-');
  ctx = await createTestContext({ dataDir });
  await ctx.startWorkers();
  schema = (await ctx.pool.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
}, 60_000);
afterAll(async () => {
  if (!canDump) return;
  await ctx.close();
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const db = new URL(TEST_DATABASE_URL);
const pgArgs = ['-h', db.hostname, '-p', db.port || '5432', '-U', db.username || 'postgres', '-d', db.pathname.slice(1)];
if (db.password) process.env.PGPASSWORD = decodeURIComponent(db.password); // the embedded Postgres has one

/** pg_dump refuses a server newer than itself (e.g. Debian's pg_dump 15 and the embedded PostgreSQL 18). */
function dumpToolsFit(): boolean {
  try {
    const server = Number(execFileSync('psql', [...pgArgs, '-XAtc', 'SHOW server_version_num'], { encoding: 'utf8' }).trim());
    const tool = Number(/(\d+)/.exec(execFileSync('pg_dump', ['--version'], { encoding: 'utf8' }))![1]);
    return tool >= Math.floor(server / 10000);
  } catch {
    return false;
  }
}
const canDump = dumpToolsFit();
const settings = () => ({ dataDir, fiscal: { prefix: ctx.config.invoicePrefix, years: ctx.config.fiscalRetentionYears } });
const replay = (dir = dataDir) => replayLedger({ pool: ctx.pool, settings: { ...settings(), dataDir: dir }, log: ctx.deps.log });
const q = async (sql: string, params: unknown[] = []) => (await ctx.pool.query(sql, params)).rows;
const ledgerLines = () => readFileSync(join(dataDir, LEDGER_FILE), 'utf8').trim().split('\n');

async function deliver(body: unknown, topic: string) {
  expect((await ctx.app.inject(aDelivery(body, { topic }))).statusCode).toBe(200);
}
/** A customer with an order, through the real pipeline. */
async function mirrorPerson(tag: string) {
  const email = `${tag}-${nextId()}@example.com`;
  const customer = aCustomer({ email, first_name: 'Fenna', last_name: 'Visser' });
  const order = anOrder({ email, customer_id: customer.id, first_name: 'Fenna', last_name: 'Visser' });
  await deliver(customer, 'customer.created');
  await deliver(order, 'order.created');
  await ctx.drained();
  return { email, customer, order };
}
async function erase(email: string, ref: string): Promise<string> {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: auth, payload: { email, reason: 'request', ref } });
  expect(res.statusCode).toBe(200);
  expect(res.json().status).toBe('erased');
  return res.json().tombstoneIds[0];
}
/** A real backup: pg_dump of the test schema (custom format). */
function dump(): string {
  const file = join(tmp('woo-dump-'), 'schema.dump');
  execFileSync('pg_dump', [...pgArgs, '-n', schema, '-Fc', '-f', file]);
  return file;
}
/** Drops the schema and restores the dump (which recreates it) in one transaction, so the running relay never sees it missing. */
function restore(file: string) {
  const sql = execFileSync('pg_restore', ['-f', '-', file], { maxBuffer: 64 << 20 }).toString();
  execFileSync('psql', [...pgArgs, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction'],
    { input: `DROP SCHEMA ${schema} CASCADE;\n${sql}`, stdio: ['pipe', 'pipe', 'pipe'] });
}
const personOf = async (wcCustomerId: number) => (await q('SELECT * FROM persons WHERE wc_customer_id = $1 ORDER BY id', [wcCustomerId]));
const emailsOf = async (personId: number) => (await q('SELECT email FROM person_emails WHERE person_id = $1', [personId])).map((r) => r.email);
const orderOf = async (wcOrderId: number) => (await q('SELECT * FROM orders WHERE wc_order_id = $1', [wcOrderId]))[0];
async function snapshotOf(wcCustomerId: number) {
  const [p] = await personOf(wcCustomerId);
  return { p, emails: await emailsOf(p.id), orders: await q('SELECT * FROM orders WHERE person_id = $1 ORDER BY id', [p.id]) };
}
function expectErased(p: { status: string; first_name: string; account_email: string | null }) {
  expect(p).toMatchObject({ status: 'erased', first_name: '[deleted]', account_email: null });
}

(canDump ? describe : describe.skip)(`P14b erasure:replay after restoring a pre-erasure dump${canDump ? '' : ' — skipped: no pg_dump/psql as new as the server (the embedded Postgres is 18)'}`, () => {
  test('when a dump from before an erasure is restored, then the person comes back and erasure:replay erases them again with the same tombstone', async () => {
    const fenna = await mirrorPerson('replay');
    const other = await mirrorPerson('unrelated');
    const backup = dump();
    const tombstoneId = await erase(fenna.email, 'req-replay-1');
    restore(backup);

    // The restore brought the person back, with personal data; ctx.pool (search_path by name) still works.
    const [back] = await personOf(fenna.customer.id);
    expect(back).toMatchObject({ status: 'active', first_name: 'Fenna', account_email: fenna.email, erased_at: null });
    expect(await emailsOf(back.id)).toEqual([fenna.email]);
    expect((await orderOf(fenna.order.id)).billing).toMatchObject({ firstName: 'Fenna', email: fenna.email });
    expect(await q('SELECT * FROM erasure_tombstones WHERE id = $1', [tombstoneId])).toEqual([]);
    const untouched = await snapshotOf(other.customer.id);

    const report = await replay();
    expect(report).toMatchObject({ entries: 1, alreadyPresent: 0, replayed: 1, personsErased: 1, held: 0, invalidLines: [] });
    const [again] = await personOf(fenna.customer.id);
    expect(again.id).toBe(back.id);
    expectErased(again);
    expect(await emailsOf(again.id)).toEqual([]);
    const order = await orderOf(fenna.order.id);
    expect(order.billing).toMatchObject({ firstName: '[deleted]', email: 'deleted@site.invalid', country: '' });
    expect(order.total).toBe('28.63');
    const [t] = await q('SELECT * FROM erasure_tombstones WHERE person_id = $1', [again.id]);
    expect(t).toMatchObject({ id: tombstoneId, reason: 'replay', reason_ref: 'req-replay-1' });
    expect(Number(t.wc_customer_id)).toBe(fenna.customer.id);
    expect(JSON.parse(ledgerLines()[0]!).erasedAt).toBe(new Date(t.erased_at).toISOString()); // same erasure time
    expect(await snapshotOf(other.customer.id)).toEqual(untouched);

    // Replaying twice changes nothing.
    const tombstones = (await q('SELECT id FROM erasure_tombstones ORDER BY id')).map((r) => r.id);
    const second = await replay();
    expect(second).toMatchObject({ entries: ledgerLines().length, alreadyPresent: ledgerLines().length, replayed: 0, personsErased: 0 });
    expect((await q('SELECT id FROM erasure_tombstones ORDER BY id')).map((r) => r.id)).toEqual(tombstones);
    expect(await snapshotOf(other.customer.id)).toEqual(untouched);
  });

  test('when the backup predates a guest merging into a registered customer, then replay erases both restored persons, not only the first it matches', async () => {
    const guestEmail = `guest-${nextId()}@example.com`;
    await deliver(anOrder({ email: guestEmail, first_name: 'Gerrit', last_name: 'Bos' }), 'order.created');
    const registered = await mirrorPerson('merged');
    await ctx.drained();
    const [guest] = await q('SELECT person_id AS id FROM person_emails WHERE email = $1', [guestEmail]);
    const [reg] = await personOf(registered.customer.id);
    expect(Number(guest.id)).not.toBe(Number(reg.id));
    const backup = dump();
    // The registered customer orders with the guest's address: the guest merges into them, and then they are erased.
    await deliver(anOrder({ email: guestEmail, customer_id: registered.customer.id, first_name: 'Gerrit', last_name: 'Bos' }), 'order.created');
    await ctx.drained();
    expect((await emailsOf(reg.id)).sort()).toEqual([registered.email, guestEmail].sort());
    await erase(registered.email, 'req-merged');
    restore(backup);
    expect((await q('SELECT status FROM persons WHERE id = ANY($1::bigint[])', [[guest.id, reg.id]])).map((r) => r.status)).toEqual(['active', 'active']);

    const report = await replay();
    expect(report).toMatchObject({ replayed: 1, personsErased: 2, held: 0 });
    for (const id of [guest.id, reg.id]) {
      const [p] = await q('SELECT * FROM persons WHERE id = $1', [id]);
      expect(p.status).toBe('erased');
      expect(await emailsOf(p.id)).toEqual([]);
    }
    expect(await q('SELECT 1 FROM person_emails WHERE email = ANY($1::text[])', [[guestEmail, registered.email]])).toEqual([]);
    const orders = await q('SELECT billing FROM orders WHERE person_id = ANY($1::bigint[])', [[guest.id, reg.id]]);
    expect(orders.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(orders)).not.toContain('Gerrit');
    const tombstones = await q('SELECT reason, reason_ref FROM erasure_tombstones WHERE person_id = ANY($1::bigint[])', [[guest.id, reg.id]]);
    expect(tombstones).toEqual([{ reason: 'replay', reason_ref: 'req-merged' }, { reason: 'replay', reason_ref: 'req-merged' }]);
  });

  test('when the ledger names a person the restored database never had, then replay creates a closed placeholder whose tombstone keeps their old orders anonymised', async () => {
    const backup = dump();
    const late = await mirrorPerson('late'); // mirrored and erased after the backup was taken
    const tombstoneId = await erase(late.email, 'req-late');
    restore(backup);
    expect(await personOf(late.customer.id)).toEqual([]);
    expect(await orderOf(late.order.id)).toBeUndefined();

    const report = await replay();
    expect(report).toMatchObject({ entries: ledgerLines().length, alreadyPresent: ledgerLines().length - 1, replayed: 1, invalidLines: [] });
    const [t] = await q('SELECT * FROM erasure_tombstones WHERE id = $1', [tombstoneId]);
    expect(t).toMatchObject({ reason: 'replay', reason_ref: 'req-late' });
    expect(Number(t.wc_customer_id)).toBe(late.customer.id);
    const [placeholder] = await q('SELECT * FROM persons WHERE id = $1', [t.person_id]);
    expect(placeholder).toMatchObject({ status: 'erased', first_name: null, account_email: null, wc_customer_id: null });
    expect(placeholder.erased_at).toEqual(t.erased_at);

    // The shop re-sends the old order (created before the erasure) with full personal data: stored anonymised.
    await deliver({ ...late.order, date_modified: '2025-03-01T10:00:00', date_modified_gmt: '2025-03-01T10:00:00' }, 'order.updated');
    await ctx.drained();
    const order = await orderOf(late.order.id);
    expect(order).toBeDefined();
    expect(Number(order.person_id)).toBe(Number(placeholder.id));
    expect(order.billing).toMatchObject({ firstName: '[deleted]', email: 'deleted@site.invalid' });
    expect(JSON.stringify(order)).not.toContain(late.email);
    expect(await q('SELECT id FROM persons WHERE wc_customer_id = $1 AND status <> $2', [late.customer.id, 'erased'])).toEqual([]);
    expect(await q('SELECT 1 FROM person_emails WHERE email = $1', [late.email])).toEqual([]);
  });

  test('when the ledger has malformed lines, then they are reported by line number and the valid entries are still replayed', async () => {
    const bad = await mirrorPerson('badline');
    const backup = dump();
    const tombstoneId = await erase(bad.email, 'req-bad');
    restore(backup);
    const lines = ledgerLines();
    const dir = tmp('woo-ledger-');
    const invalid = JSON.stringify({ ...JSON.parse(lines[0]!), id: 'not-a-uuid' });
    writeFileSync(join(dir, LEDGER_FILE), [lines[0], '{"v":1,"id":', ...lines.slice(1, -1), invalid, lines.at(-1)].join('\n') + '\n');

    const report = await replay(dir);
    expect(report.invalidLines).toEqual([{ line: 2, error: 'not JSON' }, { line: lines.length + 1, error: expect.stringContaining('id') }]);
    expect(report).toMatchObject({ entries: lines.length, alreadyPresent: lines.length - 1, replayed: 1 });
    const [p] = await personOf(bad.customer.id);
    expectErased(p);
    expect((await q('SELECT person_id FROM erasure_tombstones WHERE id = $1', [tombstoneId]))[0].person_id).toBe(p.id);
  });

  test('when `npm run erasure:replay` (the built CLI) runs against the restored database, then the person is erased again and a second run changes nothing', async () => {
    const cli = await mirrorPerson('cli');
    const backup = dump();
    const tombstoneId = await erase(cli.email, 'req-cli');
    restore(backup);
    expect((await personOf(cli.customer.id))[0].status).toBe('active');

    const run = () => spawnSync(process.execPath, ['dist/src/cli/erasure-replay.js'], {
      encoding: 'utf8', timeout: 20_000,
      env: {
        PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL,
        DATA_DIR: dataDir, PGOPTIONS: `-c search_path=${schema}`, PSEUDONYM_KEY: ctx.config.secrets.pseudonymKey,
        WC_WEBHOOK_SECRET: WEBHOOK_SECRET, ADMIN_TOKEN, FISCAL_TOKEN, METRICS_TOKEN,
      },
    });
    const n = ledgerLines().length;
    const first = run();
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: '' });
    expect(first.stdout).toContain(`erasure replay: ${n} ledger entries; ${n - 1} already in the database; 1 replayed (1 persons erased again)`);
    const [p] = await personOf(cli.customer.id);
    expectErased(p);
    expect(await emailsOf(p.id)).toEqual([]);
    expect((await q('SELECT person_id FROM erasure_tombstones WHERE id = $1', [tombstoneId]))[0].person_id).toBe(p.id);

    const second = run();
    expect(second.status).toBe(0);
    expect(second.stdout).toContain(`${n} already in the database; 0 replayed`);
  });
});
