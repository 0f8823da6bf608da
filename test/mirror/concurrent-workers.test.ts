import { createHash } from 'node:crypto';
import { createTestContext, type TestContext } from '../setup/context.js';
import { insertDeliveries } from '../../src/intake/inbox.repository.js';
import { createMirrorService } from '../../src/mirror/mirror.service.js';
import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';

/**
 * Two worker processes may apply deliveries about the same order or the same new email at the same moment.
 * Each process is a separate mirror service here (own transactions) on the same database.
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const body = (o: unknown) => {
  const b = Buffer.from(JSON.stringify(o));
  return { source: 'https://shop.example', topic: 'order.updated', webhookId: null, body: b, bodySha256: createHash('sha256').update(b).digest() };
};
const processA = () => createMirrorService({ pool: ctx.pool, policyVersion: 'v', log: ctx.deps.log, metrics: ctx.deps.metrics, refetchEnabled: false, subjectKey: ctx.deps.subjectKey, fiscal: { prefix: 'WC-', years: 7 } });

describe('mirror with several worker processes', () => {
  test('when two processes apply versions of one new order at once, then the newer version wins every time', async () => {
    const [a, b] = [processA(), processA()];
    for (let round = 0; round < 15; round++) {
      const id = nextId();
      const email = `race-${id}@example.com`;
      await insertDeliveries(ctx.pool, [
        body(anOrder({ id, email, status: 'pending', modified: '2025-05-01T10:00:00' })),
        body(anOrder({ id, email, status: 'completed', modified: '2025-05-01T10:00:09' })),
      ]);
      const { rows } = await ctx.pool.query("SELECT id FROM webhook_inbox WHERE processed_at IS NULL ORDER BY id");
      // The newer one first, in the other process, so a lost update would leave the older status.
      await Promise.all([b.applyDeliveries([rows[1].id]), a.applyDeliveries([rows[0].id])]);
      const { rows: o } = await ctx.pool.query('SELECT status FROM orders WHERE wc_order_id = $1', [id]);
      expect(o[0].status).toBe('completed');
    }
  });

  test('when two processes apply guest orders with the same new email at once, then they belong to one person', async () => {
    const [a, b] = [processA(), processA()];
    for (let round = 0; round < 15; round++) {
      const email = `twin-${nextId()}@example.com`;
      const [o1, o2] = [anOrder({ email }), anOrder({ email })];
      await insertDeliveries(ctx.pool, [body(o1), body(o2)]);
      const { rows } = await ctx.pool.query("SELECT id FROM webhook_inbox WHERE processed_at IS NULL ORDER BY id");
      const results = await Promise.all([a.applyDeliveries([rows[0].id]), b.applyDeliveries([rows[1].id])]);
      const retried = results.flatMap((m) => [...m.entries()]).filter(([, r]) => !r.ok).map(([id]) => id);
      if (retried.length) await a.applyDeliveries(retried); // a worker retries a transient failure
      const { rows: p } = await ctx.pool.query(
        'SELECT count(DISTINCT person_id)::int AS persons FROM orders WHERE wc_order_id = ANY($1::bigint[])', [[o1.id, o2.id]]);
      expect(p[0].persons).toBe(1);
      const { rows: e } = await ctx.pool.query('SELECT count(*)::int AS n FROM person_emails WHERE email = $1', [email]);
      expect(e[0].n).toBe(1);
    }
  });

  test('when a delete is applied after a restore received later, then the order stays restored', async () => {
    const svc = processA();
    const id = nextId();
    const created = anOrder({ id, status: 'processing', modified: '2025-06-01T10:00:00' });
    await insertDeliveries(ctx.pool, [body(created)]);
    let { rows } = await ctx.pool.query('SELECT id FROM webhook_inbox WHERE processed_at IS NULL ORDER BY id');
    await svc.applyDeliveries(rows.map((r) => r.id));
    const trash = { ...body({ id }), topic: 'order.deleted' };
    const restored = { ...body({ ...created, date_modified_gmt: '2025-06-01T10:05:00' }), topic: 'order.restored' };
    await insertDeliveries(ctx.pool, [trash, restored]);
    ({ rows } = await ctx.pool.query('SELECT id FROM webhook_inbox WHERE processed_at IS NULL ORDER BY id'));
    await svc.applyDeliveries([rows[1].id]); // the restore (received second) is applied first
    await svc.applyDeliveries([rows[0].id]);
    const { rows: o } = await ctx.pool.query('SELECT status FROM orders WHERE wc_order_id = $1', [id]);
    expect(o[0].status).toBe('processing');
    const { rows: out } = await ctx.pool.query('SELECT outcome FROM webhook_inbox WHERE id = $1', [rows[0].id]);
    expect(out[0].outcome).toBe('stale');
  });

  /** Applies `created`, then queues `later` in order of receipt; returns their inbox ids in that order. */
  async function createdThen(created: ReturnType<typeof anOrder>, later: ReturnType<typeof body>[]): Promise<number[]> {
    const [c] = await insertDeliveries(ctx.pool, [body(created)]);
    await processA().applyDeliveries([Number(c)]);
    return (await insertDeliveries(ctx.pool, later)).map(Number);
  }
  /** An order.deleted body ({"id":n}); `spaced` gives a second, distinct delivery of the same trash (another hash). */
  const trashOf = (id: number, spaced = false) => {
    const b = Buffer.from(spaced ? `{"id": ${id}}` : `{"id":${id}}`);
    return { ...body(null), topic: 'order.deleted', body: b, bodySha256: createHash('sha256').update(b).digest() };
  };
  const state = async (id: number) => (await ctx.pool.query('SELECT status, status_before_trash FROM orders WHERE wc_order_id = $1', [id])).rows[0];
  const outcome = async (inboxId: number) => (await ctx.pool.query('SELECT outcome FROM webhook_inbox WHERE id = $1', [inboxId])).rows[0].outcome;

  test('when an update received before a trash is applied after it (one by one), then the order stays in the trash with the update\'s data; a later restore brings it back', async () => {
    const svc = processA();
    const id = nextId();
    const created = anOrder({ id, status: 'processing', modified: '2025-06-01T10:00:00' });
    const updated = { ...created, status: 'completed', date_modified_gmt: '2025-06-01T10:05:00', total: '31.00' };
    const [u, t] = (await createdThen(created, [body(updated), trashOf(id)])) as [number, number];
    await svc.applyDeliveries([t]); // the trash (received second) is applied first
    await svc.applyDeliveries([u]);
    expect(await state(id)).toEqual({ status: 'trash', status_before_trash: 'completed' });
    expect((await ctx.pool.query('SELECT total FROM orders WHERE wc_order_id = $1', [id])).rows[0].total).toBe('31.00');
    const [r] = await insertDeliveries(ctx.pool, [{ ...body({ ...updated, date_modified_gmt: '2025-06-01T10:09:00' }), topic: 'order.restored' }]);
    await svc.applyDeliveries([Number(r)]);
    expect(await outcome(Number(r))).toBe('applied');
    expect((await state(id)).status).toBe('completed');
  });

  test('when an update received before a trash is applied after it in a batch (the set-based path), then the order stays in the trash', async () => {
    const svc = processA();
    const id = nextId();
    const created = anOrder({ id, status: 'processing', modified: '2025-06-01T10:00:00' });
    const other = anOrder({ status: 'processing', modified: '2025-06-01T10:00:00' });
    const [u, t, o] = (await createdThen(created, [
      body({ ...created, status: 'completed', date_modified_gmt: '2025-06-01T10:05:00' }), trashOf(id), body(other),
    ])) as [number, number, number];
    await svc.applyDeliveries([t]);
    const before = (await ctx.deps.metrics.mirrorFastPath.get()).values.find((v) => v.labels.result === 'used')?.value ?? 0;
    await svc.applyDeliveries([u, o]); // two order deliveries: one set-based batch
    expect((await ctx.deps.metrics.mirrorFastPath.get()).values.find((v) => v.labels.result === 'used')?.value).toBe(before + 1);
    expect(await state(id)).toEqual({ status: 'trash', status_before_trash: 'completed' });
    expect(await outcome(u)).toBe('applied');
  });

  test('when a restore received before a second trash is applied after it, then the order stays in the trash', async () => {
    const svc = processA();
    const id = nextId();
    const created = anOrder({ id, status: 'processing', modified: '2025-06-01T10:00:00' });
    const [t1, r, t2] = (await createdThen(created, [
      trashOf(id), { ...body({ ...created, date_modified_gmt: '2025-06-01T10:05:00' }), topic: 'order.restored' }, trashOf(id, true),
    ])) as [number, number, number];
    await svc.applyDeliveries([t1]);
    await svc.applyDeliveries([t2]); // the second trash overtakes the restore
    await svc.applyDeliveries([r]);
    expect((await state(id)).status).toBe('trash');
    expect(await outcome(t2)).toBe('applied');
  });

  test('when an order.deleted is applied before the create it was received after, then the order lands in the trash (one by one and set-based)', async () => {
    const svc = processA();
    const [one, two, other] = [nextId(), nextId(), nextId()];
    const ids = (await insertDeliveries(ctx.pool, [
      body(anOrder({ id: one, status: 'processing' })), trashOf(one),
      body(anOrder({ id: two, status: 'processing' })), body(anOrder({ id: other, status: 'processing' })), trashOf(two),
    ])).map(Number);
    await svc.applyDeliveries([ids[1]!, ids[4]!]); // both deletes first: nothing to trash yet
    expect(await outcome(ids[1]!)).toBe('skipped');
    await svc.applyDeliveries([ids[0]!]); // one by one
    await svc.applyDeliveries([ids[2]!, ids[3]!]); // a set-based batch
    expect(await state(one)).toEqual({ status: 'trash', status_before_trash: 'processing' });
    expect(await state(two)).toEqual({ status: 'trash', status_before_trash: 'processing' });
    expect((await state(other)).status).toBe('processing');
    expect((await ctx.pool.query('SELECT count(*)::int AS n FROM early_deletes WHERE wc_id = ANY($1)', [[one, two]])).rows[0].n).toBe(0);
    // A restore received after the delete brings the order back as usual.
    const [r] = await insertDeliveries(ctx.pool, [{ ...body(anOrder({ id: one, status: 'processing', modified: '2030-01-01T00:00:00' })), topic: 'order.restored' }]);
    await svc.applyDeliveries([Number(r)]);
    expect((await state(one)).status).toBe('processing');
  });

  test('when a customer.deleted is applied before the customer.created it was received after, then the account is marked gone', async () => {
    const svc = processA();
    const c = aCustomer({ email: `early-${nextId()}@example.com` });
    const gone = Buffer.from(`{"id":${c.id}}`);
    const ids = (await insertDeliveries(ctx.pool, [
      { ...body(c), topic: 'customer.created' },
      { ...body(null), topic: 'customer.deleted', body: gone, bodySha256: createHash('sha256').update(gone).digest() },
    ])).map(Number);
    await svc.applyDeliveries([ids[1]!]);
    await svc.applyDeliveries([ids[0]!]);
    const { rows } = await ctx.pool.query('SELECT wc_account_deleted_at FROM persons WHERE wc_customer_id = $1', [c.id]);
    expect(rows[0].wc_account_deleted_at).not.toBeNull();
  });

  test('when an order first arrives already in the trash (a REST re-fetch), then a restore received before that fetch revives nothing', async () => {
    const svc = processA();
    const id = nextId();
    const base = anOrder({ id, status: 'processing', modified: '2025-06-01T10:00:00' });
    const ids = (await insertDeliveries(ctx.pool, [
      { ...body({ ...base, date_modified_gmt: '2025-06-01T10:05:00' }), topic: 'order.restored' },
      body({ ...base, status: 'trash', date_modified_gmt: '2025-06-01T10:09:00' }), // the shop's answer, read later
    ])).map(Number);
    await svc.applyDeliveries([ids[1]!]); // the fetched, trashed order is the first the mirror hears of it
    await svc.applyDeliveries([ids[0]!]); // the older restore, retried after it
    expect((await state(id)).status).toBe('trash');
    expect(await outcome(ids[0]!)).toBe('stale');
  });
});
