import { type Job, UnrecoverableError } from 'bullmq';
import { JobName, QueueName } from '../src/jobs.js';

export type Handler = (job: Job) => Promise<unknown>;

/** Which queue each job runs on. */
export const jobQueue: Record<JobName, QueueName> = {
  [JobName.MirrorDelivery]: QueueName.Mirror,
  [JobName.MirrorBatch]: QueueName.Mirror,
  [JobName.PurgeInbox]: QueueName.Maintenance,
  [JobName.RefetchResource]: QueueName.Sync,
  [JobName.ReconcileOrders]: QueueName.Sync,
  [JobName.ReconcileCustomers]: QueueName.Sync,
  [JobName.Backfill]: QueueName.Sync,
  [JobName.CheckWebhooks]: QueueName.Sync,
  [JobName.RetentionSweep]: QueueName.Maintenance,
  [JobName.PushSnelstart]: QueueName.PushSnelstart,
  [JobName.PushPostnl]: QueueName.PushPostnl,
  [JobName.PushReviews]: QueueName.PushReviews,
  [JobName.RelayPushes]: QueueName.Maintenance,
  [JobName.PurgeLabels]: QueueName.Maintenance,
  [JobName.SendMail]: QueueName.Mail,
  [JobName.PurgePrivacyData]: QueueName.Maintenance,
  // Alerts on the mail queue: a long sweep on the maintenance queue must not hold up the alert about it.
  [JobName.CheckAlerts]: QueueName.Mail,
  [JobName.AlertDigest]: QueueName.Mail,
};

/** JobName → handler. Boot fails if a job has no handler, so a job can never sit in a queue nobody works. */
export function createRegistry(handlers: Partial<Record<JobName, Handler>>) {
  const missing = Object.values(JobName).filter((n) => !handlers[n]);
  if (missing.length) throw new Error(`no handler registered for job(s): ${missing.join(', ')}`);
  return {
    /** The processor for one queue: dispatches on job.name; an unknown name fails the job for good. */
    processorFor(queue: QueueName) {
      return async (job: Job) => {
        const handler = handlers[job.name as JobName];
        if (!handler || jobQueue[job.name as JobName] !== queue) {
          throw new UnrecoverableError(`unknown job ${job.name} on queue ${queue}`);
        }
        return handler(job);
      };
    },
  };
}
