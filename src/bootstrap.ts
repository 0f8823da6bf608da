import type { Logger } from 'pino';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, ConfigError, loadDotEnv, parseEnv, type ParsedEnv } from './config.js';
import { createLogger } from './platform/logger.js';
import { resolveSecrets } from './platform/secrets.js';
import { startupWarnings } from './platform/startup-warnings.js';
import { createPool, ensureDatabase, withTransaction } from './platform/db.js';
import { migrate } from './platform/migrate.js';
import { assertPseudonymKey } from './platform/key-check.js';
import { subjectKeyer } from './erasure/subject-key.js';
import { fillMissingSubjectKeys } from './erasure/erasure.repository.js';
import { writeLedger } from './erasure/ledger.js';
import { adoptOpenObjections } from './dsr/open-objections.repository.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './platform/embedded-postgres.js';
import { migrateQueueSchema } from './platform/queues.js';

/** What a process runs: the all-in-one service, one half of the split deployment, migrations only, or a CLI. */
export type Role = 'all' | 'api' | 'worker' | 'migrate' | 'cli';

export interface Runtime {
  config: Config;
  log: Logger;
  /** The embedded Postgres this process started or attached to (DATABASE_URL unset); stop it last. */
  embedded: EmbeddedPostgres | null;
}

/** Config from env (+ .env), secrets resolved; exits non-zero naming the bad variable. */
function loadConfigOrExit(env: NodeJS.ProcessEnv): { config: Omit<Config, 'databaseUrl'> & Pick<ParsedEnv, 'databaseUrl'>; log: Logger } {
  try {
    loadDotEnv();
    const { rawSecrets, ...rest } = parseEnv(env);
    const { secrets, generated } = resolveSecrets(rawSecrets, rest.dataDir, { production: rest.nodeEnv === 'production' });
    const config = { ...rest, secrets };
    const log = createLogger(config.logLevel);
    if (generated.length) {
      // Printed once, on the terminal only (never through the logger): the operator needs them to set up WooCommerce.
      const names = { webhookSecret: 'WC_WEBHOOK_SECRET', adminToken: 'ADMIN_TOKEN', pseudonymKey: 'PSEUDONYM_KEY', fiscalToken: 'FISCAL_TOKEN', metricsToken: 'METRICS_TOKEN' } as const;
      process.stderr.write(`\nGenerated secrets, stored in ${config.dataDir}/secrets.json (mode 0600):\n`);
      for (const k of generated) process.stderr.write(`  ${names[k]}=${secrets[k]}\n`);
      process.stderr.write('\n');
    }
    for (const warning of startupWarnings(config)) log.warn(warning);
    return { config, log };
  } catch (err) {
    const msg = err instanceof ConfigError ? err.message : `cannot start: ${(err as Error).message}`;
    console.error(`woo-companion: ${msg}`);
    process.exit(1);
  }
}

/**
 * Configuration, then the database: DATABASE_URL, or (unset) the embedded Postgres in DATA_DIR/pg. Exits non-zero
 * with a plain message when either cannot be had. The split deployment's processes need a shared server, so only the
 * all-in-one process, migrations and CLIs may use the embedded one (CLIs attach to the one the service runs).
 */
export async function startRuntimeOrExit(role: Role, env = process.env): Promise<Runtime> {
  const { config: parsed, log } = loadConfigOrExit(env);
  let embedded: EmbeddedPostgres | null = null;
  let databaseUrl = parsed.databaseUrl;
  if (!databaseUrl) {
    if (role === 'api' || role === 'worker') {
      console.error(`woo-companion: DATABASE_URL is not set. The embedded Postgres (zero-setup mode) runs only in the all-in-one process (npm start); start:api and start:worker share a Postgres server: set DATABASE_URL${parsed.redisUrl ? '' : ' (and REDIS_URL)'}`);
      process.exit(1);
    }
    try {
      embedded = await startEmbeddedPostgres({ dataDir: parsed.dataDir, attach: role === 'cli' });
      for (const note of embedded.notes) process.stderr.write(`woo-companion: ${note}\n`);
      databaseUrl = embedded.url;
    } catch (err) {
      console.error(`woo-companion: cannot start the embedded Postgres: ${(err as Error).message}`);
      process.exit(1);
    }
  }
  const config: Config = { ...parsed, databaseUrl };
  try {
    await prepareDatabase(config, log);
  } catch (err) {
    console.error(`woo-companion: database not ready: ${(err as Error).message}`);
    await embedded?.stop();
    process.exit(1);
  }
  return { config, log, embedded };
}

/** Where things are, printed once when the all-in-one service has started; plain words for a first-time user. */
export function startupBanner(config: Config, embedded: EmbeddedPostgres | null, address: string): string {
  const base = address.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://127.0.0.1');
  const db = embedded ? `embedded Postgres in ${config.dataDir}` : 'Postgres at DATABASE_URL';
  const queues = config.redisUrl ? 'queues in Redis' : 'queues in Postgres';
  const advice = embedded || !config.redisUrl ? ' — for production set DATABASE_URL and REDIS_URL' : '';
  return [
    '',
    `woo-companion is running: ${db}, ${queues}${advice}`,
    `  webhooks   ${base}/webhooks/woocommerce   (WooCommerce delivery URL; secret WC_WEBHOOK_SECRET)`,
    `  API        ${base}/api                    (Authorization: Bearer ADMIN_TOKEN; docs at ${base}/docs)`,
    `  dashboard  ${base}/admin/queues`,
    `  desk       ${base}/desk`,
    // Only when some were generated: with every secret from the environment there is no such file.
    ...(existsSync(join(config.dataDir, 'secrets.json'))
      ? [`  secrets    generated ones are in ${config.dataDir}/secrets.json (ADMIN_TOKEN as "adminToken", WC_WEBHOOK_SECRET as "webhookSecret", …)`]
      : []),
    '',
  ].join('\n');
}

/** Creates the database if needed, applies migrations and checks the pseudonym key. */
export async function prepareDatabase(config: Config, log: Logger): Promise<void> {
  await ensureDatabase(config.databaseUrl);
  const pool = createPool(config.databaseUrl, { max: 1 });
  try {
    const { applied } = await migrate(pool);
    if (!config.redisUrl) await migrateQueueSchema(config.databaseUrl);
    log.info({ applied }, applied.length ? 'migrations applied' : 'database schema up to date');
    await assertPseudonymKey(pool, config.secrets.pseudonymKey);
    const filled = await fillMissingSubjectKeys(pool, subjectKeyer(config.secrets.pseudonymKey));
    if (filled) log.info({ filled }, 'subject keys computed for emails stored before erasure support');
    const objected = await withTransaction(pool, (db) => adoptOpenObjections(db));
    if (objected) log.info({ objected }, 'persons whose address has an open objection stopped (P21)');
    const ledgered = await writeLedger(pool, config.dataDir);
    if (ledgered) log.info({ ledgered }, 'erasures committed before a crash appended to the erasure ledger');
  } finally {
    await pool.end();
  }
}
