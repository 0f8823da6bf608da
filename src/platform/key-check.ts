import type { Queryable } from './db.js';
import { fingerprintKey } from './secrets.js';

/* $1 fingerprint */
const CLAIM = /* sql */ `
  INSERT INTO app_meta (key, value) VALUES ('pseudonym_key_fingerprint', $1)
  ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING value`;

/**
 * Erasure tombstones are keyed by HMAC(PSEUDONYM_KEY, email). A changed key would silently stop recognising
 * every erased person, so the first start records the key's fingerprint and later starts must match it.
 */
export async function assertPseudonymKey(db: Queryable, key: string): Promise<void> {
  const fingerprint = fingerprintKey(key);
  const { rows } = await db.query<{ value: string }>(CLAIM, [fingerprint]);
  if (rows[0]!.value !== fingerprint) {
    throw new Error(
      'PSEUDONYM_KEY does not match the key this database was set up with (fingerprint mismatch). ' +
        'Restore the original key: a new key would void every erasure tombstone.',
    );
  }
}
