import type { Queryable } from '../platform/db.js';

/** Watermarks, cursors and reports of the REST syncs, one JSON value per key. */

/* $1 key */
const GET = /* sql */ `SELECT value, updated_at FROM sync_state WHERE key = $1`;
/* $1 key, $2 value */
const PUT = /* sql */ `
  INSERT INTO sync_state (key, value) VALUES ($1, $2)
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`;

export async function getState<T>(db: Queryable, key: string): Promise<{ value: T; updatedAt: Date } | null> {
  const { rows } = await db.query<{ value: T; updated_at: Date }>(GET, [key]);
  return rows[0] ? { value: rows[0].value, updatedAt: rows[0].updated_at } : null;
}

export async function putState(db: Queryable, key: string, value: unknown): Promise<void> {
  await db.query(PUT, [key, JSON.stringify(value)]);
}
