import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../src/config.js';
import type { Clock } from '../../src/platform/clock.js';
import { NO_PROCESSORS } from '../../src/processors/processors.config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { buildApp } from '../../src/app.js';
import { createLogger } from '../../src/platform/logger.js';
import { createPool, type Pool } from '../../src/platform/db.js';
import { migrate } from '../../src/platform/migrate.js';
import { startWorkers } from '../../workers/start.js';
import { migrateQueueSchema } from '../../src/platform/queues.js';
import { captureLogs } from './log-capture.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/woo_companion_test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/**
 * Which queue backend the app under test uses: Redis (default), or BullMQ's Postgres backend when TEST_QUEUE_BACKEND
 * is `postgres` (set by the jest project that re-runs the intake, mirror and retention tests, and by the global setup
 * when no Redis answers).
 */
export const TEST_QUEUE_BACKEND: 'redis' | 'postgres' = process.env.TEST_QUEUE_BACKEND === 'postgres' ? 'postgres' : 'redis';
export const WEBHOOK_SECRET = 's3cr3t';
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const SHOP = 'https://shop.example/';
export const FISCAL_TOKEN = 'test-fiscal-token-0123456789abcdef';
export const METRICS_TOKEN = 'test-metrics-token-0123456789abcdef';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    nodeEnv: 'test', port: 0, host: '127.0.0.1', databaseUrl: TEST_DATABASE_URL, redisUrl: TEST_REDIS_URL,
    queuePrefix: `test-${randomBytes(6).toString('hex')}`, dataDir: '/tmp/woo-companion-test', logLevel: 'info',
    secrets: { webhookSecret: WEBHOOK_SECRET, adminToken: ADMIN_TOKEN, pseudonymKey: 'test-pseudonym-key-0123456789abcdef0123', fiscalToken: FISCAL_TOKEN, metricsToken: METRICS_TOKEN },
    operatorTokenTtlDays: 90,
    sourceAllowlist: ['https://shop.example'], policyVersion: '2023-08-21', rawPayloadRetentionDays: 7,
    mirrorConcurrency: 32, shutdownTimeoutMs: 5000,
    woo: null, reconcileEveryMs: 300_000, publicUrl: null, webhooksAutorepair: false,
    invoicePrefix: 'WC-', fiscalRetentionYears: 7, retention: { cron: '0 3 * * *', inactiveDays: 730, maxFraction: 0.2 },
    processors: NO_PROCESSORS,
    alerts: { operatorEmail: null, backlogMinutes: 15, reconcileLagHours: 2 },
    dsr: { smtpUrl: null, mailFrom: 'privacy@shop.example', mailRetentionDays: 7, shopName: 'Testwinkel', exportTtlDays: 7, eraseWriteback: false },
    ...overrides,
  };
}

/** A fresh schema in the test database, migrated; dropped again by dropSchema(). */
export async function createSchema(): Promise<{ schema: string; pool: Pool }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = createPool(TEST_DATABASE_URL, { max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = createPool(TEST_DATABASE_URL, { max: 10, schema });
  await migrate(pool);
  return { schema, pool };
}

export async function dropSchema(schema: string): Promise<void> {
  const admin = createPool(TEST_DATABASE_URL, { max: 1 });
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}

/** A migrated schema of its own for a test file without the app: created before, dropped after (use `db.pool`). */
export function useMigratedSchema(): { pool: Pool; schema: string } {
  const db = {} as { pool: Pool; schema: string };
  beforeAll(async () => Object.assign(db, await createSchema()));
  afterAll(async () => {
    await db.pool.end();
    await dropSchema(db.schema);
  });
  return db;
}

export interface TestContext {
  config: Config;
  deps: Deps;
  app: FastifyInstance;
  pool: Pool;
  /** Every log line written so far (JSON text), for the personal-data checks. */
  logs: string[];
  startWorkers(): Promise<void>;
  /** Waits until every inbox row is processed (relay + workers must be running). */
  drained(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * BullMQ's Postgres backend has no key prefix: queues are told apart by the database they live in. Each test context
 * gets a database of its own for its queues (the app's tables stay in its schema of the test database).
 */
async function createQueueDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `woo_q_${randomBytes(6).toString('hex')}`;
  const admin = createPool(TEST_DATABASE_URL, { max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  await migrateQueueSchema(url.toString());
  return {
    url: url.toString(),
    async drop() {
      const a = createPool(TEST_DATABASE_URL, { max: 1 });
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => a.end());
    },
  };
}

/** The real app and workers on real Postgres (own schema) and Redis (own queue prefix) or Postgres queues (own database). */
export async function createTestContext(overrides: Partial<Config> = {}, extra: { wooCa?: string; clock?: Clock } = {}): Promise<TestContext> {
  const { schema, pool } = await createSchema();
  const queueDb = TEST_QUEUE_BACKEND === 'postgres' && overrides.redisUrl === undefined ? await createQueueDatabase() : null;
  const config = testConfig(queueDb ? { redisUrl: null, databaseUrl: queueDb.url, ...overrides } : overrides);
  const logs: string[] = [];
  const log = createLogger('debug', captureLogs(logs));
  const deps = createDeps(config, log, { pool, wooCa: extra.wooCa, clock: extra.clock });
  const app = await buildApp(deps);
  await app.ready();
  let workers: Awaited<ReturnType<typeof startWorkers>> | null = null;

  return {
    config, deps, app, pool, logs,
    async startWorkers() {
      deps.relay.start();
      workers = await startWorkers(deps, { schedules: false });
    },
    async drained(timeoutMs = 15000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_inbox WHERE processed_at IS NULL');
        if (rows[0]!.n === 0) return;
        if (Date.now() > until) throw new Error(`${rows[0]!.n} deliveries still unprocessed after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await app.close();
      await workers?.close(2000);
      await Promise.all(deps.queues.all.map((q) => q.obliterate({ force: true }).catch(() => undefined)));
      await deps.close();
      await pool.end();
      await dropSchema(schema);
      await queueDb?.drop();
    },
  };
}
