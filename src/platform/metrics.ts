import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process; labels are fixed enums, never personal data. Capabilities add their metrics here. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    webhookDeliveries: new Counter({
      name: 'woo_webhook_deliveries_total',
      help: 'Webhook deliveries by response status (accepted, duplicate, ignored, rejected)',
      labelNames: ['status', 'reason'] as const,
      registers: [registry],
    }),
    intakeBatchSize: new Histogram({
      name: 'woo_intake_batch_size',
      help: 'Deliveries committed per inbox INSERT',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200],
      registers: [registry],
    }),
    relayedJobs: new Counter({ name: 'woo_relay_jobs_total', help: 'Inbox rows moved into the queue', registers: [registry] }),
    relayErrors: new Counter({ name: 'woo_relay_errors_total', help: 'Relay passes that could not reach the queue', registers: [registry] }),
    inboxBacklog: new Gauge({
      name: 'woo_inbox_backlog',
      help: 'Inbox rows not yet relayed to the queue / not yet processed',
      labelNames: ['stage'] as const,
      registers: [registry],
    }),
    mirrorOutcomes: new Counter({
      name: 'woo_mirror_deliveries_total',
      help: 'Deliveries handled by the mirror worker, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    reconcileMissed: new Counter({
      name: 'woo_reconcile_missed_total',
      help: 'Changes reconciliation found that webhooks had not delivered (the shop webhook health number)',
      labelNames: ['resource'] as const,
      registers: [registry],
    }),
    reconcileWatermark: new Gauge({
      name: 'woo_reconcile_watermark_seconds',
      help: 'Unix time up to which order changes are known to be in the inbox',
      registers: [registry],
    }),
    shopWebhooks: new Gauge({
      name: 'woo_shop_webhooks',
      help: "The shop's webhooks for this service by state (ok, missing, paused, disabled, mismatch)",
      labelNames: ['state'] as const,
      registers: [registry],
    }),
    wooRequests: new Counter({
      name: 'woo_rest_requests_total',
      help: 'Requests to the shop REST API by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    mirrorBatchSize: new Histogram({
      name: 'woo_mirror_batch_size',
      help: 'Deliveries applied per mirror transaction',
      buckets: [1, 2, 5, 10, 25, 50, 100, 200, 500],
      registers: [registry],
    }),
    mirrorFastPath: new Counter({
      name: 'woo_mirror_fast_path_total',
      help: 'Runs of order deliveries applied set-based (used) or handed to the one-by-one path (declined)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    erasures: new Counter({
      name: 'woo_erasures_total', help: 'Persons erased, by reason (request, retention, operator, replay)',
      labelNames: ['reason'] as const, registers: [registry],
    }),
    retentionSweeps: new Counter({
      name: 'woo_retention_sweeps_total', help: 'Retention sweeps finished, by status', labelNames: ['status'] as const, registers: [registry],
    }),
    retentionBlocked: new Counter({
      name: 'woo_retention_interlock_total', help: 'Sweeps the safety interlock held back, by reason',
      labelNames: ['reason'] as const, registers: [registry],
    }),
    inboxPurged: new Counter({ name: 'woo_inbox_purged_total', help: 'Raw payloads purged after retention (P1)', registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
