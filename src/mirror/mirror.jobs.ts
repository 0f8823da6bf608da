import { type Job, UnrecoverableError } from 'bullmq';
import { createBatcher } from '../platform/batcher.js';
import { JobName, jobId, type JobPayloads } from '../jobs.js';
import type { Queues } from '../platform/queues.js';
import type { ApplyResult, FollowUp, MirrorService } from './mirror.service.js';

/**
 * Mirror jobs carry inbox ids only. Deliveries active at the same moment — from any number of jobs — are applied
 * together in one transaction. A poison payload fails for good with its reason, in a mirror-delivery job of its own
 * (split out of its batch), so the failed set lists exactly the deliveries that cannot apply; the rest retries.
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

  async function apply(inboxId: number): Promise<ApplyResult> {
    try {
      return await batcher.add(inboxId);
    } catch (err) {
      // Driver messages can quote row values; the failed set must not hold personal data.
      throw new Error(`database unavailable or busy (${(err as { code?: string }).code ?? 'no code'}); will retry`);
    }
  }

  return {
    async handleMirrorDelivery(job: Job<JobPayloads['mirror-delivery']>) {
      const r = await apply(job.data.inboxId);
      // If enqueueing fails the job retries; the mirror returns the recorded outcome and enqueues again.
      if (r.ok && r.followUp) await enqueue(r.followUp, job.data.inboxId);
      if (r.ok && r.outcome === 'failed') throw new UnrecoverableError(r.reason ?? 'delivery failed');
      if (r.ok) return { outcome: r.outcome, reason: r.reason };
      if (r.permanent) throw new UnrecoverableError(r.error.message);
      throw new Error(`delivery not applied (${(r.error as { code?: string }).code ?? r.error.name}); will retry`);
    },

    async handleMirrorBatch(job: Job<JobPayloads['mirror-batch']>) {
      const ids = job.data.inboxIds;
      const results = await Promise.all(ids.map(apply));
      const counts: Record<string, number> = {};
      let retry = 0;
      for (const [i, r] of results.entries()) {
        const id = ids[i]!;
        if (r.ok && r.followUp) await enqueue(r.followUp, id);
        const failed = !r.ok ? r.permanent : r.outcome === 'failed';
        if (failed) {
          await queues.mirror.add(JobName.MirrorDelivery, { inboxId: id }, { jobId: jobId.mirrorDelivery(id) });
        } else if (!r.ok) retry++;
        const key = r.ok ? r.outcome : r.permanent ? 'failed' : 'retry';
        counts[key] = (counts[key] ?? 0) + 1;
      }
      // Applied deliveries keep their recorded outcome; a retry of this job re-applies only the others.
      if (retry) throw new Error(`${retry} of ${ids.length} deliveries not applied yet; will retry`);
      return counts;
    },
    flushed: () => batcher.flushed(),
  };
}
