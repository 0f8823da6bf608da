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
      help: 'Deliveries handled by the mirror worker, by topic (a handled WooCommerce topic or other) and outcome',
      labelNames: ['topic', 'outcome'] as const,
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
    // Issue 7. Observed where the event happens (intake, workers) or read from Postgres and Redis on each scrape
    // (src/platform/scrape-collectors.ts), so a split API/worker deployment still shows the stored state.
    intakeLatency: new Histogram({
      name: 'woo_intake_latency_seconds', help: 'Time from a webhook request arriving to its 200 answer, by status',
      labelNames: ['status'] as const, buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
    }),
    queueJobs: new Gauge({
      name: 'woo_queue_jobs', help: 'Jobs per queue and state (waiting, active, delayed, prioritized, failed, waiting-children)',
      labelNames: ['queue', 'state'] as const, registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'woo_job_duration_seconds', help: 'How long a job ran, by queue, job name and outcome (completed, failed)',
      labelNames: ['queue', 'job', 'outcome'] as const, buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800], registers: [registry],
    }),
    pushesFailed: new Gauge({
      name: 'woo_pushes_failed', help: 'Pushes to a processor that failed for good and wait for an operator, by processor',
      labelNames: ['processor'] as const, registers: [registry],
    }),
    processorErasuresOpen: new Gauge({
      name: 'woo_processor_erasures_open', help: 'Processor erasures (Art. 19) an operator must finish by hand, by status (failed, manual_required)',
      labelNames: ['status'] as const, registers: [registry],
    }),
    mailsFailed: new Gauge({
      name: 'woo_subject_mails_failed', help: 'Mails to data subjects that failed for good and were not sent again (answers that did not arrive)',
      registers: [registry],
    }),
    privacyRequestsOpen: new Gauge({ name: 'woo_privacy_requests_open', help: 'Privacy requests not yet completed or rejected', registers: [registry] }),
    privacyRequestsOverdue: new Gauge({ name: 'woo_privacy_requests_overdue', help: 'Open privacy requests past their due date', registers: [registry] }),
    privacyRequestsDueSoon: new Gauge({
      name: 'woo_privacy_requests_due_soon', help: 'Open privacy requests due within 7 days, overdue ones included', registers: [registry],
    }),
    retentionLastErased: new Gauge({
      name: 'woo_retention_last_sweep_persons_erased', help: 'Persons erased by the last completed retention sweep', registers: [registry],
    }),
    retentionRecent: new Gauge({
      name: 'woo_retention_sweeps_recent', help: 'Retention sweeps finished in the last 24 hours, by status (completed, failed, blocked)',
      labelNames: ['status'] as const, registers: [registry],
    }),
    reconcileLag: new Gauge({
      name: 'woo_reconcile_lag_seconds', help: 'Seconds since the reconciliation last ran, by resource (absent until it has run)',
      labelNames: ['resource'] as const, registers: [registry],
    }),
    inboxOldest: new Gauge({
      name: 'woo_inbox_oldest_unprocessed_seconds', help: 'Age of the oldest webhook delivery not yet applied (0 when none)', registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
