import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import type { Pool } from '../platform/db.js';
import type { PushService } from './push.service.js';

/* $1 days — a label prints name and address: kept LABEL_RETENTION_DAYS for reprints and claims, then the PDF goes */
const PURGE_LABELS = /* sql */ `
  UPDATE shipment_labels SET label_pdf = NULL WHERE label_pdf IS NOT NULL AND created_at < now() - make_interval(days => $1)`;

/** Push jobs carry a sync record id, never the order's data: the push reads the order as it is when it runs. */
export function createPushJobs(deps: { push: PushService; pool: Pool; log: Logger; labelRetentionDays: number }) {
  return {
    async handlePush(job: Job<{ syncId: number }>) {
      const syncId = Number(job.data?.syncId);
      if (!Number.isInteger(syncId) || syncId <= 0) throw new UnrecoverableError('push job without a sync id');
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const outcome = await deps.push.run(syncId, last);
      return { syncId, status: outcome.status };
    },
    async handlePurgeLabels() {
      const purged = (await deps.pool.query(PURGE_LABELS, [deps.labelRetentionDays])).rowCount ?? 0;
      deps.log.info({ purged, retentionDays: deps.labelRetentionDays }, 'shipment label PDFs purged');
      return { purged };
    },
  };
}
