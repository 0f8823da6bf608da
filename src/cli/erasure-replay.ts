import { existsSync } from 'node:fs';
import { startRuntimeOrExit } from '../bootstrap.js';
import { loadDotEnv } from '../config.js';
import { createPool } from '../platform/db.js';
import { ledgerPath } from '../erasure/ledger.js';
import { replayLedger } from '../erasure/replay.service.js';
import { createQueueBackend, createQueues } from '../platform/queues.js';

/**
 * `npm run erasure:replay`: run after restoring a database backup. Every erasure in DATA_DIR/erasure-ledger.jsonl
 * that the database does not know is done again, so nobody forgotten comes back. Safe to run any time, and twice.
 * Exit code 1 when the ledger has unreadable lines (the readable ones are still replayed). Afterwards the queues'
 * finished jobs are cleared (see clearFinishedJobs); `--keep-jobs` skips that.
 */
const keepJobs = process.argv.includes('--keep-jobs');
loadDotEnv();
const file = ledgerPath(process.env.DATA_DIR || './data');
if (!existsSync(file)) {
  console.error(`woo-companion: no erasure ledger at ${file} (nothing was ever erased with this DATA_DIR); nothing to replay`);
  process.exit(0);
}
const { config, log, embedded } = await startRuntimeOrExit('cli');
const pool = createPool(config.databaseUrl, { max: 2 });
try {
  const settings = { dataDir: config.dataDir, fiscal: { prefix: config.invoicePrefix, years: config.fiscalRetentionYears } };
  const r = await replayLedger({ pool, settings, log });
  process.stdout.write(
    `erasure replay: ${r.entries} ledger entries; ${r.alreadyPresent} already in the database; ${r.replayed} replayed ` +
      `(${r.personsErased} persons erased again); ${r.held} held by a legal hold; ${r.invalidLines.length} unreadable lines\n`,
  );
  for (const bad of r.invalidLines) process.stderr.write(`  line ${bad.line}: ${bad.error}\n`);
  if (!keepJobs) await clearFinishedJobs();
  process.exitCode = r.invalidLines.length ? 1 : 0;
} finally {
  await pool.end();
  await embedded?.stop();
}

/**
 * A restore rolls the inbox id sequence back, but the queues still hold finished jobs named after the old ids
 * (`inbox-<id>`): a new delivery reusing such an id would be taken for a duplicate job and wait for the relay's
 * orphan sweep. Finished jobs describe a history the restored database no longer has, so they go.
 */
async function clearFinishedJobs(): Promise<void> {
  const queues = createQueues(createQueueBackend({ redisUrl: config.redisUrl, databaseUrl: config.databaseUrl, prefix: config.queuePrefix }));
  try {
    await new Promise((r) => setTimeout(r, 300));
    if (!queues.isReady()) {
      process.stderr.write('warning: the job queue (Redis) is unreachable; clear finished jobs before starting the service (see README, Backups)\n');
      return;
    }
    let n = 0;
    for (const q of queues.all) for (const state of ['completed', 'failed'] as const) n += (await q.clean(0, 0, state)).length;
    process.stdout.write(`finished jobs cleared from the queues: ${n}\n`);
  } finally {
    await queues.close();
    await queues.backend.close();
  }
}
