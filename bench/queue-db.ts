import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateQueueSchema } from '../src/platform/queues.js';
import { DATABASE_URL } from './common.js';

/**
 * The Postgres queue backend's runs: a database of their own for BullMQ's schema (that backend has no key prefix),
 * handed to the processes the bench starts through BENCH_QUEUE_DB, dropped afterwards.
 */
export async function withPostgresQueues<T>(fn: () => Promise<T>): Promise<T> {
  const name = `woo_bench_q_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  process.env.BENCH_QUEUE_DB = url.toString();
  try {
    await migrateQueueSchema(url.toString());
    return await fn();
  } finally {
    delete process.env.BENCH_QUEUE_DB;
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
