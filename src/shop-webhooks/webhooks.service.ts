import type { Logger } from 'pino';
import type { Pool } from '../platform/db.js';
import type { Metrics } from '../platform/metrics.js';
import type { WooClient } from '../woo/woo-client.js';
import { listWebhooks } from '../woo/woo-pages.js';
import { getState, putState } from '../sync/sync-state.repository.js';
import { type TopicReport, type WebhookState, assess, desiredWebhook, repairedWebhookId } from './plan.js';

/**
 * WooCommerce disables a webhook after repeated failed deliveries and never retries; a paused or deleted one
 * fails silently. This checks the shop's webhooks, reports (log, metric, /api/webhooks/health) and repairs.
 */

export const HEALTH_KEY = 'webhooks.health';

export interface HealthReport {
  checkedAt: string;
  healthy: boolean;
  topics: (TopicReport & { repaired: boolean })[];
}

export function createShopWebhooksService(deps: {
  pool: Pool; woo: WooClient; log: Logger; metrics: Metrics; publicUrl: string | null; secret: string; autorepair: boolean;
}) {
  /** Re-activates or recreates one webhook; returns the id it has now (null: not repaired). */
  async function repair(r: TopicReport): Promise<number | null> {
    if (!deps.publicUrl) return null; // without PUBLIC_URL we cannot know the delivery URL to create
    const body = desiredWebhook(r.topic, deps.publicUrl, deps.secret);
    const res = r.webhookId ? await deps.woo.put(`webhooks/${r.webhookId}`, body) : await deps.woo.post('webhooks', body);
    const id = repairedWebhookId(res.data, body);
    if (id === null) deps.log.warn({ topic: r.topic }, 'the shop answered the webhook repair without showing it active; the next check tries again');
    return id;
  }

  /** Reads /webhooks, records the report; repairs what is wrong when `repair` (or WC_WEBHOOKS_AUTOREPAIR) says so. */
  async function check(opts: { repair?: boolean } = {}): Promise<HealthReport> {
    const doRepair = opts.repair ?? deps.autorepair;
    const reports = assess(await listWebhooks(deps.woo), deps.publicUrl);
    const topics: HealthReport['topics'] = [];
    // `state` is what the check found; `repaired` says it was fixed, and `webhookId` is the id the webhook has now.
    for (const r of reports) {
      const id = r.state !== 'ok' && doRepair ? await repair(r) : null;
      topics.push({ ...r, webhookId: id ?? r.webhookId, repaired: id !== null });
    }
    const report: HealthReport = {
      checkedAt: new Date().toISOString(),
      healthy: topics.every((t) => t.state === 'ok' || t.repaired),
      topics,
    };
    const counts: Record<WebhookState, number> = { ok: 0, missing: 0, paused: 0, disabled: 0, mismatch: 0 };
    for (const t of topics) counts[t.repaired ? 'ok' : t.state]++;
    for (const [state, n] of Object.entries(counts)) deps.metrics.shopWebhooks.set({ state }, n);
    const bad = topics.filter((t) => t.state !== 'ok');
    if (bad.length) {
      deps.log.warn({ problems: bad.map((t) => `${t.topic}:${t.state}${t.repaired ? ' (repaired)' : ''}`) }, 'shop webhooks need attention');
    }
    await putState(deps.pool, HEALTH_KEY, report);
    return report;
  }

  async function lastReport(): Promise<HealthReport | null> {
    return (await getState<HealthReport>(deps.pool, HEALTH_KEY))?.value ?? null;
  }

  return { check, lastReport, setup: () => check({ repair: true }) };
}

export type ShopWebhooksService = ReturnType<typeof createShopWebhooksService>;
