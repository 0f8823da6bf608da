import { createHash, timingSafeEqual } from 'node:crypto';
import type { Pool } from '../platform/db.js';
import type { Clock } from '../platform/clock.js';
import type { Principal } from '../operators/access-policy.js';
import { operatorById } from '../operators/operators.repository.js';
import { bootstrapTokenDigest, parseToken, secretMatches } from '../operators/operator-token.js';

/**
 * Who a desk sign-in is: an operator account (its name and its `woo_op_…` token), or the bootstrap credentials —
 * name `admin` with ADMIN_TOKEN (an operator) or name `fiscal` with FISCAL_TOKEN (an auditor). null = refused;
 * the caller says only "wrong name or token", never which part was wrong.
 */

/** `tokenDigest`: for a bootstrap sign-in, what the session keeps of the token (see bootstrapTokenDigest). */
export type SignedIn = Principal & { operatorId: number | null; tokenDigest: Buffer | null };

const digest = (v: string) => createHash('sha256').update(v).digest();
const same = (given: string, expected: string | null) => expected !== null && expected !== '' && timingSafeEqual(digest(given), digest(expected));

export async function checkLogin(o: { pool: Pool; clock: Clock; adminToken: string; fiscalToken: string | null }, name: string, token: string): Promise<SignedIn | null> {
  if (name === 'admin' && same(token, o.adminToken)) return { name: 'admin', role: 'operator', via: 'session', operatorId: null, tokenDigest: bootstrapTokenDigest(token) };
  if (name === 'fiscal' && same(token, o.fiscalToken)) return { name: 'fiscal', role: 'auditor', via: 'session', operatorId: null, tokenDigest: bootstrapTokenDigest(token) };
  const parsed = parseToken(token);
  if (!parsed) return null;
  const op = await operatorById(o.pool, parsed.id);
  if (!op || op.name !== name || op.revokedAt || op.expiresAt <= o.clock.now()) return null;
  if (!(await secretMatches(parsed.secret, op.salt, op.secretHash))) return null;
  return { name: op.name, role: op.role, via: 'session', operatorId: op.id, tokenDigest: null };
}
