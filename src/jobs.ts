import { createHash } from 'node:crypto';

/** Queue and job names, and what each job carries: ids only, never personal data. */

export const QueueName = {
  Mirror: 'mirror',
  Maintenance: 'maintenance',
  /** Work against the shop's REST API: re-fetch, backfill, reconciliation, webhook health. */
  Sync: 'sync',
  /** One queue per processor, each with its own rate limit. */
  PushSnelstart: 'push-snelstart',
  PushPostnl: 'push-postnl',
  PushReviews: 'push-reviews',
  /** The mail outbox's sender (not the maintenance queue: a long sweep must not hold up a verification code). */
  Mail: 'mail',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  MirrorDelivery: 'mirror-delivery',
  MirrorBatch: 'mirror-batch',
  PurgeInbox: 'purge-inbox',
  RefetchResource: 'refetch-resource',
  ReconcileOrders: 'reconcile-orders',
  ReconcileCustomers: 'reconcile-customers',
  Backfill: 'backfill',
  CheckWebhooks: 'check-webhooks',
  RetentionSweep: 'retention-sweep',
  PushSnelstart: 'push-snelstart',
  PushPostnl: 'push-postnl',
  PushReviews: 'push-reviews',
  RelayPushes: 'relay-pushes',
  PurgeLabels: 'purge-labels',
  SendMail: 'send-mail',
  PurgePrivacyData: 'purge-privacy-data',
  CheckAlerts: 'check-alerts',
  AlertDigest: 'alert-digest',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

export interface JobPayloads {
  [JobName.MirrorDelivery]: { inboxId: number };
  [JobName.MirrorBatch]: { inboxIds: number[] };
  [JobName.PurgeInbox]: Record<string, never>;
  [JobName.RefetchResource]: { resource: 'order' | 'customer'; wcId: number };
  [JobName.ReconcileOrders]: Record<string, never>;
  [JobName.ReconcileCustomers]: Record<string, never>;
  [JobName.Backfill]: { restart?: boolean };
  [JobName.CheckWebhooks]: { repair?: boolean };
  /** Without sweepId (the daily scheduler) a new sweep is created; with it, that sweep runs or resumes. */
  [JobName.RetentionSweep]: { sweepId?: string };
  [JobName.PushSnelstart]: { syncId: number };
  [JobName.PushPostnl]: { syncId: number };
  [JobName.PushReviews]: { syncId: number };
  [JobName.RelayPushes]: Record<string, never>;
  [JobName.PurgeLabels]: Record<string, never>;
  [JobName.SendMail]: Record<string, never>;
  [JobName.PurgePrivacyData]: Record<string, never>;
  [JobName.CheckAlerts]: Record<string, never>;
  [JobName.AlertDigest]: Record<string, never>;
}

/**
 * Deliveries relayed together travel in one mirror-batch job (BullMQ's per-job cost dominated the mirror);
 * a lone delivery, and a poison one split out of a batch, travel as mirror-delivery.
 */
export const MIRROR_BATCH_SIZE = 50;

/** One place builds job ids, so a relay pass repeated after a crash adds nothing twice. */
export const jobId = {
  mirrorDelivery: (inboxId: number, pass = '') => `inbox-${inboxId}${pass}`,
  /** A hash of every id: two different sets never share a job id. `pass` marks a re-relay (see relay.ts). */
  mirrorBatch: (ids: number[], pass = '') => `inbox-b-${createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 24)}${pass}`,
  refetch: (resource: string, wcId: number, inboxId: number) => `refetch-${resource}-${wcId}-${inboxId}`,
  retentionSweep: (sweepId: string) => `sweep-${sweepId}`,
  /** Unique per enqueue: an operator's retry must not be swallowed by the finished job of an earlier attempt. */
  push: (syncId: number, at: number) => `push-${syncId}-${at}`,
};
