import type { Queues } from '../src/platform/queues.js';
import { JobName } from '../src/jobs.js';

/** Scheduled sweeps (BullMQ 6 job schedulers, UTC cron). upsert is idempotent: every start may call it. */
export async function upsertSchedules(queues: Queues): Promise<void> {
  await queues.maintenance.upsertJobScheduler(
    'purge-inbox-hourly',
    { pattern: '17 * * * *', tz: 'UTC' },
    { name: JobName.PurgeInbox, data: {}, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } } },
  );
}
