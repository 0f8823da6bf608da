import { type PoolClient, lockNames } from '../platform/db.js';
import type { InboxRow } from '../intake/inbox.repository.js';
import type { Delivery } from './delivery.js';
import { type OrderDelivery, planOrderChunk } from './plan-orders.js';
import { loadChunkState, writeChunk } from './order-batch.repository.js';
import { anyTombstone } from '../erasure/erasure.repository.js';
import type { SubjectKeyOf } from '../erasure/subject-key.js';
import { identityLocks } from './identity.js';

type OrderEntry = { row: InboxRow; delivery: Extract<Delivery, { kind: 'order' }> };

/**
 * Applies a run of order deliveries with a few set-based statements, inside a savepoint. Returns the outcome per
 * inbox id, or null — nothing written — when the run needs the one-by-one path (a guest to adopt or merge, a
 * concurrent writer, a value Postgres refuses). Same rules, same result; only the number of round trips differs.
 */
export async function applyOrdersFast(
  db: PoolClient,
  entries: OrderEntry[],
  policyVersion: string,
  subjectKey: SubjectKeyOf,
): Promise<Map<number, 'applied' | 'stale'> | null> {
  const deliveries: OrderDelivery[] = entries.map(({ row, delivery }) => ({
    inboxId: row.id, bodySha256: row.bodySha256, origin: row.origin, restored: delivery.restored, order: delivery.order,
  }));
  const orderIds = [...new Set(deliveries.map((d) => d.order.wcOrderId))];
  const customerIds = [...new Set(deliveries.flatMap((d) => (d.order.wcCustomerId !== null ? [d.order.wcCustomerId] : [])))];
  const emails = [...new Set(deliveries.flatMap((d) => (d.order.email ? [d.order.email] : [])))];
  await db.query('SAVEPOINT fast_path');
  try {
    await lockNames(db, identityLocks(orderIds, customerIds, emails));
    const state = await loadChunkState(db, orderIds, customerIds, emails);
    // Records of erased subjects are stored anonymised, one by one (see mirror.service.ts).
    const erased = state.erasedOrders || (await anyTombstone(db, emails.map(subjectKey), customerIds));
    const plan = erased ? null : planOrderChunk(deliveries, state);
    if (!plan) {
      await db.query('ROLLBACK TO SAVEPOINT fast_path');
      return null;
    }
    await writeChunk(db, plan, policyVersion, subjectKey);
    await db.query('RELEASE SAVEPOINT fast_path');
    return plan.outcomes;
  } catch {
    await db.query('ROLLBACK TO SAVEPOINT fast_path');
    return null;
  }
}
