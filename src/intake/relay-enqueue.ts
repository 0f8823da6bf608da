import type { Queues } from '../platform/queues.js';
import { JobName, MIRROR_BATCH_SIZE, jobId } from '../jobs.js';

/** The queue did not take the jobs (not connected, an error, or no answer in time): an outage, not a Postgres fault. */
export class QueueUnavailable extends Error {}

const ENQUEUE_TIMEOUT_MS = 5000;

/**
 * Adds mirror jobs for inbox ids, up to MIRROR_BATCH_SIZE ids per job. `pass` is empty on the first relay; a re-relay
 * uses a suffix of its own, because the first job may still be kept in the failed set (14 days) under the plain id,
 * and BullMQ ignores an add whose id exists.
 */
export async function enqueueMirror(queues: Queues, ids: number[], pass = ''): Promise<void> {
  if (!queues.isReady()) throw new QueueUnavailable('queue connection not ready');
  const groups: number[][] = [];
  for (let i = 0; i < ids.length; i += MIRROR_BATCH_SIZE) groups.push(ids.slice(i, i + MIRROR_BATCH_SIZE));
  const add = queues.mirror.addBulk(
    groups.map((g) =>
      g.length === 1
        ? { name: JobName.MirrorDelivery, data: { inboxId: g[0]! }, opts: { jobId: jobId.mirrorDelivery(g[0]!, pass) } }
        : { name: JobName.MirrorBatch, data: { inboxIds: g }, opts: { jobId: jobId.mirrorBatch(g, pass) } },
    ),
  );
  // Never hold a claiming transaction open on a hung Redis call. If the add lands after the timeout, the rows are
  // relayed again later, possibly grouped into other jobs: a second job finds their recorded outcome.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailable('queue add timed out')), ENQUEUE_TIMEOUT_MS);
  });
  add.catch(() => undefined);
  try {
    await Promise.race([add.catch((err: unknown) => {
      throw new QueueUnavailable(err instanceof Error ? err.message : String(err));
    }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
