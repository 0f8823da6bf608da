import type { Logger } from 'pino';
import type { Pool, PoolClient } from '../platform/db.js';
import { lockNames, withTransaction } from '../platform/db.js';
import { safeError } from '../platform/logger.js';
import { type InboxRow, type Outcome, lockForProcessing, recordOutcomes } from '../intake/inbox.repository.js';
import { type Delivery, PoisonPayloadError, isHandledTopic } from './delivery.js';
import { type FollowUp, decodeRow, followUpFor } from './follow-up.js';
import { customerActivity, orderActivity } from './map-order.js';
import { isNewer, revivesTrash } from './staleness.js';
import { applyOrdersFast } from './fast-path.js';
import { identityLocks } from './identity.js';
import { choosePerson, planEmails } from './resolve-person.js';
import { findOrderVersion, trashOrder, upsertOrder } from './order.repository.js';
import { rememberEarlyDelete, settleEarlyDeletes } from './early-deletes.repository.js';
import { findCustomerVersion, isFormerCustomer, loadFacts, markAccountDeleted, settlePerson, writeCustomer } from './person.repository.js';
import type { Metrics } from '../platform/metrics.js';
import type { SubjectKeyOf } from '../erasure/subject-key.js';
import { anonymiseCustomer, anonymiseOrder } from '../erasure/anonymise.js';
import { keyUnappliedRows, scrubInboxRows } from '../erasure/erasure.repository.js';
import { forgottenCustomerOwner, forgottenOrderOwner, refreshArchivedInvoice, subjectKeysInBody } from './forgotten.js';

/**
 * Applies stored webhook deliveries to the mirror (P1, P11, P22). Several deliveries share one transaction,
 * each inside its own savepoint so each stays all-or-nothing; a retried job finds its recorded outcome.
 */

export type { FollowUp } from './follow-up.js';

export type ApplyResult =
  | { ok: true; outcome: Outcome; reason: string | null; followUp?: FollowUp }
  | { ok: false; error: Error; permanent: boolean };

export interface MirrorDeps {
  pool: Pool;
  policyVersion: string;
  log: Logger;
  metrics: Metrics;
  /** With the shop's REST API configured, id-only and error bodies are followed by a re-fetch. */
  refetchEnabled: boolean;
  subjectKey: SubjectKeyOf;
  /** Invoice numbering and term, for the archived invoice of a forgotten order that changes later. */
  fiscal: { prefix: string; years: number };
  /** Order meta key of the checkout's review-consent checkbox (P10). */
  consentMetaKey?: string;
  /**
   * Called in the mirror's transaction with the orders just applied from live deliveries: plans processor pushes
   * (processors/push-planner.ts) so a push is recorded exactly when the change it answers is.
   */
  onOrdersApplied?: (db: PoolClient, applied: { wcOrderId: number; origin: string }[]) => Promise<unknown>;
  /** After the transaction commits (e.g. move the pushes it recorded into their queues). */
  afterCommit?: () => void;
  /** Last step inside the transaction (e.g. unconfirmed rectifications win over what the webhooks brought). */
  beforeCommit?: (db: PoolClient) => Promise<void>;
}

/** `scrub`: the delivery is about an erased subject, so its raw body goes once it is applied. */
type Applied = { outcome: Outcome; reason: string | null; followUp?: FollowUp; scrub?: boolean };
type Done = { id: number; outcome: Outcome; reason: string | null; scrub?: boolean };
const FORGOTTEN = 'about an erased subject: stored anonymised';

/**
 * Errors that retrying cannot fix: data exceptions (22), program limits (54) and integrity violations (23) other
 * than unique/foreign-key ones, which concurrent writers can cause and a retry resolves.
 */
const isPermanentSqlState = (code: string) =>
  code.startsWith('22') || code.startsWith('54') || (code.startsWith('23') && code !== '23505' && code !== '23503');

export function createMirrorService(deps: MirrorDeps) {
  async function applyOne(db: PoolClient, row: InboxRow, delivery: Delivery): Promise<Applied> {
    const meta = { bodySha256: row.bodySha256, inboxId: row.id, policyVersion: deps.policyVersion };
    switch (delivery.kind) {
      case 'ignored':
        return { outcome: 'ignored', reason: delivery.reason };
      case 'rest-error': {
        const followUp = followUpOf(row, delivery);
        return followUp ? { outcome: 'refetch', reason: delivery.reason, followUp } : { outcome: 'failed', reason: delivery.reason };
      }
      case 'order-trashed': {
        await lockNames(db, identityLocks([delivery.wcOrderId], [], []));
        const followUp = followUpOf(row, delivery);
        const trashed = await trashOrder(db, delivery.wcOrderId, row.id);
        if (trashed === 'trashed') return { outcome: 'applied', reason: null, followUp };
        if (trashed === 'stale') return { outcome: 'stale', reason: 'order.deleted received before the version held', followUp };
        await rememberEarlyDelete(db, 'order', delivery.wcOrderId, row.id);
        return { outcome: followUp ? 'refetch' : 'skipped', reason: 'order.deleted before the order: remembered until it arrives', followUp };
      }
      case 'customer-deleted': {
        await lockNames(db, identityLocks([], [delivery.wcCustomerId], []));
        const followUp = followUpOf(row, delivery);
        if (await markAccountDeleted(db, delivery.wcCustomerId)) return { outcome: 'applied', reason: null, followUp };
        await rememberEarlyDelete(db, 'customer', delivery.wcCustomerId, row.id);
        return { outcome: followUp ? 'refetch' : 'skipped', reason: 'customer.deleted before the customer: remembered until it arrives', followUp };
      }
      case 'order': {
        const o = delivery.order;
        await lockNames(db, identityLocks([o.wcOrderId], o.wcCustomerId ? [o.wcCustomerId] : [], o.email ? [o.email] : []));
        const stored = await findOrderVersion(db, o.wcOrderId);
        const forgottenBy = await forgottenOrderOwner(db, o, stored, deps.subjectKey);
        const scrub = forgottenBy !== null;
        const revive = revivesTrash(delivery.restored, row.id, stored);
        if (stored && !revive && !isNewer(stored.version, { ...meta, modifiedAt: o.dates.modified })) {
          return { outcome: 'stale', reason: null, scrub };
        }
        if (forgottenBy !== null) {
          await upsertOrder(db, anonymiseOrder(o), { ...meta, personId: forgottenBy, activity: null, origin: row.origin });
          await refreshArchivedInvoice(db, o.wcOrderId, deps.fiscal);
          return { outcome: 'applied', reason: FORGOTTEN, scrub };
        }
        const emails = o.email ? [o.email] : [];
        const facts = await loadFacts(db, { wcCustomerId: o.wcCustomerId, emails, previousPersonId: stored?.personId ?? null }, { formerCustomerIds: true });
        const personId = await settlePerson(db, facts, choosePerson(facts), (id) => planEmails(facts, id), deps.policyVersion, deps.subjectKey);
        await upsertOrder(db, o, { ...meta, personId, activity: orderActivity(o), origin: row.origin });
        return { outcome: 'applied', reason: null };
      }
      case 'customer': {
        const c = delivery.customer;
        await lockNames(db, identityLocks([], [c.wcCustomerId], c.emails));
        const forgottenBy = await forgottenCustomerOwner(db, c, deps.subjectKey);
        if (forgottenBy !== null) {
          await writeCustomer(db, forgottenBy, anonymiseCustomer(c), { ...meta, activity: null });
          return { outcome: 'applied', reason: FORGOTTEN, scrub: true };
        }
        // A deleted account merged into the one registered again under its email: its late deliveries are history.
        if (await isFormerCustomer(db, c.wcCustomerId)) return { outcome: 'stale', reason: 'account deleted and merged into a newer account' };
        const stored = await findCustomerVersion(db, c.wcCustomerId);
        if (stored && !isNewer(stored, { ...meta, modifiedAt: c.dates.modified })) return { outcome: 'stale', reason: null };
        const facts = await loadFacts(db, { wcCustomerId: c.wcCustomerId, emails: c.emails, previousPersonId: null });
        const personId = await settlePerson(db, facts, choosePerson(facts), (id) => planEmails(facts, id), deps.policyVersion, deps.subjectKey);
        await writeCustomer(db, personId, c, { ...meta, activity: customerActivity(c) });
        return { outcome: 'applied', reason: null };
      }
    }
  }

  const followUpOf = (row: InboxRow, delivery: Delivery) => followUpFor(deps.refetchEnabled, row, delivery);

  /** For a retried job whose delivery was already applied: its follow-up may not have been queued yet. */
  function followUpAgain(row: InboxRow): FollowUp | undefined {
    try {
      return followUpOf(row, decodeRow(row, { consentMetaKey: deps.consentMetaKey }));
    } catch {
      return undefined; // e.g. the body was scrubbed after an erasure: nothing to follow up
    }
  }

  /** One delivery in its own savepoint; records its outcome in `done`. */
  async function applySingle(db: PoolClient, row: InboxRow, delivery: Delivery, done: Done[]): Promise<ApplyResult> {
    await db.query('SAVEPOINT delivery');
    try {
      const r = await applyOne(db, row, delivery);
      await db.query('RELEASE SAVEPOINT delivery');
      done.push({ id: row.id, outcome: r.outcome, reason: r.reason, scrub: r.scrub });
      return { ok: true, outcome: r.outcome, reason: r.reason, followUp: r.followUp };
    } catch (err) {
      await db.query('ROLLBACK TO SAVEPOINT delivery');
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && isPermanentSqlState(code)) {
        // e.g. \u0000 in a string (22P05), a value too large to index (54000): this payload can never be stored.
        const reason = `the database rejected a value in the payload (SQLSTATE ${code})`;
        done.push({ id: row.id, outcome: 'failed', reason });
        return { ok: false, error: new PoisonPayloadError(reason), permanent: true };
      }
      deps.log.warn({ inboxId: row.id, topic: row.topic, err: safeError(err) }, 'delivery not applied; will retry');
      return { ok: false, error: err as Error, permanent: false };
    }
  }

  /**
   * Applies the given inbox rows in one transaction; returns a result per id (missing ids: nothing to do).
   * Runs of consecutive order deliveries go through the set-based fast path; everything else, and any run the
   * fast path declines, goes one by one — each delivery in its own savepoint, so each stays all-or-nothing.
   */
  async function applyDeliveries(ids: number[]): Promise<Map<number, ApplyResult>> {
    const results = new Map<number, ApplyResult>();
    const topicOf = new Map<number, string>(); // for the outcome metric's topic label
    deps.metrics.mirrorBatchSize.observe(ids.length);
    await withTransaction(deps.pool, async (db) => {
      const rows = await lockForProcessing(db, ids);
      for (const row of rows) topicOf.set(row.id, row.topic);
      const done: Done[] = [];
      const todo: { row: InboxRow; delivery: Delivery }[] = [];
      for (const row of rows) {
        if (row.processedAt && row.outcome) {
          results.set(row.id, { ok: true, outcome: row.outcome, reason: row.reason, followUp: followUpAgain(row) });
          continue;
        }
        try {
          todo.push({ row, delivery: decodeRow(row, { consentMetaKey: deps.consentMetaKey }) });
        } catch (err) {
          done.push({ id: row.id, outcome: 'failed', reason: (err as Error).message });
          results.set(row.id, { ok: false, error: err as Error, permanent: true });
        }
      }
      for (let i = 0; i < todo.length; ) {
        let j = i;
        while (j < todo.length && todo[j]!.delivery.kind === 'order') j++;
        const run = todo.slice(i, j) as { row: InboxRow; delivery: Extract<Delivery, { kind: 'order' }> }[];
        const fast = run.length > 1 ? await applyOrdersFast(db, run, deps.policyVersion, deps.subjectKey) : null;
        if (run.length > 1) deps.metrics.mirrorFastPath.inc({ result: fast ? 'used' : 'declined' });
        if (fast) {
          for (const { row } of run) {
            const outcome = fast.get(row.id)!;
            done.push({ id: row.id, outcome, reason: null });
            results.set(row.id, { ok: true, outcome, reason: null });
          }
        } else {
          for (const { row, delivery } of run) results.set(row.id, await applySingle(db, row, delivery, done));
        }
        if (j < todo.length) results.set(todo[j]!.row.id, await applySingle(db, todo[j]!.row, todo[j]!.delivery, done));
        i = j + 1;
      }
      // Deletes that came before their record (early-deletes.repository.ts), now that it is here.
      const appliedIds = new Set(done.filter((d) => d.outcome === 'applied').map((d) => d.id));
      const applied = todo.filter(({ row }) => appliedIds.has(row.id));
      await settleEarlyDeletes(db, applied.flatMap(({ delivery: d }) => (d.kind === 'order' ? [d.order.wcOrderId] : [])),
        applied.flatMap(({ delivery: d }) => (d.kind === 'customer' ? [d.customer.wcCustomerId] : [])));
      await deps.beforeCommit?.(db);
      await recordOutcomes(db, done);
      if (deps.onOrdersApplied) {
        // Forgotten orders too: a refund after the erasure still needs its credit in the books (the gate lets only
        // what the law requires through for an erased person).
        const orders = applied.flatMap(({ row, delivery }) =>
          delivery.kind === 'order' ? [{ wcOrderId: delivery.order.wcOrderId, origin: row.origin }] : []);
        if (orders.length) await deps.onOrdersApplied(db, orders);
      }
      await scrubInboxRows(db, done.filter((d) => d.scrub).map((d) => d.id));
      const body = new Map(rows.map((r) => [r.id, r.body]));
      const unapplied = done.filter((d) => d.outcome === 'failed' || d.outcome === 'ignored');
      await keyUnappliedRows(db, unapplied.map((d) => ({ id: d.id, keys: subjectKeysInBody(body.get(d.id)!, deps.subjectKey) })).filter((r) => r.keys.length));
    });
    deps.afterCommit?.();
    for (const [id, r] of results) {
      const topic = topicOf.get(id) ?? 'other';
      deps.metrics.mirrorOutcomes.inc({ topic: isHandledTopic(topic) ? topic : 'other', outcome: r.ok ? r.outcome : r.permanent ? 'failed' : 'error' });
    }
    for (const id of ids) if (!results.has(id)) results.set(id, { ok: true, outcome: 'skipped', reason: 'inbox row no longer exists' });
    return results;
  }

  return { applyDeliveries };
}

export type MirrorService = ReturnType<typeof createMirrorService>;
