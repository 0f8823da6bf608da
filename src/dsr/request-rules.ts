/**
 * Pure rules of data-subject requests (GDPR Art. 12): due dates, which step may follow which, the one extension.
 */

export const REQUEST_TYPES = ['access', 'portability', 'rectification', 'restriction', 'objection', 'erasure'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];
export type RequestStatus = 'received' | 'awaiting_verification' | 'in_progress' | 'completed' | 'rejected';

const DAY_MS = 86_400_000;
export const ANSWER_DAYS = 30;
export const MAX_EXTENSION_DAYS = 61; // "by two further months" (Art. 12(3))

export const dueAtOf = (receivedAt: Date): Date => new Date(receivedAt.getTime() + ANSWER_DAYS * DAY_MS);

export const isOpen = (s: RequestStatus): boolean => s !== 'completed' && s !== 'rejected';

export const isOverdue = (r: { status: RequestStatus; dueAt: Date }, now: Date): boolean => isOpen(r.status) && r.dueAt.getTime() < now.getTime();

export type Refusal = { code: string; message: string };

/** An extension is allowed once, before the first due date, by at most 61 days; the client is told. */
export function checkExtension(r: { status: RequestStatus; extendedAt: Date | null; receivedAt: Date }, days: number, now: Date): Refusal | null {
  if (!isOpen(r.status)) return { code: 'request_closed', message: 'a closed request cannot be extended' };
  if (r.extendedAt) return { code: 'already_extended', message: 'a request can be extended only once' };
  if (now.getTime() >= dueAtOf(r.receivedAt).getTime()) return { code: 'past_due', message: 'the extension must be decided before the first due date' };
  if (!Number.isInteger(days) || days < 1 || days > MAX_EXTENSION_DAYS) return { code: 'bad_days', message: `days: 1 to ${MAX_EXTENSION_DAYS}` };
  return null;
}

/** Which statuses an action may start from. */
export const ALLOWED_FROM: Record<'verify' | 'complete' | 'reject' | 'decide' | 'lift', RequestStatus[]> = {
  verify: ['received', 'awaiting_verification'],
  // received / awaiting_verification: only for "no data held"; a known person must be verified (the service checks)
  complete: ['in_progress', 'received', 'awaiting_verification'],
  reject: ['received', 'awaiting_verification', 'in_progress'],
  decide: ['in_progress'],
  lift: ['completed'],
};
