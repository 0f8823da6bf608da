import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * Identity (P14): a one-time link and code go to the address we know; only their hashes are stored. The link
 * opens a page; the code typed there verifies — limited tries, expiring.
 */

export const VERIFY_TTL_MS = 72 * 3_600_000;
export const MAX_TRIES = 5;

export const hashOf = (v: string): Buffer => createHash('sha256').update(v).digest();

export function newVerification(): { token: string; code: string; tokenHash: Buffer; codeHash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  return { token, code, tokenHash: hashOf(token), codeHash: hashOf(code) };
}

export function codeMatches(given: string, codeHash: Buffer): boolean {
  return timingSafeEqual(hashOf(given.trim()), codeHash);
}
