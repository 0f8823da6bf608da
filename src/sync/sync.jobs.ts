import { type Job, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { type Pool, withTryLock } from '../platform/db.js';
import type { JobPayloads } from '../jobs.js';
import type { WooClient } from '../woo/woo-client.js';
import { WooError } from '../woo/woo-client.js';
import { fetchOne } from '../woo/woo-pages.js';
import { markOrderDeletedInShop } from '../mirror/order.repository.js';
import { markAccountDeleted } from '../mirror/person.repository.js';
import type { ReconcileService } from '../reconcile/reconcile.service.js';
import type { BackfillService } from '../backfill/backfill.service.js';
import type { ShopWebhooksService } from '../shop-webhooks/webhooks.service.js';
import { ingestResources } from './rest-intake.js';

export interface SyncServices {
  woo: WooClient;
  reconcile: ReconcileService;
  backfill: BackfillService;
  webhooks: ShopWebhooksService;
}

/** A 4xx from the shop (bad credentials, no permission) will not heal by retrying; say so once. */
async function permanentOn4xx<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof WooError && !err.retryable) throw new UnrecoverableError(err.message);
    throw err;
  }
}

/** Handlers of the sync queue: everything that talks to the shop's REST API. */
export function createSyncJobs(deps: { pool: Pool; log: Logger; services: SyncServices | null; onIngested: () => void }) {
  const need = (): SyncServices => {
    if (!deps.services) throw new UnrecoverableError('the shop REST API is not configured (set WC_URL, WC_CONSUMER_KEY, WC_CONSUMER_SECRET)');
    return deps.services;
  };
  /** Advisory locks are database-wide: scope them to this instance's schema, or instances sharing a database block each other. */
  const lock = async <T>(name: string, fn: () => Promise<T>): Promise<T | null> => {
    const { rows } = await deps.pool.query<{ schema: string }>('SELECT current_schema() AS schema');
    return withTryLock(deps.pool, `${rows[0]!.schema}:${name}`, fn);
  };

  return {
    /** id-only (trash/delete) bodies: fetch the full resource into the pipeline; 404 = deleted permanently. */
    async handleRefetchResource(job: Job<JobPayloads['refetch-resource']>) {
      const { resource, wcId } = job.data;
      const s = need();
      const found = await permanentOn4xx(() => fetchOne(s.woo, resource === 'order' ? 'orders' : 'customers', wcId));
      if (!found) {
        const marked = resource === 'order' ? await markOrderDeletedInShop(deps.pool, wcId) : await markAccountDeleted(deps.pool, wcId);
        return { outcome: 'deleted-in-shop', marked };
      }
      const fresh = await ingestResources(deps.pool, resource, [found], 'refetch');
      deps.onIngested();
      return { outcome: 'refetched', fresh };
    },

    async handleReconcileOrders(job: Job) {
      const s = need();
      const r = await lock('reconcile-orders', () => permanentOn4xx(() => s.reconcile.reconcileOrders((p) => job.updateProgress(p))));
      return r ? { fetched: r.lastRunFetched, missed: r.lastRunMissed, watermark: r.watermark } : { skipped: 'another reconciliation is running' };
    },

    async handleReconcileCustomers(job: Job) {
      const s = need();
      const r = await lock('reconcile-customers', () => permanentOn4xx(() => s.reconcile.reconcileCustomers((p) => job.updateProgress(p))));
      return r ? { fetched: r.lastRunFetched, missed: r.lastRunMissed } : { skipped: 'another reconciliation is running' };
    },

    async handleBackfill(job: Job<JobPayloads['backfill']>) {
      // Only the first attempt may restart; a retry — or the same attempt run again after its worker died, which BullMQ
      // does not count — resumes from the saved cursor (the run remembers which job began it).
      const restart = job.data.restart === true && job.attemptsMade === 0;
      const s = need();
      // Job ids are a per-queue counter that starts again on a fresh Redis or another QUEUE_PREFIX; with the job's
      // creation time the run's id stays this job's alone.
      const runId = `${job.id}@${job.timestamp}`;
      const r = await lock('backfill', () => permanentOn4xx(() => s.backfill.run({ restart, runId, onProgress: (p) => job.updateProgress({ ...p }) })));
      return r ? { processed: r.processed, totals: r.totals } : { skipped: 'a backfill is already running' };
    },

    async handleCheckWebhooks(job: Job<JobPayloads['check-webhooks']>) {
      const r = await permanentOn4xx(() => need().webhooks.check({ repair: job.data.repair }));
      return { healthy: r.healthy, problems: r.topics.filter((t) => t.state !== 'ok').length };
    },
  };
}
