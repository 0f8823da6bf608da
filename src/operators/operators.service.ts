import type { Pool } from '../platform/db.js';
import type { Role } from './access-policy.js';
import { hashSecret, newSecret, tokenOf } from './operator-token.js';
import { insertOperator, replaceSecret, revokeOperator } from './operators.repository.js';

/** Creating an operator prints the token once (only its scrypt hash is kept); creating it again rotates it. */
export async function createOperator(pool: Pool, o: { name: string; role: Role; ttlDays: number; now: Date }): Promise<{ token: string; expiresAt: Date; rotated: boolean }> {
  const { secret, salt } = newSecret();
  const hash = await hashSecret(secret, salt);
  const expiresAt = new Date(o.now.getTime() + o.ttlDays * 86_400_000);
  const existing = await replaceSecret(pool, { name: o.name, role: o.role, hash, salt, expiresAt });
  const id = existing ?? (await insertOperator(pool, { name: o.name, role: o.role, hash, salt, expiresAt }));
  return { token: tokenOf(id, secret), expiresAt, rotated: existing !== null };
}

export async function revoke(pool: Pool, name: string): Promise<boolean> {
  return revokeOperator(pool, name);
}
