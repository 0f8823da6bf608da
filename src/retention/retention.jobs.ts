import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { type JobPayloads, JobName } from '../jobs.js';
import type { RetentionService } from './sweep.service.js';

/** The retention-sweep job: the daily scheduler creates a sweep and runs it; an operator's sweep just runs. */
export function createRetentionJobs(deps: { retention: RetentionService; log: Logger }) {
  return {
    async handleRetentionSweep(job: Job<JobPayloads[typeof JobName.RetentionSweep]>) {
      let sweepId = job.data.sweepId;
      if (!sweepId) {
        const { sweep } = await deps.retention.start({ trigger: 'schedule' });
        if (sweep.status === 'blocked') return { sweepId: sweep.id, status: 'blocked', reasons: sweep.blocked };
        sweepId = sweep.id;
        await job.updateData({ sweepId }); // a retry resumes this sweep instead of creating another
      }
      try {
        const done = await deps.retention.run(sweepId, (p) => job.updateProgress(p));
        return { sweepId, status: done.status, counts: done.counts };
      } catch (err) {
        const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError;
        if (last) await deps.retention.fail(sweepId, (err as Error).name || 'error');
        throw err;
      }
    },
  };
}
