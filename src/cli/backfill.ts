import { UnrecoverableError, type Job } from 'bullmq';
import { startRuntimeOrExit } from '../bootstrap.js';
import { createDeps } from '../deps.js';
import { JobName, QueueName } from '../jobs.js';
import { createSyncJobs } from '../sync/sync.jobs.js';
import { type Progress, renderBar } from '../backfill/progress.js';

/**
 * `npm run backfill [-- --restart]`: queues the backfill job (the same one POST /api/backfill queues), works it
 * in this process too, and draws its progress. Interrupt it and run it again: it resumes from the saved page.
 */
const restart = process.argv.includes('--restart');
const { config, log, embedded } = await startRuntimeOrExit('cli');
if (!config.woo) {
  console.error('woo-companion: backfill needs the shop REST API: set WC_URL, WC_CONSUMER_KEY and WC_CONSUMER_SECRET');
  await embedded?.stop();
  process.exit(1);
}
const deps = createDeps(config, log);
deps.relay.start();
const syncJobs = createSyncJobs({ pool: deps.pool, log, services: deps.sync, onIngested: deps.onIngested });
// This worker shares the sync queue with the service's workers: whatever sync job it takes, it must work it (a
// rejected job would burn one of its attempts), so it handles every sync job the same way the service does.
const handlers: Record<string, (job: Job) => Promise<unknown>> = {
  [JobName.Backfill]: (job) => syncJobs.handleBackfill(job),
  [JobName.RefetchResource]: (job) => syncJobs.handleRefetchResource(job),
  [JobName.ReconcileOrders]: (job) => syncJobs.handleReconcileOrders(job),
  [JobName.ReconcileCustomers]: (job) => syncJobs.handleReconcileCustomers(job),
  [JobName.CheckWebhooks]: (job) => syncJobs.handleCheckWebhooks(job),
};
const worker = deps.queues.backend.worker(
  QueueName.Sync,
  async (job: Job) => {
    const handle = handlers[job.name];
    if (!handle) throw new UnrecoverableError(`unknown job ${job.name} on queue ${QueueName.Sync}`);
    return handle(job);
  },
  { concurrency: 1, autorun: false },
);
worker.on('error', () => undefined);

const job = await deps.queues.sync.add(JobName.Backfill, { restart }, { deduplication: { id: 'backfill' }, attempts: 5 });
void worker.run();
const events = deps.queues.backend.events(QueueName.Sync);
const tty = process.stderr.isTTY;
let last = '';
const draw = (p: Progress) => {
  const line = renderBar(p);
  if (line === last) return;
  last = line;
  process.stderr.write(tty ? `\r${line}` : `${line}\n`);
};
const timer = setInterval(async () => {
  const current = await deps.queues.sync.getJob(job.id!);
  const p = current?.progress as Progress | undefined;
  if (p && typeof p === 'object' && 'phase' in p) draw(p);
}, 500);

let code = 0;
try {
  const result = await job.waitUntilFinished(events);
  // The job's last progress carries the run's rate; fall back to the saved state.
  const final = (await deps.queues.sync.getJob(job.id!))?.progress as Progress | undefined;
  const state = await deps.sync!.backfill.state();
  if (final && typeof final === 'object' && final.phase === 'done') draw(final);
  else if (state) draw({ phase: 'done', processed: state.processed, total: state.processed, percent: 100, ratePerSecond: 0, etaSeconds: 0 });
  process.stderr.write(`\nbackfill finished: ${JSON.stringify(result)}; the mirror worker applies the deliveries from the inbox.\n`);
} catch (err) {
  code = 1;
  process.stderr.write(`\nbackfill failed: ${(err as Error).message}\nrun it again to resume from the last saved page\n`);
} finally {
  clearInterval(timer);
  await worker.close();
  await events.close();
  await deps.relay.kick();
  await deps.close();
  await embedded?.stop();
}
process.exit(code);
