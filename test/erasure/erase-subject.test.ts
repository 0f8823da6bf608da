import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';
import { subjectKeyer } from '../../src/erasure/subject-key.js';
import { LEDGER_FILE } from '../../src/erasure/ledger.js';

/** P13/P14b: "forget me" through the API, on real Postgres and Redis, with deliveries through the real pipeline. */
let ctx: TestContext;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'woo-erasure-'));
  ctx = await createTestContext({ dataDir });
  await ctx.startWorkers();
});
afterAll(async () => ctx.close());

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
async function deliver(body: unknown, topic: string) {
  expect((await ctx.app.inject(aDelivery(body, { topic }))).statusCode).toBe(200);
}
const erase = (payload: unknown) => ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: auth, payload: payload as object });

describe('P14b erasure of one person', () => {
  test('when a person is erased, then profile, emails, addresses and order contact data are anonymised and the books stay intact', async () => {
    const email = `forget-${nextId()}@example.com`;
    const customer = aCustomer({ email, first_name: 'Fenna', last_name: 'Visser' });
    const o1 = anOrder({ email, customer_id: customer.id, first_name: 'Fenna', last_name: 'Visser' });
    const o2 = anOrder({ email, customer_id: customer.id, first_name: 'Fenna', last_name: 'Visser', status: 'pending', date_paid_gmt: null, date_paid: null });
    await deliver(customer, 'customer.created');
    await deliver(o1, 'order.created');
    await deliver(o2, 'order.created');
    await ctx.drained();

    const res = await erase({ email: email.toUpperCase(), reason: 'request', ref: 'req-1' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: 'erased', tombstoneIds: [expect.any(String)] });

    const { rows: [p] } = await ctx.pool.query('SELECT * FROM persons WHERE wc_customer_id = $1', [customer.id]);
    expect(p).toMatchObject({ status: 'erased', account_email: null, first_name: '[deleted]', last_name: '[deleted]' });
    expect(p.billing).toMatchObject({ firstName: '[deleted]', address1: '[deleted]', city: '[deleted]', country: '', email: 'deleted@site.invalid', phone: '+00 0 00000000' });
    expect((await ctx.pool.query('SELECT count(*)::int AS n FROM person_emails WHERE person_id = $1', [p.id])).rows[0].n).toBe(0);

    const { rows: orders } = await ctx.pool.query('SELECT * FROM orders WHERE person_id = $1 ORDER BY wc_order_id', [p.id]);
    expect(orders).toHaveLength(2);
    for (const o of orders) {
      expect(o.billing).toMatchObject({ firstName: '[deleted]', lastName: '[deleted]', email: 'deleted@site.invalid', state: '', country: '' });
      expect(o.shipping.address1).toBe('[deleted]');
      expect(Number(o.wc_customer_id)).toBe(0);
      expect(o.transaction_id).toBe('0');
      expect(o.total).toBe('28.63');
      expect(o.currency).toBe('EUR');
    }
    // The API no longer finds anyone by that email.
    const found = await ctx.app.inject({ url: `/api/customers?email=${encodeURIComponent(email)}`, headers: auth });
    expect(found.json().customers).toEqual([]);

    // Raw deliveries about them keep no body.
    const { rows: inbox } = await ctx.pool.query(
      `SELECT length(body) AS len, scrubbed_at FROM webhook_inbox WHERE (resource = 'order' AND resource_id = ANY($1)) OR (resource = 'customer' AND resource_id = $2)`,
      [[o1.id, o2.id], customer.id]);
    expect(inbox).toHaveLength(3);
    for (const r of inbox) {
      expect(r.len).toBe(0);
      expect(r.scrubbed_at).not.toBeNull();
    }

    // Tombstone: keys and ids, never the data; also in the ledger file outside the database.
    const key = subjectKeyer(ctx.config.secrets.pseudonymKey)(email);
    const { rows: [t] } = await ctx.pool.query(
      `SELECT t.* FROM erasure_tombstones t JOIN erasure_subject_keys k ON k.tombstone_id = t.id WHERE k.subject_key = $1`, [key]);
    expect(t).toMatchObject({ id: body.tombstoneIds[0], person_id: p.id, reason: 'request', reason_ref: 'req-1' });
    expect(Number(t.wc_customer_id)).toBe(customer.id);
    expect(t.categories).toEqual(expect.arrayContaining(['identity', 'contact', 'addresses']));
    const ledger = readFileSync(join(dataDir, LEDGER_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const entry = ledger.find((e) => e.id === t.id);
    expect(entry).toMatchObject({ v: 1, reason: 'request', ref: 'req-1', wcCustomerId: customer.id, subjectKeys: [key.toString('hex')] });
    expect(JSON.stringify(ledger)).not.toContain(email);
  });

  test('when the ledger cannot be written (DATA_DIR full or read-only), then the erasure stands, answers erased with ledgerPending, and the next erasure appends its line', async () => {
    const ledger = join(dataDir, LEDGER_FILE);
    const emails = [`ledger-a-${nextId()}@example.com`, `ledger-b-${nextId()}@example.com`];
    for (const email of emails) await deliver(anOrder({ email }), 'order.created');
    await ctx.drained();
    renameSync(ledger, `${ledger}.kept`);
    mkdirSync(ledger); // appending to it fails (EISDIR), as a full or read-only disk would
    let first;
    try {
      first = await erase({ email: emails[0] });
    } finally {
      rmdirSync(ledger);
      renameSync(`${ledger}.kept`, ledger);
    }
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: 'erased', ledgerPending: true });
    expect(ctx.logs.some((l) => l.includes('erasure ledger not written'))).toBe(true);
    const second = await erase({ email: emails[1] });
    expect(second.json().ledgerPending).toBeUndefined();
    const ids = readFileSync(ledger, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids).toEqual(expect.arrayContaining([...first.json().tombstoneIds, ...second.json().tombstoneIds]));
  });

  test('when a person is erased twice, then the second erasure changes nothing and says so', async () => {
    const email = `twice-${nextId()}@example.com`;
    await deliver(anOrder({ email }), 'order.created');
    await ctx.drained();
    const first = await erase({ email });
    expect(first.json().status).toBe('erased');
    const before = (await ctx.pool.query('SELECT count(*)::int AS n FROM erasure_tombstones')).rows[0].n;
    const second = await erase({ email });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ status: 'already_erased', tombstoneIds: first.json().tombstoneIds, erasedAt: first.json().erasedAt });
    expect((await ctx.pool.query('SELECT count(*)::int AS n FROM erasure_tombstones')).rows[0].n).toBe(before);
  });

  test('when nobody is known by that email, then 404; a malformed body is a 400 with a reason', async () => {
    expect((await erase({ email: `nobody-${nextId()}@example.com` })).statusCode).toBe(404);
    const bad = await erase({ email: 'not-an-email' });
    expect(bad.statusCode).toBe(400);
    expect((await erase({ nothing: true })).statusCode).toBe(400);
    // Each bad body is told what is wrong with it, and an ambiguous one (both keys) is refused, not half-read.
    const reasons = [
      [{ email: 'a@b.nl', reason: 'weird' }, 'reason must be request or operator'],
      [{ personId: 'abc' }, 'personId: expected a number'],
      [{ email: 'a@b.nl', personId: 5 }, 'give either email or personId'],
      [{}, 'give either email or personId'],
      [[], 'expected a JSON object'],
    ] as const;
    for (const [payload, reason] of reasons) {
      const res = await erase(payload as object);
      expect([res.statusCode, res.json().message]).toEqual([400, expect.stringContaining(reason)]);
      expect(res.json().message).not.toMatch(/(\w+): \1:/); // the field is named once, not "personId: personId: …"
    }
  });
});
