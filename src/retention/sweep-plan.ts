/**
 * Pure rules of the retention sweep (P13): the cutoff, the fiscal "today", and the safety interlock.
 * WooCommerce measures from order creation and skips processing orders; here a person is due when their last
 * transaction or contact — whatever the order status — is older than the cutoff.
 */

const DAY_MS = 86_400_000;

/** cutoff = sweep creation − inactiveDays; due iff last activity < cutoff (exactly at the cutoff is kept). */
export function cutoffOf(createdAt: Date, inactiveDays: number): Date {
  return new Date(createdAt.getTime() - inactiveDays * DAY_MS);
}

/** The calendar date in Europe/Amsterdam (fiscal terms end on a Dutch date), as YYYY-MM-DD. */
export function amsterdamDate(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** retain_until = 31 December of the invoice's fiscal (calendar) year + the legal term. Same rule as the archive SQL. */
export function retainUntil(invoiceDate: Date, years: number): string {
  return `${Number(amsterdamDate(invoiceDate).slice(0, 4)) + years}-12-31`;
}

export type InterlockReason = 'webhook_disabled' | 'reconciliation_lag' | 'reconciliation_never_ran' | 'too_many_due';

export interface MirrorHealth {
  /** Shop webhooks of ours that are not delivering (disabled, paused, missing); null when unknown. */
  webhooksNotDelivering: string[] | null;
  /** Seconds since the last completed order reconciliation; null when none ran; undefined without WC_URL. */
  reconciliationLagSeconds: number | null | undefined;
}

export const MAX_RECONCILIATION_LAG_SECONDS = 24 * 3600;

/**
 * Why a sweep must only preview: the mirror is known to be incomplete (a person's latest order may be missing,
 * so they would look inactive), or the run would erase an unusual share of everyone. Empty = safe to run.
 */
export function interlockReasons(h: MirrorHealth, due: number, total: number, maxFraction: number): InterlockReason[] {
  const reasons: InterlockReason[] = [];
  if (h.webhooksNotDelivering?.length) reasons.push('webhook_disabled');
  if (h.reconciliationLagSeconds === null) reasons.push('reconciliation_never_ran');
  else if (h.reconciliationLagSeconds !== undefined && h.reconciliationLagSeconds > MAX_RECONCILIATION_LAG_SECONDS) reasons.push('reconciliation_lag');
  if (total > 0 && due / total > maxFraction) reasons.push('too_many_due');
  return reasons;
}
