import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';
import { manualClock } from '../../src/platform/clock.js';

/** P12: a lawful demand stops retention and erasure for a subject until lifted or until it ends. Real Postgres, Redis. */
const NOW = '2025-03-01T00:00:00.000Z';
const DAY = 86_400_000;
const clock = manualClock(NOW);
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ dataDir: mkdtempSync(join(tmpdir(), 'woo-holds-')) }, { clock });
  await ctx.startWorkers();
});
beforeEach(() => clock.set(NOW));
afterAll(async () => ctx.close());

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const hold = (payload: object) => ctx.app.inject({ method: 'POST', url: '/api/legal-holds', headers: auth, payload });
const lift = (id: string) => ctx.app.inject({ method: 'DELETE', url: `/api/legal-holds/${id}`, headers: auth });
const holdsInForce = async () => (await ctx.app.inject({ url: '/api/legal-holds', headers: auth })).json().holds.map((h: { id: string }) => h.id);
const erase = (payload: object) => ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: auth, payload });
async function deliver(body: unknown, topic = 'order.created') {
  expect((await ctx.app.inject(aDelivery(body, { topic }))).statusCode).toBe(200);
}
async function aPersonWithAnOrder(email: string, dates: Record<string, string> = {}) {
  await deliver(anOrder({ email, ...dates }));
  await ctx.drained();
  return (await ctx.pool.query('SELECT p.id, p.status FROM persons p JOIN person_emails e ON e.person_id = p.id WHERE e.email = $1', [email])).rows[0];
}
/** Everything an erasure would touch for this person, to prove a refused one changed nothing. */
async function snapshot(personId: number) {
  const q = async (sql: string) => (await ctx.pool.query(sql, [personId])).rows;
  return {
    person: await q('SELECT * FROM persons WHERE id = $1'),
    emails: await q('SELECT * FROM person_emails WHERE person_id = $1 ORDER BY email'),
    orders: await q('SELECT * FROM orders WHERE person_id = $1 ORDER BY id'),
    inbox: await q(`SELECT id, length(body) AS len, scrubbed_at FROM webhook_inbox WHERE resource = 'order' AND resource_id IN (SELECT wc_order_id FROM orders WHERE person_id = $1) ORDER BY id`),
    fiscal: await q('SELECT * FROM fiscal_archive WHERE order_id IN (SELECT id FROM orders WHERE person_id = $1)'),
    tombstones: await q('SELECT * FROM erasure_tombstones WHERE person_id = $1'),
  };
}

describe('P12 legal holds', () => {
  test('when a hold is placed, then 201 with the hold and its normalised email; malformed input is a 400 with a reason', async () => {
    const email = `Kees.DeVries-${nextId()}@Example.COM`;
    const res = await hold({ email: `  ${email} `, reason: 'FIOD-onderzoek 2025/17', until: '2025-09-01T00:00:00+02:00' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), email: email.toLowerCase(), reason: 'FIOD-onderzoek 2025/17',
      until: '2025-08-31T22:00:00.000Z', createdAt: expect.any(String), releasedAt: null,
    });
    const open = await hold({ email: `open-${nextId()}@example.com`, reason: 'beslag OM' });
    expect(open.statusCode).toBe(201);
    expect(open.json().until).toBeNull();

    const bad = async (payload: object, field: RegExp) => {
      const r = await hold(payload);
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(field) });
    };
    await bad({ email: 'not-an-email', reason: 'FIOD' }, /email/);
    await bad({ email: 'deleted@site.invalid', reason: 'FIOD' }, /email/);
    await bad({ email: `x-${nextId()}@example.com`, reason: 'ab' }, /reason/);
    await bad({ email: `x-${nextId()}@example.com` }, /reason/);
    await bad({ email: `x-${nextId()}@example.com`, reason: 'FIOD', until: '2025-02-28T23:59:59Z' }, /until/); // past, by the clock
    await bad({ email: `x-${nextId()}@example.com`, reason: 'FIOD', until: NOW }, /until/); // ends now = not in force
    await bad({ email: `x-${nextId()}@example.com`, reason: 'FIOD', until: 'next tuesday' }, /until/);

    expect((await lift('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    const badId = await lift('not-a-uuid');
    expect(badId.statusCode).toBe(400);
    expect(badId.json().message).toMatch(/id/);
  });

  test('when a held person is erased directly, by any of their emails or by id, then 409 legal_hold and nothing changes', async () => {
    const account = `held-${nextId()}@example.com`;
    const billingEmail = `held-billing-${nextId()}@example.com`;
    const customer = aCustomer({ email: account, billingEmail });
    await deliver(customer, 'customer.created');
    await deliver(anOrder({ email: billingEmail, customer_id: customer.id }));
    await ctx.drained();
    const { rows: [p] } = await ctx.pool.query('SELECT id FROM persons WHERE wc_customer_id = $1', [customer.id]);
    expect((await hold({ email: billingEmail, reason: 'Belastingdienst, boekenonderzoek' })).statusCode).toBe(201);
    const before = await snapshot(p.id);
    expect(before.emails).toHaveLength(2);

    for (const target of [{ email: billingEmail }, { email: account }, { personId: Number(p.id) }]) {
      const res = await erase(target);
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe('legal_hold');
    }
    expect(await snapshot(p.id)).toEqual(before);
    expect(before.person[0].status).toBe('active');
  });

  test('when a hold was placed before any data existed, then it blocks erasure once the data arrives', async () => {
    const email = `early-${nextId()}@example.com`;
    expect((await hold({ email: email.toUpperCase(), reason: 'vordering OM' })).statusCode).toBe(201);
    for (let i = 0; i < 3; i++) await deliver(anOrder({ email })); // several at once: the batch path keys emails too
    const p = await aPersonWithAnOrder(email);
    expect(p.status).toBe('active');
    expect((await ctx.pool.query('SELECT count(*)::int AS n FROM orders WHERE person_id = $1', [p.id])).rows[0].n).toBe(4);
    expect((await ctx.pool.query('SELECT count(*)::int AS n FROM person_emails WHERE subject_key IS NULL')).rows[0].n).toBe(0);
    const res = await erase({ email });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('legal_hold');
    expect((await snapshot(p.id)).tombstones).toEqual([]);
  });

  test('when the sweep finds a held person and a non-held person both due, then it skips the held one and erases the other', async () => {
    const old = { created: '2023-02-27T10:00:00', modified: '2023-02-27T10:00:00', date_paid_gmt: '2023-02-27T10:00:00' };
    const heldEmail = `sweep-held-${nextId()}@example.com`;
    expect((await hold({ email: heldEmail, reason: 'FIOD-onderzoek' })).statusCode).toBe(201);
    const held = await aPersonWithAnOrder(heldEmail, old);
    const free = await aPersonWithAnOrder(`sweep-free-${nextId()}@example.com`, old);
    const heldBefore = await snapshot(held.id);

    clock.set(new Date(Date.parse('2023-02-27T10:00:00Z') + 731 * DAY)); // both inactive for 731 days; everyone else is recent
    const started = await ctx.app.inject({ method: 'POST', url: '/api/retention/sweeps', headers: auth, payload: { force: true } });
    expect(started.statusCode).toBe(202);
    let sweep = started.json();
    for (const until = Date.now() + 15_000; sweep.status === 'running' && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 50));
      sweep = (await ctx.app.inject({ url: `/api/retention/sweeps/${sweep.id}`, headers: auth })).json();
    }
    expect(sweep).toMatchObject({ status: 'completed', preview: expect.objectContaining({ personsDue: 1, personsHeld: 1 }) });
    expect(sweep.counts).toMatchObject({ personsErased: 1, personsHeld: 1 }); // the report counts the kept person, as the preview does

    expect(await snapshot(held.id)).toEqual(heldBefore);
    const after = await snapshot(free.id);
    expect(after.person[0]).toMatchObject({ status: 'erased', first_name: '[deleted]' });
    expect(after.tombstones).toEqual([expect.objectContaining({ reason: 'retention', reason_ref: sweep.id })]);
  });

  test('when a hold is lifted with DELETE, then it is no longer in force and erasure succeeds', async () => {
    const email = `lifted-${nextId()}@example.com`;
    const h = (await hold({ email, reason: 'FIOD-onderzoek' })).json();
    await aPersonWithAnOrder(email);
    expect((await erase({ email })).statusCode).toBe(409);
    expect(await holdsInForce()).toContain(h.id);

    expect((await lift(h.id)).statusCode).toBe(204);
    expect(await holdsInForce()).not.toContain(h.id);
    const res = await erase({ email });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('erased');
    // The lifted demand keeps its reason and dates, not the address.
    const { rows: [row] } = await ctx.pool.query('SELECT email, reason, released_at FROM legal_holds WHERE id = $1', [h.id]);
    expect(row).toMatchObject({ email: null, reason: 'FIOD-onderzoek', released_at: new Date(NOW) });
  });

  test('when a hold reaches its until, then it ends by itself and erasure succeeds without DELETE', async () => {
    const email = `until-${nextId()}@example.com`;
    const until = new Date(Date.parse(NOW) + 3 * DAY);
    const h = (await hold({ email, reason: 'conservatoir beslag', until: until.toISOString() })).json();
    await aPersonWithAnOrder(email);
    clock.set(new Date(until.getTime() - 1000));
    expect((await erase({ email })).statusCode).toBe(409);
    expect(await holdsInForce()).toContain(h.id);

    clock.set(until);
    expect(await holdsInForce()).not.toContain(h.id);
    const res = await erase({ email });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'erased', erasedAt: until.toISOString() });
    const { rows: [row] } = await ctx.pool.query('SELECT email, reason, released_at FROM legal_holds WHERE id = $1', [h.id]);
    expect(row).toEqual({ email: null, reason: 'conservatoir beslag', released_at: null }); // ended, never lifted
  });

  test('when holds are listed, then only those in force appear (not lifted, not past until)', async () => {
    const place = async (extra: object = {}) => (await hold({ email: `list-${nextId()}@example.com`, reason: 'FIOD-onderzoek', ...extra })).json();
    const open = await place();
    const lifted = await place();
    const expiring = await place({ until: new Date(Date.parse(NOW) + 3600_000).toISOString() });
    expect((await lift(lifted.id)).statusCode).toBe(204);

    const now = await ctx.app.inject({ url: '/api/legal-holds', headers: auth });
    expect(now.statusCode).toBe(200);
    const listed = now.json().holds;
    expect(listed.map((h: { id: string }) => h.id)).toEqual(expect.arrayContaining([open.id, expiring.id]));
    expect(listed.map((h: { id: string }) => h.id)).not.toContain(lifted.id);
    expect(listed.find((h: { id: string }) => h.id === open.id)).toEqual(open);
    expect(listed.every((h: { releasedAt: string | null }) => h.releasedAt === null)).toBe(true);

    clock.advance(3600_000);
    const later = await holdsInForce();
    expect(later).toContain(open.id);
    expect(later).not.toContain(expiring.id);
  });
});
