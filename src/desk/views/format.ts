/** Pure formatting for the desk: dates in the shop's time zone, days left, counts. */

const DAY_MS = 86_400_000;
const DATE = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', day: 'numeric', month: 'short', year: 'numeric' });
const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Amsterdam', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false,
});

const toDate = (d: Date | string | null | undefined): Date | null => (d === null || d === undefined ? null : d instanceof Date ? d : new Date(d));

/** "5 Mar 2026" (Amsterdam); an em dash when absent. */
export function fmtDate(d: Date | string | null | undefined): string {
  const v = toDate(d);
  return v && !Number.isNaN(v.getTime()) ? DATE.format(v) : '—';
}

/** "5 Mar 2026, 14:03" (Amsterdam); an em dash when absent. */
export function fmtDateTime(d: Date | string | null | undefined): string {
  const v = toDate(d);
  return v && !Number.isNaN(v.getTime()) ? DATE_TIME.format(v) : '—';
}

/** Machine-readable value for <time datetime>. */
export const isoOf = (d: Date | string | null | undefined): string => toDate(d)?.toISOString() ?? '';

/**
 * Whole days until `due`, rounded up: 1.2 days left reads "2 days left" (the deadline is the end of that span);
 * negative once past due.
 */
export function daysLeft(due: Date, now: Date): number {
  return Math.ceil((due.getTime() - now.getTime()) / DAY_MS);
}

/** "12 days left", "less than a day left", "3 days overdue". */
export function daysLeftText(due: Date, now: Date): string {
  const n = daysLeft(due, now);
  if (due.getTime() < now.getTime()) {
    const over = Math.max(1, -n);
    return `${over} day${over === 1 ? '' : 's'} overdue`;
  }
  if (due.getTime() - now.getTime() < DAY_MS) return 'less than a day left';
  return `${n} day${n === 1 ? '' : 's'} left`;
}

/** "4 min", "2 h 5 min", "3 d 4 h" — for lags in seconds; an em dash when unknown. */
export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Labels for the request types and statuses, as operators say them. */
export const TYPE_LABEL: Record<string, string> = {
  access: 'Access', portability: 'Portability', rectification: 'Rectification', restriction: 'Restriction', objection: 'Objection', erasure: 'Erasure',
};
export const STATUS_LABEL: Record<string, string> = {
  received: 'Received', awaiting_verification: 'Awaiting verification', in_progress: 'In progress', completed: 'Completed', rejected: 'Rejected',
};
