import type { Logger } from 'pino';
import type { Pool } from '../platform/db.js';
import type { Metrics } from '../platform/metrics.js';
import { purgeProcessed } from './inbox.repository.js';
import { purgeEarlyDeletes } from '../mirror/early-deletes.repository.js';

/** P1: scheduled hourly; raw webhook bodies are deleted RAW_PAYLOAD_RETENTION_DAYS after processing. */
export function createInboxPurgeJobs(deps: { pool: Pool; log: Logger; metrics: Metrics; retentionDays: number }) {
  return {
    async handlePurgeInbox() {
      deps.log.info({ queue: 'maintenance', retentionDays: deps.retentionDays }, 'inbox purge started');
      const purged = await purgeProcessed(deps.pool, deps.retentionDays);
      deps.metrics.inboxPurged.inc(purged);
      const earlyDeletes = await purgeEarlyDeletes(deps.pool, deps.retentionDays);
      deps.log.info({ queue: 'maintenance', purged, earlyDeletes }, 'inbox purge finished');
      return { purged, earlyDeletes };
    },
  };
}
