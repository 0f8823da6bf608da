import type { Logger } from 'pino';
import { type Pool, type PoolClient, withTransaction } from '../platform/db.js';
import type { Clock } from '../platform/clock.js';
import { enqueueMail } from '../mail/outbox.repository.js';
import type { AlertFacts, DueRequest, MailLang } from '../mail/templates.js';
import { getState, putState } from '../sync/sync-state.repository.js';
import { amsterdamDate } from '../retention/sweep-plan.js';
import { type Thresholds, evaluate } from './conditions.js';
import { type AlertState, EMPTY_STATE, STATE_KEY, diff, sweepsSince } from './alert-state.js';

/**
 * Alerts to a human (issue 7): OPERATOR_EMAIL gets one mail per new condition — a webhook of ours disabled, a
 * sweep failed or held back by the interlock, an inbox backlog, reconciliation lag, pushes failed for good — and a
 * daily digest of privacy requests due within 7 days. Mails go through the outbox in the same transaction as the
 * de-duplication state, so a crash neither loses an alert nor sends it twice. Without OPERATOR_EMAIL each alert
 * is one warning in the log instead. Mails and logs carry topics, counts and ids only.
 */

export interface AlertsDeps {
  pool: Pool;
  clock: Clock;
  log: Logger;
  /** OPERATOR_EMAIL; null: alerts are logged only. */
  operatorEmail: string | null;
  shopName: string;
  lang?: MailLang;
  thresholds?: Partial<Thresholds>;
  /** After a commit that queued mail: the sender runs now, not at its next scheduled pass (deps.kick). */
  kick?: () => void;
}

export const DEFAULT_THRESHOLDS: Thresholds = { backlogMinutes: 15, reconcileLagHours: 2 };
const DIGEST_DAYS = 7;
const DIGEST_LIMIT = 200;

/* $1 due before — open requests (duplicates follow their original, so they are left out) */
const DUE_SOON = /* sql */ `
  SELECT id::text AS id, due_at FROM privacy_requests
  WHERE linked_to IS NULL AND status NOT IN ('completed', 'rejected') AND due_at < $1
  ORDER BY due_at, id LIMIT ${DIGEST_LIMIT}`;

export function createAlerts(deps: AlertsDeps) {
  const thresholds: Thresholds = { ...DEFAULT_THRESHOLDS, ...deps.thresholds };
  const lang = deps.lang ?? 'nl';
  const log = deps.log.child({ component: 'alerts' });

  /** One check or digest at a time: both read and write the same state row. */
  async function locked<T>(fn: (db: PoolClient, state: AlertState) => Promise<{ result: T; state: AlertState; mailed: boolean }>): Promise<T> {
    const out = await withTransaction(deps.pool, async (db) => {
      await db.query(`SELECT pg_advisory_xact_lock(hashtext('${STATE_KEY}'))`);
      const prior = (await getState<AlertState>(db, STATE_KEY))?.value ?? EMPTY_STATE;
      const r = await fn(db, { ...EMPTY_STATE, ...prior });
      await putState(db, STATE_KEY, r.state);
      return r;
    });
    if (out.mailed) deps.kick?.();
    return out.result;
  }

  async function announce(db: PoolClient, key: string, facts: AlertFacts, now: Date): Promise<boolean> {
    if (!deps.operatorEmail) {
      log.warn({ alert: key, facts }, 'alert (OPERATOR_EMAIL is not set: logged, not mailed)');
      return false;
    }
    const mailId = await enqueueMail(db, { to: deps.operatorEmail, template: 'alert', lang, data: { shopName: deps.shopName, alert: facts }, now });
    log.info({ alert: key, mailId }, 'alert mailed to the operator');
    return true;
  }

  /** Evaluates every condition now; returns the keys of the alerts raised (mailed, or logged without OPERATOR_EMAIL). */
  async function checkNow(): Promise<{ sent: string[] }> {
    return locked(async (db, prior) => {
      const now = deps.clock.now();
      const conditions = await evaluate(db, now, sweepsSince(prior, now), thresholds);
      const { raise, cleared, next } = diff(prior, conditions, now);
      let mailed = false;
      for (const { condition, fresh } of raise) mailed = (await announce(db, condition.key, condition.facts(fresh), now)) || mailed;
      if (cleared.length) log.info({ alerts: cleared }, 'alert conditions cleared');
      return { result: { sent: raise.map((r) => r.condition.key) }, state: next, mailed };
    });
  }

  /**
   * The daily digest: open requests due within 7 days, overdue ones included, by id and due date. Once per
   * Amsterdam day (a retried job sends nothing more); no mail when nothing is due. Returns how many it listed.
   */
  async function digest(): Promise<number> {
    return locked(async (db, prior) => {
      const now = deps.clock.now();
      const today = amsterdamDate(now);
      if (prior.digestDate === today) return { result: 0, state: prior, mailed: false };
      const state = { ...prior, digestDate: today };
      const { rows } = await db.query<{ id: string; due_at: Date }>(DUE_SOON, [new Date(now.getTime() + DIGEST_DAYS * 86_400_000)]);
      if (!rows.length) return { result: 0, state, mailed: false };
      const due: DueRequest[] = rows.map((r) => ({ id: r.id, dueAt: r.due_at, overdue: r.due_at.getTime() < now.getTime() }));
      if (!deps.operatorEmail) {
        log.warn({ due: due.length, overdue: due.filter((d) => d.overdue).length }, 'privacy requests due soon (OPERATOR_EMAIL is not set: logged, not mailed)');
        return { result: due.length, state, mailed: false };
      }
      const mailId = await enqueueMail(db, { to: deps.operatorEmail, template: 'digest', lang, data: { shopName: deps.shopName, dueRequests: due }, now });
      log.info({ mailId, due: due.length }, 'digest of privacy requests mailed to the operator');
      return { result: due.length, state, mailed: true };
    });
  }

  return { checkNow, digest };
}

export type Alerts = ReturnType<typeof createAlerts>;
