import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { generateSecret } from '../platform/secrets.js';

/**
 * Operator tokens: `woo_op_<id>_<48 random alphanumerics>` — the id finds the account, the secret is checked against
 * its scrypt hash (never stored in clear; shown once at creation). 48 random alphanumerics ≈ 285 bits: the
 * strong-password policy of P4 is met by construction.
 */

const scrypt = promisify(scryptCb) as (secret: string, salt: Buffer, keylen: number, opts: object) => Promise<Buffer>;
const PARAMS = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const TOKEN = /^woo_op_(\d{1,18})_([A-Za-z0-9]{40,100})$/;

export function newSecret(): { secret: string; salt: Buffer } {
  return { secret: generateSecret(48), salt: randomBytes(16) };
}

export const tokenOf = (id: number, secret: string) => `woo_op_${id}_${secret}`;

export function parseToken(token: string): { id: number; secret: string } | null {
  const m = TOKEN.exec(token);
  return m ? { id: Number(m[1]), secret: m[2]! } : null;
}

export async function hashSecret(secret: string, salt: Buffer): Promise<Buffer> {
  return scrypt(secret, salt, 32, PARAMS);
}

export async function secretMatches(secret: string, salt: Buffer, hash: Buffer): Promise<boolean> {
  const h = await hashSecret(secret, salt);
  return h.length === hash.length && timingSafeEqual(h, hash);
}

/**
 * What a desk session opened with a bootstrap token (ADMIN_TOKEN, FISCAL_TOKEN) keeps of it: the session counts only
 * while the configured token still has this digest, so changing or unsetting a token ends its sessions too.
 */
export const bootstrapTokenDigest = (token: string): Buffer => createHash('sha256').update(`desk-session\u0000${token}`).digest();

/** Whether a session's stored digest matches the token configured now (null: not configured, nothing matches). */
export function bootstrapTokenStillValid(stored: Buffer | null, configured: string | null): boolean {
  if (!stored || !configured) return false;
  const now = bootstrapTokenDigest(configured);
  return stored.length === now.length && timingSafeEqual(stored, now);
}
