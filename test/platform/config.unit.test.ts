import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseEnv } from '../../src/config.js';
import { fingerprintKey, resolveSecrets } from '../../src/platform/secrets.js';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/woo', REDIS_URL: 'redis://127.0.0.1:6379' };
const errorOf = (env: NodeJS.ProcessEnv) => {
  try {
    parseEnv(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as Error;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration from the environment', () => {
  test('when only the URLs are set, then every default applies', () => {
    const c = parseEnv(base);
    expect(c).toMatchObject({ port: 3000, host: '0.0.0.0', queuePrefix: 'woo', dataDir: './data', rawPayloadRetentionDays: 7, sourceAllowlist: null, policyVersion: '2023-08-21' });
  });

  test('when DATABASE_URL and REDIS_URL are unset, then that is zero-setup mode: no database URL yet, queues in Postgres', () => {
    const parsed = parseEnv({});
    expect(parsed.databaseUrl).toBeNull(); // the embedded Postgres fills it in at start (src/bootstrap.ts)
    expect(parsed.redisUrl).toBeNull(); // the queue backend is then BullMQ's Postgres backend (src/platform/queues.ts)
  });

  test('when a value is bad, then the error names that variable', () => {
    expect(errorOf({ ...base, PORT: 'eighty' }).message).toMatch(/PORT/);
    expect(errorOf({ ...base, RAW_PAYLOAD_RETENTION_DAYS: '0' }).message).toMatch(/RAW_PAYLOAD_RETENTION_DAYS/);
    expect(errorOf({ ...base, REDIS_URL: 'http://x' }).message).toMatch(/REDIS_URL/);
    expect(errorOf({ ...base, QUEUE_PREFIX: 'woo:{x' }).message).toMatch(/QUEUE_PREFIX/);
    // Five fields, but no hour 25: BullMQ would refuse it only when it schedules, leaving every later schedule unset.
    expect(errorOf({ ...base, RETENTION_CRON: '0 25 * * *' }).message).toMatch(/RETENTION_CRON/);
    expect(errorOf({ ...base, RETENTION_CRON: 'every night' }).message).toMatch(/RETENTION_CRON/);
    expect(parseEnv({ ...base, RETENTION_CRON: '30 2 * * MON-FRI' }).retention.cron).toBe('30 2 * * MON-FRI');
    const woo = { ...base, WC_URL: 'https://shop.example', WC_CONSUMER_KEY: 'ck_x', WC_CONSUMER_SECRET: 'cs_x' };
    expect(errorOf({ ...woo, WC_CA_FILE: '/nonexistent/ca.pem' }).message).toMatch(/WC_CA_FILE.*ENOENT/);
    const notPem = join(mkdtempSync(join(tmpdir(), 'woo-ca-')), 'ca.pem');
    writeFileSync(notPem, 'not a certificate');
    expect(errorOf({ ...woo, WC_CA_FILE: notPem }).message).toMatch(/WC_CA_FILE.*no PEM/);
  });

  test('QUEUE_PREFIX may be a Redis Cluster hash tag, so every key of every queue lands in one slot', () => {
    expect(parseEnv({ ...base, QUEUE_PREFIX: '{woo}' }).queuePrefix).toBe('{woo}');
    expect(parseEnv({ ...base, QUEUE_PREFIX: 'shop-2' }).queuePrefix).toBe('shop-2');
  });

  test('P4: when NODE_ENV=production, then the three secrets are required from the environment', () => {
    const err = errorOf({ ...base, NODE_ENV: 'production', ADMIN_TOKEN: 'x'.repeat(30) });
    expect(err.message).toMatch(/WC_WEBHOOK_SECRET/);
    expect(err.message).toMatch(/PSEUDONYM_KEY/);
    expect(err.message).not.toMatch(/ADMIN_TOKEN/);
  });

  test('when the allowlist lists shop URLs, then they are normalised like incoming sources', () => {
    expect(parseEnv({ ...base, WC_SOURCE_ALLOWLIST: 'https://Shop.example/, https://b.example' }).sourceAllowlist).toEqual([
      'https://shop.example',
      'https://b.example',
    ]);
  });
});

describe('P4 secrets outside production', () => {
  test('when unset, then they are generated once (≥ 40 alphanumerics), stored 0600, and reused on the next start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'woo-secrets-'));
    const first = resolveSecrets({}, dir);
    expect(first.generated.sort()).toEqual(['adminToken', 'fiscalToken', 'metricsToken', 'pseudonymKey', 'webhookSecret']);
    for (const v of Object.values(first.secrets)) expect(v).toMatch(/^[A-Za-z0-9]{40,}$/);
    const file = join(dir, 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).adminToken).toBe(first.secrets.adminToken);
    const second = resolveSecrets({}, dir);
    expect(second.generated).toEqual([]);
    expect(second.secrets).toEqual(first.secrets);
  });

  test('when a secret is set in the environment, then it wins and is not written to disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'woo-secrets-'));
    const r = resolveSecrets({ webhookSecret: 'from-env' }, dir);
    expect(r.secrets.webhookSecret).toBe('from-env');
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).not.toContain('from-env');
  });

  test('when two keys differ, then their fingerprints differ and reveal neither key', () => {
    expect(fingerprintKey('a'.repeat(40))).not.toBe(fingerprintKey('b'.repeat(40)));
    expect(fingerprintKey('a'.repeat(40))).not.toContain('aaaa');
  });
});
