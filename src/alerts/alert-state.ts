import type { Condition } from './conditions.js';

/**
 * De-duplication of alerts, kept in sync_state 'alerts.state'. Pure. A condition is mailed when it appears, and
 * again only when it brings an item not mailed before (another topic disabled, another push failed — for ranked
 * items, one newer than all mailed before); while it
 * holds unchanged, nothing is sent; once it clears it is forgotten, so a recurrence is mailed like a new one.
 */

export const STATE_KEY = 'alerts.state';

export interface AlertState {
  /** When the last check ran (the clock's time): failed or blocked sweeps are looked for from a little before it. */
  checkedAt: string | null;
  /** Conditions holding at the last check: key → the items already mailed. */
  active: Record<string, string[]>;
  /** The Europe/Amsterdam date of the last digest: one a day, even when the job is retried. */
  digestDate: string | null;
}

export const EMPTY_STATE: AlertState = { checkedAt: null, active: {}, digestDate: null };

/** Sweeps finished slightly before the last check are looked at again (a commit racing the check); dedup keeps them single. */
const SWEEP_OVERLAP_MS = 60 * 60_000;
/** On the very first check, sweeps of the last day count. */
const FIRST_WINDOW_MS = 24 * 3_600_000;

export function sweepsSince(state: AlertState, now: Date): Date {
  return state.checkedAt
    ? new Date(Math.min(Date.parse(state.checkedAt), now.getTime()) - SWEEP_OVERLAP_MS)
    : new Date(now.getTime() - FIRST_WINDOW_MS);
}

export interface Raised {
  condition: Condition;
  /** Its items not mailed before (all of them when the condition is new). */
  fresh: string[];
}

/** Which conditions to announce now, and the state to store afterwards. */
export function diff(prior: AlertState, conditions: Condition[], now: Date): { raise: Raised[]; cleared: string[]; next: AlertState } {
  const raise: Raised[] = [];
  for (const c of conditions) {
    const known = prior.active[c.key];
    if (!known) raise.push({ condition: c, fresh: c.items });
    else {
      const rank = c.rank;
      const newest = rank ? Math.max(...known.map(rank)) : 0;
      const fresh = c.items.filter((i) => (rank ? rank(i) > newest : !known.includes(i)));
      if (fresh.length) raise.push({ condition: c, fresh });
    }
  }
  const holding = new Set(conditions.map((c) => c.key));
  const cleared = Object.keys(prior.active).filter((k) => !holding.has(k));
  const next: AlertState = {
    ...prior,
    checkedAt: now.toISOString(),
    active: Object.fromEntries(conditions.map((c) => [c.key, c.items])),
  };
  return { raise, cleared, next };
}
