import { type Job, UnrecoverableError } from 'bullmq';
import { createBatcher } from '../platform/batcher.js';
import { JobName, jobId, type JobPayloads } from '../jobs.js';
import type { Queues } from '../platform/queues.js';
import type { ApplyResult, FollowUp, MirrorService } from './mirror.service.js';

/**
 * The mirror-delivery job carries only an inbox id. Jobs active at the same moment are applied together in
 * one transaction (a savepoint each). A poison payload fails for good with its reason; anything else retries.
 */
export function createMirrorJobs(mirror: MirrorService, queues: Queues) {
  /** Ids only in the job; a reconcile asked for many times at once runs once (deduplication). */
  async function enqueue(f: FollowUp, inboxId: number): Promise<void> {
    if (f.kind === 'refetch') {
      await queues.sync.add(JobName.RefetchResource, { resource: f.resource, wcId: f.wcId }, { jobId: jobId.refetch(f.resource, f.wcId, inboxId) });
    } else {
      const name = f.resource === 'order' ? JobName.ReconcileOrders : JobName.ReconcileCustomers;
      await queues.sync.add(name, {}, { deduplication: { id: `${name}-on-demand` } });
    }
  }

  const batcher = createBatcher<number, ApplyResult>({
    maxSize: 500,
    concurrency: 1,
    run: async (ids) => {
      const results = await mirror.applyDeliveries(ids);
      return ids.map((id) => results.get(id)!);
    },
  });

  return {
    async handleMirrorDelivery(job: Job<JobPayloads['mirror-delivery']>) {
      let r: ApplyResult;
      try {
        r = await batcher.add(job.data.inboxId);
      } catch (err) {
        // Driver messages can quote row values; the failed set must not hold personal data.
        throw new Error(`database unavailable or busy (${(err as { code?: string }).code ?? 'no code'}); will retry`);
      }
      // If enqueueing fails the job retries; the mirror returns the recorded outcome and enqueues again.
      if (r.ok && r.followUp) await enqueue(r.followUp, job.data.inboxId);
      if (r.ok) return { outcome: r.outcome, reason: r.reason };
      if (r.permanent) throw new UnrecoverableError(r.error.message);
      throw new Error(`delivery not applied (${(r.error as { code?: string }).code ?? r.error.name}); will retry`);
    },
    flushed: () => batcher.flushed(),
  };
}
