import { Worker } from 'bullmq';
import type { Deps } from '../src/deps.js';
import { QueueName, JobName } from '../src/jobs.js';
import { createWorkerConnection } from '../src/platform/queues.js';
import { safeError } from '../src/platform/logger.js';
import { createMirrorJobs } from '../src/mirror/mirror.jobs.js';
import { createInboxPurgeJobs } from '../src/intake/inbox-purge.jobs.js';
import { createRegistry } from './registry.js';
import { upsertSchedules } from './schedules.js';

/** Starts every worker and the schedulers in this process; used by `npm start` and `npm run start:worker`. */
export async function startWorkers(deps: Deps, opts: { schedules?: boolean } = {}) {
  const { config, log } = deps;
  const mirrorJobs = createMirrorJobs(deps.mirror);
  const purgeJobs = createInboxPurgeJobs({ pool: deps.pool, log, metrics: deps.metrics, retentionDays: config.rawPayloadRetentionDays });
  const registry = createRegistry({
    [JobName.MirrorDelivery]: (job) => mirrorJobs.handleMirrorDelivery(job),
    [JobName.PurgeInbox]: () => purgeJobs.handlePurgeInbox(),
  });

  const connection = createWorkerConnection(config.redisUrl);
  const concurrency: Record<QueueName, number> = { [QueueName.Mirror]: config.mirrorConcurrency, [QueueName.Maintenance]: 1 };
  const workers = Object.values(QueueName).map((queue) => {
    const w = new Worker(queue, registry.processorFor(queue), {
      connection, prefix: config.queuePrefix, concurrency: concurrency[queue], autorun: true,
    });
    const jobLog = log.child({ queue });
    w.on('failed', (job, err) => jobLog.warn({ jobId: job?.id, job: job?.name, attemptsMade: job?.attemptsMade, err: safeError(err) }, 'job failed'));
    w.on('error', (err) => jobLog.error({ err: safeError(err) }, 'worker error'));
    return w;
  });
  if (opts.schedules !== false) await upsertSchedules(deps.queues).catch((err) => log.warn({ err: safeError(err) }, 'could not upsert schedules yet'));
  log.info({ queues: Object.values(QueueName), prefix: config.queuePrefix }, 'workers started');

  return {
    workers,
    /** Lets active jobs finish; after the timeout, hands them back (they become stalled and are retried). */
    async close(timeoutMs = config.shutdownTimeoutMs) {
      const graceful = Promise.all(workers.map((w) => w.close()));
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
      if ((await Promise.race([graceful, timer])) === 'timeout') await Promise.all(workers.map((w) => w.close(true)));
      await mirrorJobs.flushed();
      connection.disconnect();
    },
  };
}
