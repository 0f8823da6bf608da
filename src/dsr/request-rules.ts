/**
 * Pure rules of data-subject requests (GDPR Art. 12): due dates, which step may follow which, the one extension.
 */

export const REQUEST_TYPES = ['access', 'portability', 'rectification', 'restriction', 'objection', 'erasure'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];
export type RequestStatus = 'received' | 'awaiting_verification' | 'in_progress' | 'completed' | 'rejected';

const DAY_MS = 86_400_000;
export const ANSWER_DAYS = 30;
export const MAX_EXTENSION_DAYS = 61; // "by two further months" (Art. 12(3))

/** Minutes Europe/Amsterdam is ahead of UTC at `at` (60 in winter, 120 in summer). */
function amsterdamOffsetMinutes(at: Date): number {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Amsterdam', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(at).map((x) => [x.type, x.value]));
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/**
 * `days` calendar days later in Amsterdam, at the same wall-clock time: across a change to or from summer time, 30
 * days are 719 or 721 hours, and the date the requester is told is the 30th day, not the day after or before.
 */
export function addAmsterdamDays(at: Date, days: number): Date {
  const wall = at.getTime() + amsterdamOffsetMinutes(at) * 60_000 + days * DAY_MS;
  // The offset at the target: guessed from the start's, then corrected once. A wall time in the spring gap has no
  // consistent offset: it keeps the guess, the same time an hour on (02:30 becomes 03:30).
  const guess = new Date(wall - amsterdamOffsetMinutes(at) * 60_000);
  const offset = amsterdamOffsetMinutes(guess);
  const corrected = new Date(wall - offset * 60_000);
  return amsterdamOffsetMinutes(corrected) === offset ? corrected : guess;
}

export const dueAtOf = (receivedAt: Date): Date => addAmsterdamDays(receivedAt, ANSWER_DAYS);

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
