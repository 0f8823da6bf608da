import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { type Pool, createPool } from './platform/db.js';
import { safeError } from './platform/logger.js';
import { createMetrics, type Metrics } from './platform/metrics.js';
import { createQueueBackend, createQueues } from './platform/queues.js';
import { createIntakeService } from './intake/intake.service.js';
import { createRelay } from './intake/relay.js';
import { createMirrorService } from './mirror/mirror.service.js';
import { createWooClient } from './woo/woo-client.js';
import { createReconcileService } from './reconcile/reconcile.service.js';
import { createBackfillService } from './backfill/backfill.service.js';
import { createShopWebhooksService } from './shop-webhooks/webhooks.service.js';
import type { SyncServices } from './sync/sync.jobs.js';
import { type Clock, systemClock } from './platform/clock.js';
import { subjectKeyer } from './erasure/subject-key.js';
import { createEraseSubject } from './erasure/erase-subject.js';
import { removeFinishedJobsOfErased } from './erasure/job-data.js';
import { createRetentionService } from './retention/sweep.service.js';
import { readMirrorHealth } from './retention/mirror-health.js';
import { type PushClients } from './processors/push.service.js';
import { createProcessorServices } from './processors/processors.deps.js';
import { createErasureFanOut } from './processors/erasure-fanout.js';
import { processorRegister } from './processors/register.js';
import { createRequestsService } from './dsr/requests.service.js';
import { createRightsService } from './dsr/rights.service.js';
import { reapplyOverlays } from './dsr/rectification.js';
import { JobName } from './jobs.js';
import { createAlerts } from './alerts/alerts.service.js';

/** Composition root shared by the API and the workers. Tests pass their own pool (schema per file). */
export function createDeps(
  config: Config,
  log: Logger,
  overrides: { pool?: Pool; wooCa?: string; clock?: Clock; processorClients?: Partial<PushClients> } = {},
) {
  const pool = overrides.pool ?? createPool(config.databaseUrl, { max: 20 });
  const clock = overrides.clock ?? systemClock;
  const subjectKey = subjectKeyer(config.secrets.pseudonymKey);
  const metrics = createMetrics();
  const queues = createQueues(createQueueBackend({ redisUrl: config.redisUrl, databaseUrl: config.databaseUrl, prefix: config.queuePrefix }));
  const relay = createRelay({ pool, queues, log: log.child({ component: 'relay' }), metrics });
  const onIngested = () => void relay.kick();
  const intake = createIntakeService({ pool, metrics, onCommitted: (ids) => relay.relayClaimed(ids) });
  const sync = createSyncServices(config, log, { pool, metrics, onIngested, ca: overrides.wooCa });
  const processors = createProcessorServices(config, log, { pool, queues, clock, overrides: overrides.processorClients });
  const mirror = createMirrorService({
    pool, policyVersion: config.policyVersion, log: log.child({ component: 'mirror' }), metrics, refetchEnabled: sync !== null, subjectKey,
    fiscal: { prefix: config.invoicePrefix, years: config.fiscalRetentionYears },
    consentMetaKey: config.processors.consentMetaKey,
    onOrdersApplied: processors.enabled.size ? processors.planner : undefined,
    afterCommit: processors.enabled.size ? () => processors.relay.kick() : undefined,
    beforeCommit: reapplyOverlays,
  });
  const erasureSettings = { dataDir: config.dataDir, fiscal: { prefix: config.invoicePrefix, years: config.fiscalRetentionYears } };
  const afterErasure = async () => {
    // Held bookings the law requires were put back in the outbox by the erasure: queued now, not at the next minute.
    if (processors.enabled.size) processors.relay.kick();
    if (queues.isReady()) await removeFinishedJobsOfErased(pool, queues.all);
  };
  const fanOut = createErasureFanOut({ pool, reviews: processors.clients.reviews, log: log.child({ component: 'erasure-fanout' }) });
  const eraseSubject = createEraseSubject({
    pool, settings: erasureSettings, subjectKey, clock, afterErasure, fanOut, onErased: (reason, n) => metrics.erasures.inc({ reason }, n),
    onLedgerError: (err) => log.warn({ err: safeError(err) }, 'erasure ledger not written; the next erasure, sweep or start appends it'),
  });
  const retention = createRetentionService({
    pool, log: log.child({ component: 'retention' }), metrics, clock, erasure: erasureSettings,
    inactiveDays: config.retention.inactiveDays, maxFraction: config.retention.maxFraction,
    rawPayloadRetentionDays: config.rawPayloadRetentionDays, afterErasure, fanOut,
    mirrorHealth: () => readMirrorHealth(pool, clock, sync !== null),
  });

  const register = processorRegister({ reviewsProvider: config.processors.reviewsProvider });
  // After a commit that queued mail or pushes: the outbox's sender runs now, not at its next scheduled pass.
  const kick = () => {
    processors.relay.kick();
    if (queues.isReady()) {
      void queues.mail.add(JobName.SendMail, {}, { deduplication: { id: 'send-mail-now', keepLastIfActive: true }, removeOnComplete: true, removeOnFail: true })
        .catch(() => undefined);
    }
  };
  const alerts = createAlerts({
    pool, clock, log: log.child({ component: 'alerts' }), operatorEmail: config.alerts.operatorEmail, shopName: config.dsr.shopName,
    thresholds: { backlogMinutes: config.alerts.backlogMinutes, reconcileLagHours: config.alerts.reconcileLagHours }, kick,
  });
  const requests = createRequestsService({
    pool, clock, log: log.child({ component: 'dsr' }), subjectKey, publicUrl: config.publicUrl ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`, shopName: config.dsr.shopName, kick,
    release: (personId) => processors.push.releaseFor(personId),
  });
  const rights = createRightsService({
    pool, clock, log: log.child({ component: 'dsr' }), requests, push: processors.push, eraseSubject, woo: sync?.woo ?? null, register,
    shopName: config.dsr.shopName, policyVersion: config.policyVersion, invoicePrefix: config.invoicePrefix, exportTtlDays: config.dsr.exportTtlDays, eraseWriteback: config.dsr.eraseWriteback,
    retention: { inactiveDays: config.retention.inactiveDays, fiscalYears: config.fiscalRetentionYears, labelDays: config.processors.labelRetentionDays, rawPayloadDays: config.rawPayloadRetentionDays },
    kick,
  });

  return {
    config, log, pool, clock, register, requests, rights, kick, alerts, subjectKey, metrics, queues, relay, intake, mirror, sync, onIngested, eraseSubject, retention, processors,
    /** Closes what createDeps opened, after the HTTP server and workers have stopped. */
    async close() {
      await relay.stop();
      await queues.close();
      await queues.backend.close();
      sync?.woo.close();
      if (!overrides.pool) await pool.end();
    },
  };
}

/** The shop's REST API and what uses it; null when WC_URL is not configured (webhooks-only mode). */
function createSyncServices(
  config: Config,
  log: Logger,
  d: { pool: Pool; metrics: Metrics; onIngested: () => void; ca?: string },
): SyncServices | null {
  if (!config.woo) return null;
  const ca = d.ca ?? (config.woo.caFile ? readFileSync(config.woo.caFile, 'utf8') : null);
  const woo = createWooClient({ ...config.woo, ca, log: log.child({ component: 'woo-client' }), metrics: d.metrics });
  const common = { pool: d.pool, woo, onIngested: d.onIngested };
  return {
    woo,
    reconcile: createReconcileService({ ...common, log: log.child({ component: 'reconcile' }), metrics: d.metrics }),
    backfill: createBackfillService({ ...common, log: log.child({ component: 'backfill' }) }),
    webhooks: createShopWebhooksService({
      pool: d.pool, woo, log: log.child({ component: 'shop-webhooks' }), metrics: d.metrics,
      publicUrl: config.publicUrl, secret: config.secrets.webhookSecret, autorepair: config.webhooksAutorepair,
    }),
  };
}

export type Deps = ReturnType<typeof createDeps>;
