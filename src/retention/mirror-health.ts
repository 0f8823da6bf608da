import type { Queryable } from '../platform/db.js';
import type { Clock } from '../platform/clock.js';
import { getState } from '../sync/sync-state.repository.js';
import { HEALTH_KEY, type HealthReport } from '../shop-webhooks/webhooks.service.js';
import { STATE_KEY, type OrdersState } from '../reconcile/reconcile.service.js';
import type { MirrorHealth } from './sweep-plan.js';

/**
 * Is the mirror known to be complete? From the last webhook health check and the order reconciliation's last
 * run. Without the shop's REST API (webhooks-only mode) neither can be known: reported as unknown, not blocking.
 */
export async function readMirrorHealth(db: Queryable, clock: Clock, restConfigured: boolean): Promise<MirrorHealth> {
  if (!restConfigured) return { webhooksNotDelivering: null, reconciliationLagSeconds: undefined };
  const [health, orders] = await Promise.all([
    getState<HealthReport>(db, HEALTH_KEY),
    getState<OrdersState>(db, STATE_KEY.orders),
  ]);
  const notDelivering = health
    ? health.value.topics.filter((t) => t.state !== 'ok' && t.state !== 'mismatch' && !t.repaired).map((t) => `${t.topic}:${t.state}`)
    : null;
  const lastRun = orders?.value.lastRunAt;
  return {
    webhooksNotDelivering: notDelivering,
    reconciliationLagSeconds: lastRun ? Math.max(0, Math.round((clock.now().getTime() - Date.parse(lastRun)) / 1000)) : null,
  };
}
