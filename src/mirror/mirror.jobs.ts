import { type Job, UnrecoverableError } from 'bullmq';
import { createBatcher } from '../platform/batcher.js';
import type { JobPayloads } from '../jobs.js';
import type { ApplyResult, MirrorService } from './mirror.service.js';

/**
 * The mirror-delivery job carries only an inbox id. Jobs active at the same moment are applied together in
 * one transaction (a savepoint each). A poison payload fails for good with its reason; anything else retries.
 */
export function createMirrorJobs(mirror: MirrorService) {
  const batcher = createBatcher<number, ApplyResult>({
    maxSize: 250,
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
      if (r.ok) return { outcome: r.outcome, reason: r.reason };
      if (r.permanent) throw new UnrecoverableError(r.error.message);
      throw new Error(`delivery not applied (${(r.error as { code?: string }).code ?? r.error.name}); will retry`);
    },
    flushed: () => batcher.flushed(),
  };
}
