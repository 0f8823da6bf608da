import { createHash } from 'node:crypto';
import { createTestContext, type TestContext } from '../setup/context.js';
import { insertDeliveries } from '../../src/intake/inbox.repository.js';
import { createMirrorService } from '../../src/mirror/mirror.service.js';
import { anOrder, nextId } from '../builders/woocommerce.js';

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
});
