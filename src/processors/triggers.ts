import type { ProcessorId } from './types.js';

/**
 * Which pushes an order's current state calls for (pure). State-based, so repeating it is harmless: a push that
 * already has a sync record is never planned again. Only deliveries seen live (not backfilled history) and orders
 * modified at or after PROCESSORS_START_AT trigger anything — and only for what happened since: an order paid before
 * it is not booked or shipped, one completed before it is not invited (the shop handled those without this service;
 * a later change, such as a refund, must not send a second label for a parcel long delivered).
 */

export type PushKind = 'booking' | 'credit' | 'shipment' | 'invitation';

export interface OrderForPlanning {
  orderId: number;
  status: string;
  dateModified: string | null;
  /** When it was paid and completed (UTC ISO), as WooCommerce says; null if not (yet). */
  datePaid: string | null;
  dateCompleted: string | null;
  /** Where the delivery that was just applied came from; a backfill never triggers. */
  origin: string;
  shippingMethodIds: string[];
  refundIds: number[];
  /** P10: consent to a review invitation as it stands now (the API's latest record, else the checkout checkbox). */
  reviewConsent: boolean;
}

export interface ExistingSync {
  id: number;
  processor: ProcessorId;
  kind: PushKind;
  ref: string;
  status: string;
  reason?: string | null;
  /** When the push was (or would have been) due. */
  runAt?: string;
}

export interface TriggerSettings {
  startAt: Date;
  skipMethods: string[];
  reviewDelayMs: number;
  now: Date;
  /** Processors with credentials; the others are skipped (one log line at start-up, not an error per order). */
  enabled: Set<ProcessorId>;
}

export interface PlannedPush {
  processor: ProcessorId;
  kind: PushKind;
  ref: string;
  runAt: Date;
  /** Recorded as skipped with this reason instead of queued (an invitation without consent). */
  skipped?: string;
}

export interface Plan {
  create: PlannedPush[];
  /** Pending or held invitations of an order cancelled or refunded before they went. */
  drop: { id: number; reason: string }[];
  /** Invitations skipped for want of consent that is given now, while they are not due yet: pending again. */
  revive: number[];
}

const PAID = new Set(['processing', 'completed']);
const CANCELLED = new Set(['cancelled', 'refunded', 'failed', 'trash']);

export function planPushes(o: OrderForPlanning, existing: ExistingSync[], s: TriggerSettings): Plan {
  const plan: Plan = { create: [], drop: [], revive: [] };
  if (o.origin === 'backfill') return plan;
  if (!o.dateModified || Date.parse(o.dateModified) < s.startAt.getTime()) return plan;
  const has = (processor: ProcessorId, kind: PushKind, ref = '') => existing.some((e) => e.processor === processor && e.kind === kind && e.ref === ref);
  const add = (processor: ProcessorId, kind: PushKind, ref = '', runAt = s.now, skipped?: string) => {
    if (s.enabled.has(processor) && !has(processor, kind, ref)) plan.create.push({ processor, kind, ref, runAt, ...(skipped && { skipped }) });
  };

  const booked = has('snelstart', 'booking');
  const since = (at: string | null) => at === null || Date.parse(at) >= s.startAt.getTime();
  // Paid (or, cash on delivery, completed) before the start: booked and shipped by the shop's earlier routine.
  const paidSince = since(o.datePaid ?? o.dateCompleted);
  if (PAID.has(o.status) && paidSince) {
    add('snelstart', 'booking');
    const shipped = o.shippingMethodIds.some((m) => !s.skipMethods.includes(m));
    if (shipped) add('postnl', 'shipment');
  }
  if (o.status === 'completed' && since(o.dateCompleted)) {
    // P10: no consent now → skipped at once, visibly; consent given before the invitation would have gone revives it.
    // The step checks consent again when it runs, so a consent withdrawn meanwhile stops it.
    add('reviews', 'invitation', '', new Date(s.now.getTime() + s.reviewDelayMs), o.reviewConsent ? undefined : 'no_consent');
    if (o.reviewConsent) {
      for (const e of existing) {
        const notDueYet = e.runAt !== undefined && Date.parse(e.runAt) > s.now.getTime();
        if (e.processor === 'reviews' && e.kind === 'invitation' && e.status === 'skipped' && e.reason === 'no_consent' && notDueYet) plan.revive.push(e.id);
      }
    }
  }
  // A credit booking needs the invoice it corrects (booked now or before).
  const willBook = booked || plan.create.some((p) => p.processor === 'snelstart' && p.kind === 'booking');
  if (willBook) for (const id of o.refundIds) add('snelstart', 'credit', String(id));
  if (CANCELLED.has(o.status)) {
    for (const e of existing) {
      if (e.processor === 'reviews' && e.kind === 'invitation' && (e.status === 'pending' || e.status === 'held')) {
        plan.drop.push({ id: e.id, reason: `order ${o.status} before the invitation went` });
      }
    }
  }
  return plan;
}
