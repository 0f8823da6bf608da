import { existsSync, readFileSync } from 'node:fs';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { type ProcessorsConfig, parseProcessorsEnv } from './processors/processors.config.js';

/** Every variable the service reads; `.env.example` documents each one. Parsed once at start-up. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  // `{woo}` (a Redis Cluster hash tag: every key of every queue in one slot) or plain letters, digits, _ and -.
  QUEUE_PREFIX: z.string().regex(/^(\{[A-Za-z0-9_-]+\}|[A-Za-z0-9_-]+)$/, 'letters, digits, _ and - only, optionally in braces ({woo})').default('woo'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WC_WEBHOOK_SECRET: z.string().min(1).optional(),
  ADMIN_TOKEN: z.string().min(24, 'at least 24 characters').optional(),
  PSEUDONYM_KEY: z.string().min(32, 'at least 32 characters').optional(),
  WC_SOURCE_ALLOWLIST: z.string().optional(),
  POLICY_VERSION: z.string().min(1).max(64).default('2023-08-21'),
  RAW_PAYLOAD_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  MIRROR_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(20),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).default(25000),
  WC_URL: z.url({ protocol: /^https$/, error: 'must be the https:// URL of the shop (Basic auth only over HTTPS)' }).optional(),
  WC_CONSUMER_KEY: z.string().min(1).optional(),
  WC_CONSUMER_SECRET: z.string().min(1).optional(),
  WC_CA_FILE: z.string().min(1).optional(),
  WC_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300000).default(20000),
  RECONCILE_EVERY: z.string().regex(/^\d+(ms|s|m|h)?$/, 'a duration such as 300s, 5m or 1h').default('5m'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  WC_WEBHOOKS_AUTOREPAIR: z.enum(['true', 'false', '1', '0']).default('false'),
  FISCAL_TOKEN: z.string().min(24, 'at least 24 characters').optional(),
  METRICS_TOKEN: z.string().min(24, 'at least 24 characters').optional(),
  OPERATOR_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  INVOICE_PREFIX: z.string().max(20).regex(/^[A-Za-z0-9_/.-]*$/, 'letters, digits and _ / . - only').default('WC-'),
  FISCAL_RETENTION_YEARS: z.coerce.number().int().min(7, 'at least 7 (Art. 52 AWR)').max(30).default(7),
  RETENTION_CRON: z.string().min(9).default('0 3 * * *'),
  RETENTION_INACTIVE_DAYS: z.coerce.number().int().min(1).max(36500).default(730),
  RETENTION_MAX_FRACTION: z.coerce.number().gt(0).max(1).default(0.2),
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be smtp:// or smtps:// (e.g. smtp://user:pass@mail.example.nl:587)' }).optional(),
  MAIL_FROM: z.string().min(3).max(320).default('privacy@shop.example'),
  MAIL_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  SHOP_NAME: z.string().min(1).max(100).default('De webwinkel'),
  EXPORT_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  WC_ERASE_WRITEBACK: z.enum(['true', 'false', '1', '0']).default('false'),
  OPERATOR_EMAIL: z.email('an email address').optional(),
  ALERT_BACKLOG_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  ALERT_RECONCILE_LAG_HOURS: z.coerce.number().gt(0).max(720).default(2),
});

/** '5m' → 300000; a bare number is seconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(v);
  if (!m) throw new ConfigError(`not a duration: ${v}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000;
  return Number(m[1]) * unit;
}

/** Read at start-up, not first at the shop's first request (after migrations), and named when it is no PEM file. */
function checkCaFile(path: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`WC_CA_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`WC_CA_FILE: ${path} holds no PEM certificate`);
}

/**
 * Five cron fields (minute hour day month weekday), parsed by the parser BullMQ schedules with: a value it would
 * refuse only when the schedulers are set up (an hour 25) would leave the sweep and every later schedule unset.
 */
function checkCron(v: string): string {
  const bad = () => new ConfigError(`RETENTION_CRON: expected five valid cron fields (minute hour day month weekday), e.g. "0 3 * * *"`);
  if (!/^\S+( \S+){4}$/.test(v.trim())) throw bad();
  try {
    CronExpressionParser.parse(v.trim(), { tz: 'Europe/Amsterdam' });
  } catch {
    throw bad();
  }
  return v.trim();
}

export type Env = z.infer<typeof envSchema>;

export interface Config {
  nodeEnv: Env['NODE_ENV'];
  port: number;
  host: string;
  /** The service's database: DATABASE_URL, or the embedded Postgres started in DATA_DIR/pg when it is unset. */
  databaseUrl: string;
  /** null: the job queues run on BullMQ's Postgres backend in the same database (zero-setup mode). */
  redisUrl: string | null;
  queuePrefix: string;
  dataDir: string;
  logLevel: Env['LOG_LEVEL'];
  /** Filled by resolveSecrets(): from the environment, or generated once outside production. */
  secrets: { webhookSecret: string; adminToken: string; pseudonymKey: string; fiscalToken: string | null; metricsToken: string | null };
  /** Operator accounts' tokens expire after this many days (P4). */
  operatorTokenTtlDays: number;
  /** Normalised X-WC-Webhook-Source values; null accepts every source. */
  sourceAllowlist: string[] | null;
  policyVersion: string;
  rawPayloadRetentionDays: number;
  mirrorConcurrency: number;
  shutdownTimeoutMs: number;
  /** The shop's REST API; null when WC_URL is not set (webhooks only: no re-fetch, backfill or reconciliation). */
  woo: { url: string; consumerKey: string; consumerSecret: string; caFile: string | null; timeoutMs: number } | null;
  reconcileEveryMs: number;
  publicUrl: string | null;
  webhooksAutorepair: boolean;
  /** Invoice number = invoicePrefix + order number (shared with the accounting push). */
  invoicePrefix: string;
  fiscalRetentionYears: number;
  /** Retention sweep: cron (Europe/Amsterdam), inactivity in days, and the interlock's largest fraction of people. */
  retention: { cron: string; inactiveDays: number; maxFraction: number };
  /** Snelstart, PostNL and the review site (processors/processors.config.ts). */
  processors: ProcessorsConfig;
  /** Data-subject requests: mail (SMTP outbox), export lifetime, shop name in mails and exports. */
  dsr: { smtpUrl: string | null; mailFrom: string; mailRetentionDays: number; shopName: string; exportTtlDays: number; eraseWriteback: boolean };
  /** Alerts to a human (OPERATOR_EMAIL; unset: logged only). */
  alerts: { operatorEmail: string | null; backlogMinutes: number; reconcileLagHours: number };
}

export class ConfigError extends Error {}

/** Sources compare without trailing slashes and case, since WooCommerce sends home_url('/'). */
export function normaliseSource(source: string): string {
  return source.trim().toLowerCase().replace(/\/+$/, '');
}

/** Reads `.env` (if present) into process.env without overriding what is already set. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/** The environment parsed; DATABASE_URL may still be unset (the embedded Postgres fills it in at start). */
export type ParsedEnv = Omit<Config, 'secrets' | 'databaseUrl'> & { databaseUrl: string | null; rawSecrets: Partial<Config['secrets']> };

/** Parses the environment; secrets are left empty for resolveSecrets() to fill. Throws ConfigError naming each bad variable. */
export function parseEnv(env: NodeJS.ProcessEnv): ParsedEnv {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production') {
    const absent = (['WC_WEBHOOK_SECRET', 'ADMIN_TOKEN', 'PSEUDONYM_KEY'] as const).filter((k) => !e[k]);
    if (absent.length) throw new ConfigError(`required when NODE_ENV=production: ${absent.join(', ')}`);
  }
  if (e.FISCAL_TOKEN && e.FISCAL_TOKEN === e.ADMIN_TOKEN) {
    throw new ConfigError('FISCAL_TOKEN: must differ from ADMIN_TOKEN (P13: operators do not read the fiscal archive)');
  }
  if (e.WC_URL && (!e.WC_CONSUMER_KEY || !e.WC_CONSUMER_SECRET)) {
    throw new ConfigError('WC_CONSUMER_KEY and WC_CONSUMER_SECRET are required when WC_URL is set');
  }
  if (e.WC_CA_FILE) checkCaFile(e.WC_CA_FILE);
  const processors = parseProcessorsEnv(cleaned);
  if (processors.problems.length) throw new ConfigError(`invalid configuration:\n${processors.problems.map((p) => `  ${p}`).join('\n')}`);
  const reconcileEveryMs = parseDuration(e.RECONCILE_EVERY);
  if (reconcileEveryMs < 10_000) throw new ConfigError('RECONCILE_EVERY: at least 10s');
  const allow = e.WC_SOURCE_ALLOWLIST?.split(',').map(normaliseSource).filter(Boolean) ?? [];
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL ?? null,
    redisUrl: e.REDIS_URL ?? null,
    queuePrefix: e.QUEUE_PREFIX,
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    rawSecrets: {
      webhookSecret: e.WC_WEBHOOK_SECRET, adminToken: e.ADMIN_TOKEN, pseudonymKey: e.PSEUDONYM_KEY, fiscalToken: e.FISCAL_TOKEN, metricsToken: e.METRICS_TOKEN,
    },
    operatorTokenTtlDays: e.OPERATOR_TOKEN_TTL_DAYS,
    sourceAllowlist: allow.length ? allow : null,
    policyVersion: e.POLICY_VERSION,
    rawPayloadRetentionDays: e.RAW_PAYLOAD_RETENTION_DAYS,
    mirrorConcurrency: e.MIRROR_CONCURRENCY,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    woo: e.WC_URL
      ? { url: e.WC_URL, consumerKey: e.WC_CONSUMER_KEY!, consumerSecret: e.WC_CONSUMER_SECRET!, caFile: e.WC_CA_FILE ?? null, timeoutMs: e.WC_TIMEOUT_MS }
      : null,
    reconcileEveryMs,
    publicUrl: e.PUBLIC_URL ?? null,
    webhooksAutorepair: e.WC_WEBHOOKS_AUTOREPAIR === 'true' || e.WC_WEBHOOKS_AUTOREPAIR === '1',
    invoicePrefix: e.INVOICE_PREFIX,
    fiscalRetentionYears: e.FISCAL_RETENTION_YEARS,
    retention: { cron: checkCron(e.RETENTION_CRON), inactiveDays: e.RETENTION_INACTIVE_DAYS, maxFraction: e.RETENTION_MAX_FRACTION },
    processors: processors.config,
    dsr: {
      smtpUrl: e.SMTP_URL ?? null, mailFrom: e.MAIL_FROM, mailRetentionDays: e.MAIL_RETENTION_DAYS, shopName: e.SHOP_NAME,
      exportTtlDays: e.EXPORT_TTL_DAYS, eraseWriteback: e.WC_ERASE_WRITEBACK === 'true' || e.WC_ERASE_WRITEBACK === '1',
    },
    alerts: { operatorEmail: e.OPERATOR_EMAIL ?? null, backlogMinutes: e.ALERT_BACKLOG_MINUTES, reconcileLagHours: e.ALERT_RECONCILE_LAG_HOURS },
  };
}
