import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Pool } from './db.js';
import { withTransaction } from './db.js';

/** Arbitrary constant: every woo-companion process that migrates takes this advisory lock first. */
const MIGRATION_LOCK = 0x776f6f6d; // "woom"

/**
 * The project's migrations/ folder, found upwards from the running script (dist/src/main.js, a CLI, Jest) and then
 * from the working directory: the service may be started from anywhere (DATA_DIR is relative to the working directory).
 */
function findMigrations(): string {
  for (const start of [process.argv[1] ? dirname(resolve(process.argv[1])) : null, process.cwd()]) {
    for (let dir = start; dir; dir = dirname(dir) === dir ? null : dirname(dir)) {
      if (existsSync(join(dir, 'migrations', '0001_intake.sql'))) return join(dir, 'migrations');
    }
  }
  return resolve(process.cwd(), 'migrations');
}

export const MIGRATIONS_DIR = findMigrations();

interface Migration {
  version: number;
  /** File name without .sql, e.g. 0002_mirror. */
  id: string;
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        id: file.slice(0, -4),
        name: file.slice(5, -4),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

/**
 * Forward-only and idempotent: applies each numbered file not yet in schema_migrations, in one transaction
 * under an advisory lock, so concurrent starts (api + worker) migrate once. An edited applied file is refused.
 */
export async function migrate(pool: Pool, dir = MIGRATIONS_DIR): Promise<{ applied: string[] }> {
  const migrations = readMigrations(dir);
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations');
    const done = new Map(rows.map((r) => [r.version, r.checksum]));
    const applied: string[] = [];
    for (const m of migrations) {
      const prior = done.get(m.version);
      if (prior !== undefined) {
        if (prior !== m.checksum) throw new Error(`migration ${m.id} was edited after it was applied`);
        continue;
      }
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
      applied.push(m.id);
    }
    return { applied };
  });
}
