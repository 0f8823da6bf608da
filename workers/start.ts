import type { Deps } from '../src/deps.js';
import { QueueName, JobName } from '../src/jobs.js';
import { safeError } from '../src/platform/logger.js';
import { createMirrorJobs } from '../src/mirror/mirror.jobs.js';
import { createInboxPurgeJobs } from '../src/intake/inbox-purge.jobs.js';
import { createSyncJobs } from '../src/sync/sync.jobs.js';
import { createRetentionJobs } from '../src/retention/retention.jobs.js';
import { createPushJobs } from '../src/processors/push.jobs.js';
import { createMailJobs } from '../src/mail/mail.jobs.js';
import { createAlertJobs } from '../src/alerts/alerts.jobs.js';
import { observeWorkers } from '../src/platform/job-metrics.js';
import { pushBackoff } from '../src/processors/push.service.js';
import { createRegistry } from './registry.js';
import { upsertSchedules } from './schedules.js';

/** Starts every worker and the schedulers in this process; used by `npm start` and `npm run start:worker`. */
export async function startWorkers(deps: Deps, opts: { schedules?: boolean } = {}) {
  const { config, log } = deps;
  const mirrorJobs = createMirrorJobs(deps.mirror, deps.queues);
  const syncJobs = createSyncJobs({ pool: deps.pool, log, services: deps.sync, onIngested: deps.onIngested });
  const purgeJobs = createInboxPurgeJobs({ pool: deps.pool, log, metrics: deps.metrics, retentionDays: config.rawPayloadRetentionDays });
  const retentionJobs = createRetentionJobs({ retention: deps.retention, log });
  const alertJobs = createAlertJobs({ alerts: deps.alerts });
  const mailJobs = createMailJobs({ pool: deps.pool, log, clock: deps.clock, config: config.dsr });
  const pushJobs = createPushJobs({ push: deps.processors.push, pool: deps.pool, log, labelRetentionDays: config.processors.labelRetentionDays });
  const registry = createRegistry({
    [JobName.MirrorDelivery]: (job) => mirrorJobs.handleMirrorDelivery(job),
    [JobName.MirrorBatch]: (job) => mirrorJobs.handleMirrorBatch(job),
    [JobName.PurgeInbox]: () => purgeJobs.handlePurgeInbox(),
    [JobName.RefetchResource]: (job) => syncJobs.handleRefetchResource(job),
    [JobName.ReconcileOrders]: (job) => syncJobs.handleReconcileOrders(job),
    [JobName.ReconcileCustomers]: (job) => syncJobs.handleReconcileCustomers(job),
    [JobName.Backfill]: (job) => syncJobs.handleBackfill(job),
    [JobName.CheckWebhooks]: (job) => syncJobs.handleCheckWebhooks(job),
    [JobName.RetentionSweep]: (job) => retentionJobs.handleRetentionSweep(job),
    [JobName.PushSnelstart]: (job) => pushJobs.handlePush(job),
    [JobName.PushPostnl]: (job) => pushJobs.handlePush(job),
    [JobName.PushReviews]: (job) => pushJobs.handlePush(job),
    [JobName.RelayPushes]: () => deps.processors.relay.pass(),
    [JobName.PurgeLabels]: () => pushJobs.handlePurgeLabels(),
    [JobName.SendMail]: () => mailJobs.handleSendMail(),
    [JobName.PurgePrivacyData]: () => mailJobs.handlePurge(),
    [JobName.CheckAlerts]: () => alertJobs.handleCheckAlerts(),
    [JobName.AlertDigest]: () => alertJobs.handleAlertDigest(),
  });

  const pc = config.processors;
  const concurrency: Record<QueueName, number> = {
    [QueueName.Mirror]: config.mirrorConcurrency,
    [QueueName.Maintenance]: 1,
    // A few at once: re-fetches are small, and one long backfill must not hold up reconciliation.
    [QueueName.Sync]: 3,
    [QueueName.PushSnelstart]: 2,
    [QueueName.PushPostnl]: 2,
    [QueueName.PushReviews]: 2,
    [QueueName.Mail]: 1,
  };
  // Each processor's queue has its own rate limit (requests per minute, from the environment).
  const limiter: Partial<Record<QueueName, { max: number; duration: number }>> = {
    [QueueName.PushSnelstart]: { max: pc.snelstart?.perMinute ?? 60, duration: 60_000 },
    [QueueName.PushPostnl]: { max: pc.postnl?.perMinute ?? 60, duration: 60_000 },
    [QueueName.PushReviews]: { max: pc.reviews?.perMinute ?? 60, duration: 60_000 },
  };
  deps.processors.describe();
  const workers = Object.values(QueueName).map((queue) => {
    const w = deps.queues.backend.worker(queue, registry.processorFor(queue), {
      concurrency: concurrency[queue], autorun: true,
      limiter: limiter[queue], settings: { backoffStrategy: pushBackoff },
    });
    const jobLog = log.child({ queue });
    w.on('failed', (job, err) => jobLog.warn({ jobId: job?.id, job: job?.name, attemptsMade: job?.attemptsMade, err: safeError(err) }, 'job failed'));
    w.on('error', (err) => jobLog.error({ err: safeError(err) }, 'worker error'));
    return w;
  });
  observeWorkers(workers, deps.metrics);
  // Schedules need Redis; if it is down at start-up, keep retrying in the background rather than block the API.
  // They are upserted again every 10 minutes (idempotent): a Redis that comes back without its data has lost them.
  let scheduleTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const later = (ms: number) => {
    if (!closed) scheduleTimer = setTimeout(trySchedules, ms).unref();
  };
  const trySchedules = (): void => {
    if (closed) return;
    if (!deps.queues.isReady()) {
      later(2000);
      return;
    }
    upsertSchedules(deps.queues, { sync: deps.sync !== null, reconcileEveryMs: config.reconcileEveryMs, retentionCron: config.retention.cron })
      .then(() => later(10 * 60_000))
      .catch((err) => {
        log.warn({ err: safeError(err) }, 'could not upsert schedules yet; retrying');
        later(10_000);
      });
  };
  if (opts.schedules !== false) trySchedules();
  log.info({ queues: Object.values(QueueName), prefix: config.queuePrefix }, 'workers started');

  return {
    workers,
    /**
     * Stops taking jobs and lets active ones finish; after the timeout, hands them back: the connection is cut, so
     * their locks lapse and BullMQ's stalled check gives them to a worker again (a rerun finds the recorded outcome).
     */
    async close(timeoutMs = config.shutdownTimeoutMs) {
      closed = true;
      clearTimeout(scheduleTimer);
      const graceful = Promise.all(workers.map((w) => w.close())).then(() => mirrorJobs.flushed());
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), timeoutMs).unref(); });
      const outcome = await Promise.race([graceful, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        // Worker.close(true) cannot cut short a close() already waiting: BullMQ returns the pending close instead.
        graceful.catch(() => undefined);
        log.warn({ timeoutMs, queues: Object.values(QueueName) }, 'jobs still active at shutdown; handing them back');
      }
      if (outcome === 'timeout') deps.queues.backend.cutWorkers();
      mailJobs.close();
    },
  };
}
