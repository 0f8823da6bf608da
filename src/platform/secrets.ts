import { createHmac, randomInt } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';

type Secrets = Config['secrets'];
type Generated = Exclude<keyof Secrets, never>;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 48 characters drawn uniformly from [A-Za-z0-9]: alphanumeric so WooCommerce never entity-encodes it. */
export function generateSecret(length = 48): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

/**
 * Outside production a missing secret is generated once and kept in DATA_DIR/secrets.json (mode 0600),
 * so a restart keeps the same webhook secret, admin token and pseudonym key. Returns which ones were generated.
 */
export function resolveSecrets(
  raw: Partial<Secrets>,
  dataDir: string,
  opts: { production?: boolean } = {},
): { secrets: Secrets; generated: Generated[] } {
  const file = join(dataDir, 'secrets.json');
  const existed = existsSync(file);
  const stored: Partial<Record<Generated, string>> = existed ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const generated: Generated[] = [];
  const pick = (key: Generated): string => {
    const value = raw[key] ?? stored[key];
    if (value) return value;
    generated.push(key);
    return (stored[key] = generateSecret());
  };
  const secrets = {
    webhookSecret: pick('webhookSecret'), adminToken: pick('adminToken'), pseudonymKey: pick('pseudonymKey'),
    // Optional in production (no fiscal reader until one is configured); generated elsewhere so it can be tried.
    fiscalToken: opts.production ? raw.fiscalToken ?? null : pick('fiscalToken'),
    metricsToken: opts.production ? raw.metricsToken ?? null : pick('metricsToken'),
  };
  if (generated.length) {
    mkdirSync(dataDir, { recursive: true });
    const body = JSON.stringify(stored, null, 2) + '\n';
    if (existed) {
      writeFileSync(file, body, { mode: 0o600 }); // keys added to an existing file (a later version's new secret)
    } else {
      // Two processes starting at once on one DATA_DIR (api and worker, or `--scale api=2`): the file appears whole
      // and once (link fails if it exists); the one that loses reads the winner's secrets instead of keeping its own.
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      writeFileSync(tmp, body, { mode: 0o600 });
      try {
        linkSync(tmp, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        return resolveSecrets(raw, dataDir, opts);
      } finally {
        unlinkSync(tmp);
      }
    }
    chmodSync(file, 0o600);
  }
  return { secrets, generated };
}

/** A fingerprint that identifies the pseudonym key without revealing it (stored in the database). */
export function fingerprintKey(key: string): string {
  return createHmac('sha256', key).update('woo-companion/pseudonym-key-fingerprint/v1').digest('hex').slice(0, 32);
}
