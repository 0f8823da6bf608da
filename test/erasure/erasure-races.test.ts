import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { anOrder, nextId } from '../builders/woocommerce.js';
import { eraseBatch } from '../../src/erasure/erasure.service.js';
import { checkout } from '../../src/platform/db.js';

/**
 * P14b: a delivery that meets an erasure in progress. The mirror and the erasure take turns on the names both lock
 * (customer id, email); a guest order whose billing email changed shares none of them with the erasure, so the
 * mirror only meets it at the order row's lock — and must still find the order forgotten once that lock is granted.
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ dataDir: mkdtempSync(join(tmpdir(), 'woo-erasure-race-')) });
  await ctx.startWorkers();
});
afterAll(async () => ctx.close());

async function deliver(body: unknown, topic: string) {
  expect((await ctx.app.inject(aDelivery(body, { topic }))).statusCode).toBe(200);
}
const q = async (sql: string, params: unknown[] = []) => (await ctx.pool.query(sql, params)).rows;

/** Waits until a mirror transaction waits for the order row's lock (or gives up: the test then proves less, not wrongly). */
async function mirrorWaitsForOrderLock(timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const rows = await q(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
      AND query LIKE '%FOR UPDATE OF o%'`);
    if (rows.length) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

describe('P14b an erasure in progress and a delivery for the same order', () => {
  test('when a guest order is re-sent with a new billing email while its owner is being erased, then it stays anonymised with the erased person', async () => {
    const email = `race-${nextId()}@example.com`;
    const order = anOrder({ email, first_name: 'Sanne', last_name: 'Dijkstra' });
    await deliver(order, 'order.created');
    await ctx.drained();
    const [{ person_id: personId }] = await q('SELECT person_id FROM person_emails WHERE email = $1', [email]);

    const db = await checkout(ctx.pool);
    try {
      await db.query('BEGIN');
      const settings = { dataDir: ctx.config.dataDir, fiscal: { prefix: ctx.config.invoicePrefix, years: ctx.config.fiscalRetentionYears } };
      const r = await eraseBatch(db, settings, [Number(personId)], { reason: 'operator', ref: null, erasedAt: new Date() });
      expect(r.erased).toHaveLength(1);
      // The shop re-sends the order with another billing email while the erasure has not committed yet.
      const newEmail = `race-new-${nextId()}@example.com`;
      await deliver({
        ...order, date_modified: '2025-01-05T10:00:00', date_modified_gmt: '2025-01-05T10:00:00',
        billing: { ...order.billing, email: newEmail, phone: '+31 6 99999999' },
      }, 'order.updated');
      expect(await mirrorWaitsForOrderLock()).toBe(true);
      await db.query('COMMIT');
      await ctx.drained();

      const [stored] = await q('SELECT person_id, billing, shipping, erased FROM orders WHERE wc_order_id = $1', [order.id]);
      expect(Number(stored.person_id)).toBe(Number(personId));
      expect(stored.erased).toBe(true);
      expect(stored.billing).toMatchObject({ firstName: '[deleted]', lastName: '[deleted]', email: 'deleted@site.invalid' });
      const text = JSON.stringify(stored);
      for (const value of ['Sanne', 'Dijkstra', email, newEmail, '99999999']) expect(text).not.toContain(value);
      expect(await q('SELECT 1 FROM person_emails WHERE email = ANY($1::text[])', [[email, newEmail]])).toEqual([]);
    } finally {
      await db.query('ROLLBACK').catch(() => undefined);
      db.release();
    }
  });
});
