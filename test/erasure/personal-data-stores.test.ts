import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from 'bullmq';
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';
import { PERSONAL_DATA_STORES, TABLES_WITHOUT_PERSONAL_DATA } from '../../src/erasure/stores.js';

/**
 * P14b "erasure reaches every copy we hold": every table of the schema is either a registered personal-data store
 * or declared free of personal data, and after an erasure no column of any table still holds the person's values —
 * except the fiscal archive, which keeps the billing name and address the law requires (P13).
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ dataDir: mkdtempSync(join(tmpdir(), 'woo-stores-')) });
  await ctx.startWorkers();
});
afterAll(async () => ctx.close());

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function deliver(body: unknown, topic: string, expected = 'accepted') {
  const res = await ctx.app.inject(aDelivery(body, { topic }));
  expect(res.statusCode).toBe(200);
  expect(res.json().status).toBe(expected);
}

async function tablesOfSchema(): Promise<string[]> {
  const { rows } = await ctx.pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`);
  return rows.map((r) => r.table_name);
}

/** Every column that can hold text, in every table: `table.column: value` for each value found in it. */
async function findValues(values: string[]): Promise<string[]> {
  const { rows: columns } = await ctx.pool.query<{ table_name: string; column_name: string; data_type: string; udt_name: string }>(`
    SELECT c.table_name, c.column_name, c.data_type, c.udt_name FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
    WHERE c.table_schema = current_schema()
      AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea')
           OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar', '_bpchar', '_jsonb', '_json')))`);
  expect(columns.length).toBeGreaterThan(20); // the scan really looks at the schema
  const hits: string[] = [];
  for (const c of columns) {
    const col = `"${c.column_name}"`;
    const { rows } = await ctx.pool.query<{ v: unknown }>(`SELECT ${col} AS v FROM "${c.table_name}" WHERE ${col} IS NOT NULL`);
    for (const { v } of rows) {
      const text = (Buffer.isBuffer(v) ? v.toString('utf8') : typeof v === 'string' ? v : JSON.stringify(v)).toLowerCase();
      for (const value of values) if (text.includes(value.toLowerCase())) hits.push(`${c.table_name}.${c.column_name}: ${value}`);
    }
  }
  return [...new Set(hits)].sort();
}

describe('P14b register of personal data stores', () => {
  test('when a table of the schema is neither covered by a store nor declared free of personal data, then this test names it', async () => {
    const tables = await tablesOfSchema();
    expect(tables).toEqual(expect.arrayContaining(['persons', 'orders', 'webhook_inbox', 'fiscal_archive']));
    const covered = new Set(PERSONAL_DATA_STORES.flatMap((s) => s.tables));
    const problems: string[] = [];
    for (const t of tables) {
      const reason = TABLES_WITHOUT_PERSONAL_DATA[t];
      if (!covered.has(t) && reason === undefined) {
        problems.push(`${t}: neither covered by a store in PERSONAL_DATA_STORES nor listed in TABLES_WITHOUT_PERSONAL_DATA`);
      }
      if (reason !== undefined && reason.trim() === '') problems.push(`${t}: listed in TABLES_WITHOUT_PERSONAL_DATA without a reason`);
      if (covered.has(t) && reason !== undefined) problems.push(`${t}: both a personal-data store and declared free of personal data`);
    }
    for (const t of [...covered, ...Object.keys(TABLES_WITHOUT_PERSONAL_DATA)]) {
      if (!tables.includes(t)) problems.push(`${t}: registered but not a table of the schema`);
    }
    expect(problems).toEqual([]);
  });
});

describe('P14b erasure reaches every copy we hold', () => {
  test('when a person with data in every store is erased, then no column of any table holds their values, except the fiscal archive\'s billing name and address', async () => {
    const n = nextId();
    const fx = {
      email: `zwaantje.tjallingii.${n}@example.com`, billingEmail: `z.tjallingii.${n}@grachtenpost.example`,
      first: 'Zwaantje', last: 'Tjallingii', street: 'Prinsengracht 263', phone: '+31 6 47110815', phoneDigits: '47110815',
      postcode: '1016 GV', transactionId: `tr_Qx7Zw${n}`,
    };
    const address = { first_name: fx.first, last_name: fx.last, company: '', address_1: fx.street, address_2: '', city: 'Amsterdam',
      state: 'NH', postcode: fx.postcode, country: 'NL', phone: fx.phone };
    const billing = { ...address, email: fx.billingEmail };

    // A hold that ends by its own `until`, and one placed and lifted (P12): both keep the email until the erasure.
    const until = Date.now() + 1500;
    const hold = (body: object) => ctx.app.inject({ method: 'POST', url: '/api/legal-holds', headers: auth, payload: body });
    const expiring = await hold({ email: fx.billingEmail, reason: 'FIOD inquiry 2025-0117', until: new Date(until).toISOString() });
    expect(expiring.statusCode).toBe(201);
    const lifted = await hold({ email: fx.email, reason: 'Belastingdienst audit 2025-0042' });
    expect(lifted.statusCode).toBe(201);
    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/legal-holds/${lifted.json().id}`, headers: auth })).statusCode).toBe(204);

    const customer = aCustomer({ email: fx.email, first_name: fx.first, last_name: fx.last, billing, shipping: address });
    const paid = anOrder({ email: fx.billingEmail, customer_id: customer.id, first_name: fx.first, last_name: fx.last,
      billing, shipping: address, transaction_id: fx.transactionId });
    const pending = anOrder({ email: fx.billingEmail, customer_id: customer.id, billing, shipping: address, status: 'pending',
      date_paid: null, date_paid_gmt: null, transaction_id: '' });
    await deliver(customer, 'customer.created');
    await deliver(paid, 'order.created');
    await deliver(pending, 'order.created');
    await deliver(paid, 'order.created', 'duplicate'); // WooCommerce re-delivers the same bytes
    await deliver({ ...paid, status: 'completed', date_modified_gmt: '2025-01-03T10:00:00', date_completed_gmt: '2025-01-03T10:00:00' }, 'order.updated');
    // A delivery Postgres refuses (\u0000): a failed job, and a raw body with all the personal data in it.
    await deliver({ ...pending, date_modified_gmt: '2025-01-04T10:00:00', billing: { ...billing, first_name: `${fx.first}\u0000` } }, 'order.updated');
    await ctx.drained();

    const { rows: inbox } = await ctx.pool.query<{ id: number; outcome: string }>(
      `SELECT id, outcome FROM webhook_inbox WHERE (resource = 'order' AND resource_id = ANY($1)) OR (resource = 'customer' AND resource_id = $2)`,
      [[paid.id, pending.id], customer.id]);
    expect(inbox.map((r) => r.outcome).sort()).toEqual(['applied', 'applied', 'applied', 'applied', 'failed']);
    const inboxIds = new Set(inbox.map((r) => r.id));

    // The finished jobs that point at those deliveries (jobs finish just after the inbox row is marked processed).
    const refsOf = (j: Job) => [j.data?.inboxId, ...(j.data?.inboxIds ?? [])].filter((id) => inboxIds.has(id));
    const finishedJobs = async () => (await ctx.deps.queues.mirror.getJobs(['completed', 'failed'])).filter((j) => j && refsOf(j).length);
    const covered = async () => new Set((await finishedJobs()).flatMap(refsOf)).size === inboxIds.size
      && (await ctx.deps.queues.mirror.getFailed()).some((j) => refsOf(j).length);
    for (const deadline = Date.now() + 10_000; !(await covered()) && Date.now() < deadline;) await sleep(50);
    const jobsBefore = await finishedJobs();
    expect(await covered()).toBe(true);

    const fiscalValues = [fx.first, fx.last, fx.street, fx.postcode];
    const values = [fx.email, fx.billingEmail, fx.phoneDigits, fx.transactionId, ...fiscalValues];
    expect((await findValues(values)).length).toBeGreaterThan(10); // the scan finds the seeded data before the erasure

    if (Date.now() < until + 100) await sleep(until + 100 - Date.now());
    const res = await ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: auth, payload: { email: fx.email, reason: 'request' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('erased');

    const left = await findValues(values);
    expect(left.filter((h) => !h.startsWith('fiscal_archive.'))).toEqual([]);
    // The fiscal archive keeps the billing name and address printed on the invoice, and nothing else of theirs.
    expect(left).toEqual(['fiscal_archive.billing_address: 1016 GV', 'fiscal_archive.billing_address: Prinsengracht 263',
      'fiscal_archive.billing_name: Tjallingii', 'fiscal_archive.billing_name: Zwaantje']);
    const { rows: fiscal } = await ctx.pool.query('SELECT billing_name, billing_address FROM fiscal_archive WHERE wc_order_id = $1', [paid.id]);
    expect(fiscal).toEqual([{ billing_name: 'Zwaantje Tjallingii',
      billing_address: { address1: fx.street, address2: '', postcode: fx.postcode, city: 'Amsterdam', state: 'NH', country: 'NL' } }]);
    expect((await ctx.pool.query('SELECT count(*)::int AS n FROM fiscal_archive WHERE wc_order_id = $1', [pending.id])).rows[0].n).toBe(0);

    // The holds keep their reason and dates, not the address.
    const { rows: holds } = await ctx.pool.query('SELECT email, reason FROM legal_holds WHERE id = ANY($1)', [[expiring.json().id, lifted.json().id]]);
    expect(holds.map((h) => h.email)).toEqual([null, null]);

    // Finished jobs that pointed at the person's deliveries are gone from Redis.
    expect(jobsBefore.length).toBeGreaterThanOrEqual(1);
    expect(await finishedJobs()).toEqual([]);
    for (const j of jobsBefore) expect(await ctx.deps.queues.mirror.getJob(j.id!)).toBeUndefined();
  });
  test('when deliveries about the person failed or were ignored before reaching the mirror, then erasure still scrubs their raw bodies', async () => {
    const email = `wobbe.hoekstra.${nextId()}@example.com`;
    // Never paid, so not invoiced: nothing of it may stay, not even in the fiscal archive.
    const known = anOrder({ email, first_name: 'Wobbe', last_name: 'Hoekstra', status: 'pending', date_paid: null, date_paid_gmt: null });
    const poison = anOrder({ email, first_name: 'Wobbe', last_name: 'Hoekstra', total: 'not money' }); // never mirrored
    const draft = anOrder({ email, first_name: 'Wobbe', last_name: 'Hoekstra', status: 'checkout-draft' }); // ignored
    await deliver(known, 'order.created');
    await deliver(poison, 'order.created');
    await deliver(draft, 'order.created');
    await ctx.drained();
    const bodies = async () => (await ctx.pool.query<{ resource_id: number; outcome: string; len: number }>(
      'SELECT resource_id, outcome, length(body) AS len FROM webhook_inbox WHERE resource_id = ANY($1) ORDER BY resource_id',
      [[known.id, poison.id, draft.id]])).rows;
    expect((await bodies()).map((r) => r.outcome)).toEqual(['applied', 'failed', 'ignored']);

    const res = await ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: auth, payload: { email } });
    expect(res.json().status).toBe('erased');
    expect(await bodies()).toEqual([
      { resource_id: known.id, outcome: 'applied', len: 0 },
      { resource_id: poison.id, outcome: 'failed', len: 0 },
      { resource_id: draft.id, outcome: 'ignored', len: 0 },
    ]);
    expect(await findValues([email, 'Hoekstra'])).toEqual([]);
  });
});
