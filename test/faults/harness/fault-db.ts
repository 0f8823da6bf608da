import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_DATABASE_URL } from '../../setup/context.js';

/**
 * A database of the test's own (woo_fault_<random>) on the local Postgres, so its backends can be terminated without
 * touching anyone else's. After the service migrated it, two triggers record every committed effect the proof
 * needs: each time an inbox row's outcome is recorded, and each write of an order row. Rolled-back work leaves no
 * trace in them, so "applied twice" shows up as two rows, whatever the mirror's own bookkeeping says.
 */

const WRITE_LOG = [
  `CREATE TABLE fault_inbox_outcomes (inbox_id bigint NOT NULL, outcome text, at timestamptz NOT NULL DEFAULT clock_timestamp())`,
  `CREATE TABLE fault_order_writes (wc_order_id bigint NOT NULL, inbox_id bigint NOT NULL, op text NOT NULL,
     at timestamptz NOT NULL DEFAULT clock_timestamp())`,
  `CREATE FUNCTION fault_log_outcome() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN INSERT INTO fault_inbox_outcomes (inbox_id, outcome) VALUES (NEW.id, NEW.outcome); RETURN NULL; END $$`,
  `CREATE FUNCTION fault_log_order_write() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN INSERT INTO fault_order_writes (wc_order_id, inbox_id, op) VALUES (NEW.wc_order_id, NEW.inbox_id, TG_OP); RETURN NULL; END $$`,
  `CREATE TRIGGER fault_inbox_outcomes AFTER UPDATE OF processed_at ON webhook_inbox FOR EACH ROW
     WHEN (NEW.processed_at IS NOT NULL AND NEW.processed_at IS DISTINCT FROM OLD.processed_at) EXECUTE FUNCTION fault_log_outcome()`,
  `CREATE TRIGGER fault_order_writes AFTER INSERT OR UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION fault_log_order_write()`,
];

export interface FaultDatabase {
  name: string;
  url: string;
  /** The test's own connections (2), for the proof; they survive terminations (the pool replaces dead clients). */
  pool: pg.Pool;
  /** Retries a read while the test's own connections are being replaced after a termination. */
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  installWriteLog(): Promise<void>;
  /** Terminates every other backend of this database (the service's connections and the test's idle ones). */
  terminateBackends(): Promise<number>;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = '/postgres';
  return u.toString();
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function createFaultDatabase(): Promise<FaultDatabase> {
  const name = `woo_fault_${randomBytes(5).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'fault-proof' });
  pool.on('error', () => undefined);

  async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await pool.query<T>(sql, params)).rows;
      } catch (err) {
        if (attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  return {
    name, url, pool, query,
    async installWriteLog() {
      for (const sql of WRITE_LOG) await pool.query(sql);
    },
    async terminateBackends() {
      const c = new pg.Client({ connectionString: url, application_name: 'fault-terminator' });
      await c.connect();
      try {
        const { rows } = await c.query<{ n: number }>(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
        return rows[0]!.n;
      } finally {
        await c.end().catch(() => undefined);
      }
    },
    async drop() {
      await pool.end().catch(() => undefined);
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
