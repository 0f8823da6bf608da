import { processorRegister } from '../../src/processors/register.js';
import { anOrder, nextId } from '../builders/woocommerce.js';
import { aDelivery } from '../builders/webhooks.js';
import { ADMIN_TOKEN, createTestContext } from '../setup/context.js';
import { type World, startWorld } from './world.js';

/**
 * P2 (data leaves only to registered processors, only the registered fields), P6–P9: the processor register, the
 * register check over every request the fakes received, the operator's retry route, and processors left unconfigured.
 */

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const CONSENT = [{ id: 9, key: '_review_consent', value: 'yes' }];
const IDS = ['snelstart', 'postnl', 'reviews', 'mollie', 'mail', 'hosting', 'woocommerce'];
type Req = { method: string; path: string; query: Record<string, string>; body: unknown };

/** Every JSON field path a body carries, in the register's notation: `a.b`, array elements as `a[].b`. */
function fieldPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => fieldPaths(v, `${prefix}[]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => fieldPaths(v, prefix ? `${prefix}.${k}` : k));
  return prefix ? [prefix] : [];
}

/** Paths a processor received that its register entry does not list, as `processor METHOD path: field`. */
function unregistered(w: World, processor: 'snelstart' | 'postnl' | 'reviews', requests: Req[]): { checked: number; leaks: string[] } {
  const allowed = new Set(processorRegister({ reviewsProvider: w.ctx.config.processors.reviewsProvider }).find((p) => p.id === processor)!.fields);
  const bodies = requests.filter((r) => r.body !== undefined);
  const leaks = bodies.flatMap((r) => fieldPaths(r.body).filter((f) => !allowed.has(f)).map((f) => `${processor} ${r.method} ${r.path}: ${f}`));
  return { checked: bodies.length, leaks: [...new Set(leaks)] };
}

/** Everything one customer can make a processor receive: paid, shipped, completed with consent, partly refunded. */
async function fullScenario(w: World, email: string) {
  const base = anOrder({ email, status: 'processing', total: '29.63', meta_data: CONSENT });
  // A house number extension, so PostNL's HouseNrExt is exercised too.
  const order = { ...base, shipping: { ...base.shipping, address_1: 'Oudegracht 231-bis', postcode: '3511 NK', city: 'Utrecht' } };
  await w.deliver(order, 'order.created');
  await w.settled(order.id);
  const completed = { ...order, status: 'completed', date_modified_gmt: '2025-01-05T10:00:00', date_completed_gmt: '2025-01-05T10:00:00' };
  await w.deliver(completed);
  await w.settled(order.id);
  await w.deliver({ ...completed, date_modified_gmt: '2025-01-06T10:00:00', refunds: [{ id: 801, reason: 'kapot aangekomen', total: '-5.00' }] });
  const sync = await w.settled(order.id);
  expect(sync.map((s) => [s.processor, s.kind, s.ref, s.status])).toEqual([
    ['snelstart', 'booking', null, 'done'], ['postnl', 'shipment', null, 'done'], ['reviews', 'invitation', null, 'done'], ['snelstart', 'credit', '801', 'done'],
  ]);
  return order;
}

/** Snelstart's token form carries our credentials only; every other request is checked against the register. */
function snelstartRequests(w: World): Req[] {
  for (const t of w.snelstart.tokenRequests()) expect(Object.keys(t.body as object).sort()).toEqual(['clientkey', 'grant_type']);
  return w.snelstart.requests.filter((r) => r.path !== '/b2b/token');
}

function expectNothingOfTheOrderAtSnelstart(w: World, email: string) {
  const text = JSON.stringify(snelstartRequests(w).map((r) => ({ path: r.path, query: r.query, body: r.body })));
  for (const v of [email, '@', 'MUG-BLUE', 'Mok', 'blauw', 'kapot', '+31', 'Firefox', '203.0.113']) expect(text).not.toContain(v);
  for (const r of snelstartRequests(w).filter((x) => x.query.$filter)) expect(r.query.$filter).toMatch(/^(Factuurnummer|Relatiecode) eq /);
}

async function bystander(w: World) {
  // Person 1 would be found as relatiecode 1 (the fake's collective relation): a first person who never pays.
  await w.deliver(anOrder({ email: `bystander-${nextId()}@example.com`, status: 'on-hold' }), 'order.created');
  await w.ctx.drained();
}

describe('P2 P6–P9 the processor register', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => w.close());

  test('when the operator asks GET /api/processors, then every processor the shop uses is listed with its full record', async () => {
    expect((await w.ctx.app.inject({ url: '/api/processors' })).statusCode).toBe(401);
    const res = await w.ctx.app.inject({ url: '/api/processors', headers: auth });
    expect(res.statusCode).toBe(200);
    const list = res.json().processors as Record<string, unknown>[];
    expect(list.map((p) => p.id).sort()).toEqual([...IDS].sort());
    for (const p of list) {
      expect(p).toEqual(expect.objectContaining({
        purpose: expect.stringMatching(/\S/), dataCategories: expect.arrayContaining([expect.any(String)]), fields: expect.any(Array),
        legalBasis: expect.stringMatching(/^(contract|legal_obligation|legitimate_interest|consent)$/),
        location: expect.stringMatching(/\S/), retention: expect.stringMatching(/\S/), canErase: expect.any(Boolean),
      }));
    }
    const byId = Object.fromEntries(list.map((p) => [p.id, p]));
    for (const id of ['snelstart', 'postnl', 'reviews']) expect((byId[id]!.fields as string[]).length).toBeGreaterThan(0);
    expect(byId.reviews).toMatchObject({ legalBasis: 'consent', canErase: true, fields: ['name', 'email', 'orderRef'] });
    expect(byId.snelstart!.fields).not.toContain('email');
    expect(byId.mollie).toMatchObject({ fields: [], sharedBy: 'woocommerce' });
  });

  test('THE REGISTER CHECK (collective relation, own review site): no field leaves that the register does not list', async () => {
    const email = `register-${nextId()}@example.com`;
    await fullScenario(w, email);
    // Forget me: the own review site is asked to erase (its request is checked too).
    expect((await w.ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: auth, payload: { email } })).json().status).toBe('erased');
    expect(w.own.requests.filter((r) => r.path === '/erasures')).toHaveLength(1);

    const checks = { snelstart: unregistered(w, 'snelstart', snelstartRequests(w)), postnl: unregistered(w, 'postnl', w.postnl.requests), reviews: unregistered(w, 'reviews', w.own.requests) };
    expect(Object.values(checks).flatMap((c) => c.leaks)).toEqual([]);
    for (const c of Object.values(checks)) expect(c.checked).toBeGreaterThan(0);
    expectNothingOfTheOrderAtSnelstart(w, email);
    // Without track-and-trace mail PostNL gets no contact details at all.
    expect(JSON.stringify(w.postnl.requests.map((r) => r.body))).not.toMatch(new RegExp(`${email}|Contacts|SMSNr`));
  });

  describe('P8 P9 POST /api/orders/:wcOrderId/sync/:processor/retry', () => {
    const retry = (id: number, p: string, headers: Record<string, string> = auth) =>
      w.ctx.app.inject({ method: 'POST', url: `/api/orders/${id}/sync/${p}/retry`, headers });

    test('when a failed push is retried after the order is fixed, then 202 and it is done; a done push answers 409', async () => {
      // 28.63 is a euro short of the lines: the booking cannot balance and is parked as failed.
      const order = anOrder({ email: `retry-${nextId()}@example.com`, status: 'processing', total: '28.63' });
      await w.deliver(order, 'order.created');
      let sync = await w.settled(order.id);
      expect(sync[0]).toMatchObject({ processor: 'snelstart', status: 'failed', lastError: expect.stringContaining('unbalanced') });
      await w.deliver({ ...order, total: '29.63', date_modified_gmt: '2025-01-02T12:00:00' });
      await w.ctx.drained();

      const res = await retry(order.id, 'snelstart');
      expect(res.statusCode).toBe(202);
      expect(res.json().sync[0]).toMatchObject({ processor: 'snelstart', status: 'pending' });
      sync = await w.settled(order.id);
      expect(sync[0]).toMatchObject({ processor: 'snelstart', status: 'done', externalId: expect.any(String) });
      expect(w.snelstart.state.bookings.filter((b) => b.factuurnummer === `WC-${order.number}`)).toHaveLength(1);

      const again = await retry(order.id, 'snelstart');
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ error: 'not_failed' });
    });

    test('when the processor is unknown, the order has no such push, or no token is given, then 400, 404, 401', async () => {
      const order = anOrder({ email: `retry-${nextId()}@example.com`, status: 'processing', total: '29.63' });
      await w.deliver(order, 'order.created');
      await w.settled(order.id);
      expect((await retry(order.id, 'mollie')).statusCode).toBe(400);
      expect((await retry(order.id, 'reviews')).statusCode).toBe(404); // paid, not completed: no invitation
      expect((await retry(999_999_999, 'snelstart')).statusCode).toBe(404);
      expect((await retry(order.id, 'snelstart', {})).statusCode).toBe(401);
    });
  });
});

describe('P2 P8 P9 THE REGISTER CHECK with per-person relations, track-and-trace mail and Kiyoh', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ reviews: 'kiyoh', env: { POSTNL_TRACK_TRACE_MAIL: 'true', SNELSTART_RELATION_MODE: 'per-person', POSTNL_SENDER_HOUSE_NR_EXT: 'A' } });
    await bystander(w);
  });
  afterAll(async () => w.close());

  test('when every processor sends all it can, then every field it received is in its register entry', async () => {
    const email = `everything-${nextId()}@example.com`;
    await fullScenario(w, email);
    const relations = w.snelstart.requests.filter((r) => r.method === 'POST' && r.path === '/v2/relaties');
    expect(relations).toHaveLength(1);
    expect(JSON.stringify(w.postnl.requests.map((r) => r.body))).toContain(email); // track-and-trace mail: contacts sent
    expect(w.kiyoh.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(JSON.stringify(w.postnl.requests.map((r) => r.body))).toMatch(/"HouseNrExt":"A".*"HouseNrExt":"bis"/);

    const checks = { snelstart: unregistered(w, 'snelstart', snelstartRequests(w)), postnl: unregistered(w, 'postnl', w.postnl.requests), reviews: unregistered(w, 'reviews', w.kiyoh.requests) };
    expect(Object.values(checks).flatMap((c) => c.leaks)).toEqual([]);
    for (const c of Object.values(checks)) expect(c.checked).toBeGreaterThan(0);
    expectNothingOfTheOrderAtSnelstart(w, email);
  });
});

describe('P2 processors without credentials are skipped, not errors', () => {
  test('when no processor is configured, then a paid order gets no sync records and the start-up log says so once per processor', async () => {
    const ctx = await createTestContext();
    try {
      await ctx.startWorkers();
      const order = anOrder({ email: `nocreds-${nextId()}@example.com`, status: 'completed', total: '29.63', meta_data: CONSENT });
      expect((await ctx.app.inject(aDelivery(order, { topic: 'order.created' }))).statusCode).toBe(200);
      await ctx.drained();
      expect((await ctx.pool.query('SELECT count(*)::int AS n FROM orders WHERE wc_order_id = $1', [order.id])).rows[0].n).toBe(1);
      expect((await ctx.pool.query('SELECT count(*)::int AS n FROM processor_syncs')).rows[0].n).toBe(0);
      const lines = ctx.logs.map((l) => JSON.parse(l) as { msg: string; processor?: string; level: unknown });
      const notConfigured = lines.filter((l) => /not configured/.test(l.msg));
      expect(notConfigured.map((l) => l.processor).sort()).toEqual(['postnl', 'reviews', 'snelstart']);
      expect(lines.filter((l) => /push failed|error/i.test(l.msg))).toEqual([]);
    } finally {
      await ctx.close();
    }
  });
});
