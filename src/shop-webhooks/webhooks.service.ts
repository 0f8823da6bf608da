import type { Logger } from 'pino';
import type { Pool } from '../platform/db.js';
import type { Metrics } from '../platform/metrics.js';
import type { WooClient } from '../woo/woo-client.js';
import { listWebhooks } from '../woo/woo-pages.js';
import { WooError } from '../woo/woo-client.js';
import { safeError } from '../platform/logger.js';
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
  /**
   * `repairError`: why the repair failed (the shop's status and code, no personal data) — the report is stored all
   * the same, so a refused repair (read-only keys, a 5xx) never hides the problem behind the last good report.
   * `secretSet`: setup wrote our secret to a webhook that looked fine (the secret cannot be read back).
   */
  topics: (TopicReport & { repaired: boolean; repairError?: string; secretSet?: boolean })[];
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

  /** A repair that failed: reported on the topic, logged, and the check goes on with the other topics. */
  async function tryRepair(r: TopicReport): Promise<{ id: number | null; error?: string }> {
    try {
      return { id: await repair(r) };
    } catch (err) {
      const error = err instanceof WooError ? err.safeMessage : 'error';
      deps.log.warn({ topic: r.topic, err: safeError(err) }, 'webhook repair failed; reported, and the next check tries again');
      return { id: null, error };
    }
  }

  /**
   * Reads /webhooks, records the report; repairs what is wrong when `repair` (or WC_WEBHOOKS_AUTOREPAIR) says so.
   * `resetSecrets` (setup): webhooks that look fine get our secret written again — WooCommerce never shows it, so a
   * changed WC_WEBHOOK_SECRET (rotated, or DATA_DIR lost and regenerated) would otherwise make every delivery a 401.
   */
  async function check(opts: { repair?: boolean; resetSecrets?: boolean } = {}): Promise<HealthReport> {
    const doRepair = opts.repair ?? deps.autorepair;
    const reports = assess(await listWebhooks(deps.woo), deps.publicUrl);
    const topics: HealthReport['topics'] = [];
    // `state` is what the check found; `repaired` says it was fixed, and `webhookId` is the id the webhook has now.
    for (const r of reports) {
      const reset = r.state === 'ok' && opts.resetSecrets === true;
      const fix = (r.state !== 'ok' && doRepair) || reset ? await tryRepair(r) : { id: null };
      const outcome = reset
        ? { secretSet: fix.id !== null, repaired: false }
        : { repaired: fix.id !== null };
      topics.push({ ...r, webhookId: fix.id ?? r.webhookId, ...outcome, ...(fix.error ? { repairError: fix.error } : {}) });
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

  return { check, lastReport, setup: () => check({ repair: true, resetSecrets: true }) };
}

export type ShopWebhooksService = ReturnType<typeof createShopWebhooksService>;
