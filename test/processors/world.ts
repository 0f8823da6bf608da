import type { Config } from '../../src/config.js';
import { parseProcessorsEnv } from '../../src/processors/processors.config.js';
import { createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { type FakeSnelstart, startFakeSnelstart } from '../fakes/snelstart.js';
import { type FakePostnl, startFakePostnl } from '../fakes/postnl.js';
import { type FakeOwnReviews, startFakeOwnReviews } from '../fakes/reviews-own.js';
import { type FakeKiyoh, startFakeKiyoh } from '../fakes/kiyoh.js';
import type { Clock } from '../../src/platform/clock.js';

/**
 * The real app and workers with all three processors configured — through the same environment variables an
 * operator sets — against local fakes of Snelstart, PostNL and the review site (own or Kiyoh).
 */

export const LEDGERS = { high: '0d1f1a2b-0000-4000-8000-000000000021', low: '0d1f1a2b-0000-4000-8000-000000000009', zero: '0d1f1a2b-0000-4000-8000-000000000000' };

export interface World {
  ctx: TestContext;
  snelstart: FakeSnelstart;
  postnl: FakePostnl;
  own: FakeOwnReviews;
  kiyoh: FakeKiyoh;
  /** Sends a signed order webhook through the real intake. */
  deliver(body: unknown, topic?: string): Promise<void>;
  /** Waits until the order's sync records are all settled (not pending), or the timeout. */
  settled(wcOrderId: number, timeoutMs?: number): Promise<SyncView[]>;
  sync(wcOrderId: number): Promise<SyncView[]>;
  close(): Promise<void>;
}

export interface SyncView { processor: string; kind: string; ref: string | null; status: string; reason: string | null; externalId: string | null; attempts: number; lastError: string | null }

export async function startWorld(o: { reviews?: 'own' | 'kiyoh'; env?: Record<string, string>; config?: Partial<Config>; clock?: Clock } = {}): Promise<World> {
  const [snelstart, postnl, own, kiyoh] = await Promise.all([startFakeSnelstart(), startFakePostnl(), startFakeOwnReviews(), startFakeKiyoh()]);
  const env: Record<string, string> = {
    PROCESSORS_START_AT: '2020-01-01T00:00:00Z',
    REVIEW_INVITE_DELAY_DAYS: '0',
    PROCESSOR_TIMEOUT_MS: '1500',
    SNELSTART_API_URL: snelstart.url, SNELSTART_AUTH_URL: `${snelstart.url}/b2b/token`,
    SNELSTART_CLIENT_KEY: snelstart.state.clientKey, SNELSTART_SUBSCRIPTION_KEY: snelstart.state.subscriptionKey,
    SNELSTART_RELATION_ID: snelstart.collectiveRelationId,
    SNELSTART_LEDGER_HIGH: LEDGERS.high, SNELSTART_LEDGER_LOW: LEDGERS.low, SNELSTART_LEDGER_ZERO: LEDGERS.zero,
    POSTNL_API_URL: postnl.url, POSTNL_API_KEY: postnl.apiKey, POSTNL_CUSTOMER_CODE: postnl.customerCode,
    POSTNL_CUSTOMER_NUMBER: postnl.customerNumber, POSTNL_SENDER_NAME: 'Webwinkel BV', POSTNL_SENDER_STREET: 'Siriusdreef',
    POSTNL_SENDER_HOUSE_NR: '42', POSTNL_SENDER_POSTCODE: '2132WT', POSTNL_SENDER_CITY: 'Hoofddorp',
    REVIEWS_PROVIDER: o.reviews ?? 'own', REVIEWS_API_URL: own.url, REVIEWS_API_KEY: own.apiKey,
    KIYOH_BASE_URL: kiyoh.url, KIYOH_API_TOKEN: kiyoh.token, KIYOH_LOCATION_ID: kiyoh.locationId,
    ...o.env,
  };
  const parsed = parseProcessorsEnv(env);
  if (parsed.problems.length) throw new Error(parsed.problems.join('; '));
  const ctx = await createTestContext({ processors: parsed.config, ...o.config }, { clock: o.clock });
  await ctx.startWorkers();
  const sync = async (wcOrderId: number): Promise<SyncView[]> =>
    (await ctx.pool.query(
      `SELECT s.processor, s.kind, NULLIF(s.ref, '') AS ref, s.status, s.reason, s.external_id AS "externalId", s.attempts, s.last_error AS "lastError"
       FROM processor_syncs s JOIN orders o ON o.id = s.order_id WHERE o.wc_order_id = $1 ORDER BY s.id`, [wcOrderId])).rows;
  return {
    ctx, snelstart, postnl, own, kiyoh, sync,
    async deliver(body, topic = 'order.updated') {
      const res = await ctx.app.inject(aDelivery(body, { topic }));
      if (res.statusCode !== 200) throw new Error(`delivery answered ${res.statusCode}`);
    },
    async settled(wcOrderId, timeoutMs = 15_000) {
      await ctx.drained();
      const until = Date.now() + timeoutMs;
      for (;;) {
        const rows = await sync(wcOrderId);
        if (rows.length && rows.every((r) => r.status !== 'pending')) return rows;
        if (Date.now() > until) return rows;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await ctx.close();
      await Promise.all([snelstart.close(), postnl.close(), own.close(), kiyoh.close()]);
    },
  };
}
