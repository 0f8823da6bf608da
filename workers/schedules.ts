import type { Queues } from '../src/platform/queues.js';
import { JobName } from '../src/jobs.js';

/** Scheduled sweeps (BullMQ 6 job schedulers, UTC cron). upsert is idempotent: every start may call it. */
export async function upsertSchedules(queues: Queues, opts: { sync: boolean; reconcileEveryMs: number; retentionCron: string }): Promise<void> {
  await queues.maintenance.upsertJobScheduler(
    'purge-inbox-hourly',
    { pattern: '17 * * * *', tz: 'UTC' },
    { name: JobName.PurgeInbox, data: {}, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } } },
  );
  // P13: the retention sweep, daily at RETENTION_CRON in the shop's time zone. One attempt creates the sweep;
  // retries resume that same sweep (the job records its id), never start a second one.
  await queues.maintenance.upsertJobScheduler(
    'retention-sweep',
    { pattern: opts.retentionCron, tz: 'Europe/Amsterdam' },
    { name: JobName.RetentionSweep, data: {}, opts: { attempts: 5, backoff: { type: 'exponential', delay: 60_000 } } },
  );
  // The push outbox's safety net (the mirror kicks it after each batch), and the labels' own retention period.
  await queues.maintenance.upsertJobScheduler('relay-pushes', { every: 60_000 }, { name: JobName.RelayPushes, data: {}, opts: { attempts: 1 } });
  await queues.maintenance.upsertJobScheduler('purge-labels-daily', { pattern: '20 4 * * *', tz: 'Europe/Amsterdam' }, {
    name: JobName.PurgeLabels, data: {}, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } },
  });
  // The mail outbox's safety net (filing a request kicks it at once), and the daily purge of exports and sent mail.
  await queues.mail.upsertJobScheduler('send-mail', { every: 30_000 }, { name: JobName.SendMail, data: {}, opts: { attempts: 1 } });
  await queues.maintenance.upsertJobScheduler('purge-privacy-data-daily', { pattern: '40 4 * * *', tz: 'Europe/Amsterdam' }, {
    name: JobName.PurgePrivacyData, data: {}, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } },
  });
  // Alerts to a human: conditions checked every minute (each mailed once until it clears), a digest each morning.
  await queues.mail.upsertJobScheduler('check-alerts', { every: 60_000 }, { name: JobName.CheckAlerts, data: {}, opts: { attempts: 1 } });
  await queues.mail.upsertJobScheduler('alert-digest-daily', { pattern: '0 8 * * *', tz: 'Europe/Amsterdam' }, {
    name: JobName.AlertDigest, data: {}, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } },
  });
  if (!opts.sync) {
    // Webhooks-only mode: no REST API to reconcile against.
    await Promise.all(['reconcile-orders', 'reconcile-customers-daily', 'check-webhooks'].map((id) => queues.sync.removeJobScheduler(id)));
    return;
  }
  const retry = { attempts: 3, backoff: { type: 'exponential' as const, delay: 30_000 } };
  await queues.sync.upsertJobScheduler('reconcile-orders', { every: opts.reconcileEveryMs }, { name: JobName.ReconcileOrders, data: {}, opts: retry });
  // Customers have no modified_after filter: a daily full pass.
  await queues.sync.upsertJobScheduler('reconcile-customers-daily', { pattern: '40 3 * * *', tz: 'UTC' }, { name: JobName.ReconcileCustomers, data: {}, opts: retry });
  await queues.sync.upsertJobScheduler('check-webhooks', { pattern: '*/15 * * * *', tz: 'UTC' }, { name: JobName.CheckWebhooks, data: {}, opts: retry });
}
