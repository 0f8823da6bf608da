import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../platform/db.js';
import type { Principal, Role } from './access-policy.js';

/** SQL of operator accounts and desk sessions. */

export interface OperatorRow {
  id: number;
  name: string;
  role: Role;
  secretHash: Buffer;
  salt: Buffer;
  expiresAt: Date;
  revokedAt: Date | null;
}

/* $1 name, $2 role, $3 hash, $4 salt, $5 expires */
export async function insertOperator(db: Queryable, o: { name: string; role: Role; hash: Buffer; salt: Buffer; expiresAt: Date }): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO operators (name, role, secret_hash, salt, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [o.name, o.role, o.hash, o.salt, o.expiresAt]);
  return Number(rows[0]!.id);
}

/**
 * A new secret for an existing name (re-creating an operator rotates the token and lifts a revocation). Desk sessions
 * signed in with the old token end with it: they carry the old role, and a rotation is often for a leaked token.
 */
export async function replaceSecret(db: Queryable, o: { name: string; role: Role; hash: Buffer; salt: Buffer; expiresAt: Date }): Promise<number | null> {
  const { rows } = await db.query<{ id: string }>(
    `WITH op AS (UPDATE operators SET role = $2, secret_hash = $3, salt = $4, expires_at = $5, revoked_at = NULL WHERE name = $1 RETURNING id),
       ended AS (DELETE FROM operator_sessions WHERE operator_id IN (SELECT id FROM op))
     SELECT id FROM op`,
    [o.name, o.role, o.hash, o.salt, o.expiresAt]);
  return rows[0] ? Number(rows[0].id) : null;
}

export async function operatorById(db: Queryable, id: number): Promise<OperatorRow | null> {
  const r = (await db.query(`SELECT id, name, role, secret_hash, salt, expires_at, revoked_at FROM operators WHERE id = $1`, [id])).rows[0];
  return r ? { id: Number(r.id), name: r.name, role: r.role, secretHash: r.secret_hash, salt: r.salt, expiresAt: r.expires_at, revokedAt: r.revoked_at } : null;
}

export async function revokeOperator(db: Queryable, name: string): Promise<boolean> {
  const r = await db.query(`UPDATE operators SET revoked_at = COALESCE(revoked_at, now()) WHERE name = $1`, [name]);
  await db.query(`DELETE FROM operator_sessions WHERE operator_id IN (SELECT id FROM operators WHERE name = $1)`, [name]);
  return (r.rowCount ?? 0) > 0;
}

export async function touchOperator(db: Queryable, id: number): Promise<void> {
  await db.query(`UPDATE operators SET last_used_at = now() WHERE id = $1`, [id]);
}

export const sessionHash = (value: string) => createHash('sha256').update(value).digest();

/** A desk session: the cookie value (returned once) and its CSRF token. */
export async function createSession(db: Queryable, p: Principal & { operatorId: number | null; tokenDigest: Buffer | null }, ttlMs: number, now: Date) {
  const value = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  await db.query(
    `INSERT INTO operator_sessions (id_hash, operator_id, name, role, csrf_token, expires_at, token_digest) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [sessionHash(value), p.operatorId, p.name, p.role, csrf, new Date(now.getTime() + ttlMs), p.tokenDigest]);
  return { value, csrf };
}

/** A live session; `bootstrapToken` is set for one opened with ADMIN_TOKEN/FISCAL_TOKEN: the caller checks it is still the one configured. */
export async function sessionOf(db: Queryable, value: string, now: Date): Promise<(Principal & { csrf: string; bootstrapToken: Buffer | null; bootstrap: boolean }) | null> {
  const r = (await db.query(
    `SELECT s.name, s.role, s.csrf_token, s.operator_id IS NULL AS bootstrap, s.token_digest FROM operator_sessions s LEFT JOIN operators o ON o.id = s.operator_id
     WHERE s.id_hash = $1 AND s.expires_at > $2 AND (s.operator_id IS NULL OR (o.revoked_at IS NULL AND o.expires_at > $2))`,
    [sessionHash(value), now])).rows[0];
  return r ? { name: r.name, role: r.role, via: 'session', csrf: r.csrf_token, bootstrap: r.bootstrap, bootstrapToken: r.token_digest } : null;
}

export async function endSession(db: Queryable, value: string): Promise<void> {
  await db.query(`DELETE FROM operator_sessions WHERE id_hash = $1`, [sessionHash(value)]);
}
