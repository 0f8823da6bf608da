import type { Logger } from 'pino';
import { type Config, ConfigError, loadDotEnv, parseEnv } from './config.js';
import { createLogger } from './platform/logger.js';
import { resolveSecrets } from './platform/secrets.js';
import { createPool, ensureDatabase } from './platform/db.js';
import { migrate } from './platform/migrate.js';
import { assertPseudonymKey } from './platform/key-check.js';
import { subjectKeyer } from './erasure/subject-key.js';
import { fillMissingSubjectKeys } from './erasure/erasure.repository.js';
import { writeLedger } from './erasure/ledger.js';

/** Config from env (+ .env), secrets resolved; exits non-zero naming the bad variable. */
export function loadConfigOrExit(env = process.env): { config: Config; log: Logger } {
  try {
    loadDotEnv();
    const { rawSecrets, ...rest } = parseEnv(env);
    const { secrets, generated } = resolveSecrets(rawSecrets, rest.dataDir, { production: rest.nodeEnv === 'production' });
    const config: Config = { ...rest, secrets };
    const log = createLogger(config.logLevel);
    if (generated.length) {
      // Printed once, on the terminal only (never through the logger): the operator needs them to set up WooCommerce.
      const names = { webhookSecret: 'WC_WEBHOOK_SECRET', adminToken: 'ADMIN_TOKEN', pseudonymKey: 'PSEUDONYM_KEY', fiscalToken: 'FISCAL_TOKEN', metricsToken: 'METRICS_TOKEN' } as const;
      process.stderr.write(`\nGenerated secrets, stored in ${config.dataDir}/secrets.json (mode 0600):\n`);
      for (const k of generated) process.stderr.write(`  ${names[k]}=${secrets[k]}\n`);
      process.stderr.write('\n');
    }
    if (!config.sourceAllowlist) log.warn('WC_SOURCE_ALLOWLIST is not set: webhooks from every shop URL are accepted');
    return { config, log };
  } catch (err) {
    const msg = err instanceof ConfigError ? err.message : `cannot start: ${(err as Error).message}`;
    console.error(`woo-companion: ${msg}`);
    process.exit(1);
  }
}

/** Creates the database if needed, applies migrations and checks the pseudonym key. */
export async function prepareDatabase(config: Config, log: Logger): Promise<void> {
  await ensureDatabase(config.databaseUrl);
  const pool = createPool(config.databaseUrl, { max: 1 });
  try {
    const { applied } = await migrate(pool);
    log.info({ applied }, applied.length ? 'migrations applied' : 'database schema up to date');
    await assertPseudonymKey(pool, config.secrets.pseudonymKey);
    const filled = await fillMissingSubjectKeys(pool, subjectKeyer(config.secrets.pseudonymKey));
    if (filled) log.info({ filled }, 'subject keys computed for emails stored before erasure support');
    const ledgered = await writeLedger(pool, config.dataDir);
    if (ledgered) log.info({ ledgered }, 'erasures committed before a crash appended to the erasure ledger');
  } finally {
    await pool.end();
  }
}
