import pg from 'pg';

// int8 (bigserial ids, counts) fits a JS number for every id this service will see; numeric stays a string (money).
pg.types.setTypeParser(20, (v) => Number(v));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type Queryable = Pick<pg.PoolClient, 'query'>;

export interface PoolOptions {
  max?: number;
  /** Tests give each file its own schema; production leaves search_path alone. */
  schema?: string;
  applicationName?: string;
}

export function createPool(url: string, opts: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'woo-companion',
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
    options: opts.schema ? `-c search_path=${opts.schema}` : undefined,
  });
  // An idle client losing its connection (Postgres restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * A client checked out of the pool that survives its connection being killed (Postgres restart, failover,
 * pg_terminate_backend): pg-pool drops its own error listener while a client is checked out, so without one here the
 * client's 'error' event would crash the process. The query in flight still rejects; release() then discards the
 * broken client instead of returning it to the pool. Every checkout in this service goes through here.
 */
export async function checkout(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  const release = client.release.bind(client);
  client.release = (err?: Error | boolean) => {
    client.removeListener('error', onError);
    release(err ?? broken);
  };
  return client;
}

/** Runs fn in one transaction: every multi-row change in this service goes through here. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await checkout(pool);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * withTransaction, run again (up to 3 attempts) when it failed with one of `codes` (SQLSTATE; by default a deadlock
 * Postgres broke by aborting it): for short transactions that answer a client, which must not see a 500 because a
 * worker's transaction held the other end. Only for work whose every effect is inside the transaction.
 */
export async function withRetriedTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, codes = ['40P01']): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTransaction(pool, fn);
    } catch (err) {
      if (attempt >= 3 || !codes.includes((err as { code?: string }).code ?? '')) throw err;
    }
  }
}

/** Creates the database named in the URL when it does not exist yet (connecting to `postgres` to do so). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) return;
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await probe.connect();
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err; // 3D000 = invalid_catalog_name
  } finally {
    await probe.end().catch(() => undefined);
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } catch (err) {
    // Created concurrently by another process: 42P04, or 23505 when both passed the catalogue check at once.
    if (!['42P04', '23505'].includes(String((err as { code?: string }).code))) throw err;
  } finally {
    await client.end();
  }
}

/** A session advisory lock on its own connection around fn; `wait: false` gives up at once (returns null). */
async function sessionLock<T>(pool: pg.Pool, key: string, wait: boolean, fn: () => Promise<T>): Promise<T | null> {
  const client = await checkout(pool);
  try {
    if (wait) await client.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    else if (!(await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key])).rows[0]!.ok) return null;
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}

/**
 * Runs fn while holding a session advisory lock, or returns null at once when another process holds it
 * (one reconciliation or backfill at a time, whichever worker picks the job).
 */
export const withTryLock = <T>(pool: pg.Pool, key: string, fn: () => Promise<T>): Promise<T | null> => sessionLock(pool, key, false, fn);

/** Runs fn while holding a session advisory lock, waiting for it if another process holds it. */
export const withLock = <T>(pool: pg.Pool, key: string, fn: () => Promise<T>): Promise<T> => sessionLock(pool, key, true, fn) as Promise<T>;

/**
 * Takes, for the rest of the caller's transaction, the lock withLock/withTryLock hold for every name the query `names`
 * yields (their key: hashtext, not the transaction locks' hash below): waits until whoever runs under one of those
 * names has finished, and keeps new runners out until the commit. Sorted, as below.
 */
export const sessionLocksInTransactionSql = (names: string): string => /* sql */ `
  SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT DISTINCT hashtext(n)::bigint AS k FROM (${names}) AS names(n) ORDER BY 1) s`;

/**
 * Takes the advisory lock of every name the query `names` (one text column) yields, sorted so that two
 * transactions taking overlapping sets queue instead of deadlocking. The one place that says how a name is hashed.
 */
export const xactLocksSql = (names: string): string => /* sql */ `
  SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT DISTINCT hashtextextended(n, 0) AS k FROM (${names}) AS names(n) ORDER BY 1) s`;

/* $1 lock names */
const XACT_LOCKS = xactLocksSql('SELECT unnest($1::text[])');

/**
 * Transaction-scoped advisory locks on names such as `order:57` or `email:ann@x.nl`: two processes applying
 * deliveries about the same order or person take turns, even when the row they would lock does not exist yet.
 */
export async function lockNames(db: Pick<pg.PoolClient, 'query'>, names: string[]): Promise<void> {
  if (names.length) await db.query(XACT_LOCKS, [names]);
}
