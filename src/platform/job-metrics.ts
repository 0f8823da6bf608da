import type { Job, Worker } from 'bullmq';
import { JobName } from '../jobs.js';
import type { Metrics } from './metrics.js';

/**
 * Job durations per queue (issue 7 "metrics"): observed from each worker's `completed` and `failed` events, in the
 * process that ran the job. Labels are the queue name and our job name, both fixed enums: job data (ids) and
 * error messages never become labels.
 */

const KNOWN_JOBS = new Set<string>(Object.values(JobName));

/** Seconds from the job being picked up to it finishing; null when BullMQ did not record a start. */
export function jobSeconds(job: Pick<Job, 'processedOn' | 'finishedOn'>, now = Date.now()): number | null {
  if (!job.processedOn) return null;
  return Math.max(0, ((job.finishedOn ?? now) - job.processedOn) / 1000);
}

/** Starts observing; call once with the workers startWorkers() created. */
export function observeWorkers(workers: Pick<Worker, 'name' | 'on'>[], metrics: Pick<Metrics, 'jobDuration'>): void {
  for (const w of workers) {
    const observe = (job: Job | undefined, outcome: 'completed' | 'failed') => {
      const seconds = job ? jobSeconds(job) : null;
      if (seconds === null || !job) return;
      // A job name we do not know (an old deployment's, a typo) is counted, but under one label value.
      const name = KNOWN_JOBS.has(job.name) ? job.name : 'other';
      metrics.jobDuration.observe({ queue: w.name, job: name, outcome }, seconds);
    };
    w.on('completed', (job) => observe(job, 'completed'));
    w.on('failed', (job) => observe(job, 'failed'));
  }
}
