import { existsSync } from 'node:fs';
import { loadConfigOrExit, prepareDatabase } from '../bootstrap.js';
import { createPool } from '../platform/db.js';
import { ledgerPath } from '../erasure/ledger.js';
import { replayLedger } from '../erasure/replay.service.js';

/**
 * `npm run erasure:replay`: run after restoring a database backup. Every erasure in DATA_DIR/erasure-ledger.jsonl
 * that the database does not know is done again, so nobody forgotten comes back. Safe to run any time, and twice.
 * Exit code 1 when the ledger has unreadable lines (the readable ones are still replayed).
 */
const { config, log } = loadConfigOrExit();
const file = ledgerPath(config.dataDir);
if (!existsSync(file)) {
  console.error(`woo-companion: no erasure ledger at ${file} (nothing was ever erased with this DATA_DIR); nothing to replay`);
  process.exit(0);
}
await prepareDatabase(config, log);
const pool = createPool(config.databaseUrl, { max: 2 });
try {
  const settings = { dataDir: config.dataDir, fiscal: { prefix: config.invoicePrefix, years: config.fiscalRetentionYears } };
  const r = await replayLedger({ pool, settings, log });
  process.stdout.write(
    `erasure replay: ${r.entries} ledger entries; ${r.alreadyPresent} already in the database; ${r.replayed} replayed ` +
      `(${r.personsErased} persons erased again); ${r.held} held by a legal hold; ${r.invalidLines.length} unreadable lines\n`,
  );
  for (const bad of r.invalidLines) process.stderr.write(`  line ${bad.line}: ${bad.error}\n`);
  process.exitCode = r.invalidLines.length ? 1 : 0;
} finally {
  await pool.end();
}
