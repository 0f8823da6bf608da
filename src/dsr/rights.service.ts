import type { Logger } from 'pino';
import type { Pool, PoolClient } from '../platform/db.js';
import { withTransaction } from '../platform/db.js';
import { AppError } from '../platform/errors.js';
import type { Clock } from '../platform/clock.js';
import { audit } from '../audit/audit.repository.js';
import { enqueueMail } from '../mail/outbox.repository.js';
import type { EraseSubject } from '../erasure/erase-subject.js';
import { personIdsByKeys } from '../erasure/erasure.repository.js';
import type { PushService } from '../processors/push.service.js';
import { dropForUpheldObjection } from '../processors/sync.repository.js';
import type { ProcessorEntry } from '../processors/register.js';
import type { WooClient } from '../woo/woo-client.js';
import { loadSubjectData } from './export/subject-data.repository.js';
import { buildExport } from './export/export.builder.js';
import type { RequestsService } from './requests.service.js';
import { type RequestRow, addStep, getRequest, updateRequest } from './requests.repository.js';
import { createRectify } from './rectify.service.js';
import { OPEN_OBJECTION } from './open-objections.repository.js';
import { eraseInShop, shopIdsOf } from './shop-erasure.js';

/**
 * What each right does when an operator completes the request (P13b, P17–P21). Everything goes only to the
 * person's known address; every action lands in the audit trail.
 */

export interface RightsDeps {
  pool: Pool;
  clock: Clock;
  log: Logger;
  requests: RequestsService;
  push: PushService;
  eraseSubject: EraseSubject;
  woo: WooClient | null;
  register: ProcessorEntry[];
  shopName: string;
  policyVersion: string;
  invoicePrefix: string;
  exportTtlDays: number;
  /** WC_ERASE_WRITEBACK: anonymise the person in the shop too, through the REST API. */
  eraseWriteback: boolean;
  retention: { inactiveDays: number; fiscalYears: number; labelDays: number; rawPayloadDays: number };
  kick: () => void;
}

/* $1 person id, $2 restricted */
const SET_RESTRICTED = /* sql */ `UPDATE persons SET restricted = $2, updated_at = now() WHERE id = $1`;
/*
 * A person can carry limits from several requests (one per address; a merged guest's). $1 person id, $2 the
 * restriction being lifted: another completed, unlifted restriction of one of their addresses keeps them restricted.
 */
const LIFT_RESTRICTION = /* sql */ `
  UPDATE persons p SET updated_at = now(), restricted = EXISTS (
    SELECT 1 FROM person_emails e JOIN privacy_requests r ON r.subject_key = e.subject_key
    WHERE e.person_id = p.id AND r.type = 'restriction' AND r.id <> $2 AND r.status = 'completed'
      AND r.outcome->>'restricted' = 'true' AND r.outcome->>'lifted' IS DISTINCT FROM 'true')
  WHERE p.id = $1`;
/* $1 person id, $2 decision, $3 the objection decided — upheld for any address stays upheld; one still open, pending */
const DECIDE_OBJECTION = /* sql */ `
  UPDATE persons p SET updated_at = now(), objection = CASE
    WHEN $2 = 'upheld' OR EXISTS (SELECT 1 FROM person_emails e JOIN privacy_requests r ON r.subject_key = e.subject_key
      WHERE e.person_id = p.id AND r.type = 'objection' AND r.id <> $3 AND r.objection_decision = 'upheld') THEN 'upheld'
    WHEN EXISTS (SELECT 1 FROM person_emails e JOIN privacy_requests r ON r.subject_key = e.subject_key
      WHERE e.person_id = p.id AND r.id <> $3 AND ${OPEN_OBJECTION}) THEN 'pending'
    ELSE $2 END
  WHERE p.id = $1`;

export function createRightsService(deps: RightsDeps) {
  const mail = (r: RequestRow, template: Parameters<typeof enqueueMail>[1]['template'], data: Record<string, unknown> = {}, attachments?: Parameters<typeof enqueueMail>[1]['attachments']) =>
    (db: Parameters<typeof enqueueMail>[0]) =>
      r.email
        ? enqueueMail(db, { requestId: r.id, subjectKey: r.subjectKey, to: r.email, template, lang: r.lang, data: { shopName: deps.shopName, requestId: r.id, requestType: r.type, ...data }, attachments })
        : Promise.resolve(0);
  const rectify = createRectify({ pool: deps.pool, clock: deps.clock, woo: deps.woo, mail });

  async function complete(id: string, actor: string): Promise<RequestRow> {
    const r = await withTransaction(deps.pool, (db) => deps.requests.load(db, id));
    deps.requests.expect(r, 'complete');
    const personId = (await personIdsByKeys(deps.pool, [r.subjectKey]))[0] ?? null;
    if (personId === null) {
      // Art. 15: nothing is held for this address; the answer says so and discloses nothing else.
      await withTransaction(deps.pool, async (db) => {
        await updateRequest(db, id, { status: 'completed', completedAt: deps.clock.now(), noDataHeld: true, outcome: { noDataHeld: true } });
        await addStep(db, id, actor, 'completed', 'no data held for this address');
        await mail(r, 'no_data_held')(db);
        await audit(db, { actor, action: 'privacy_request.no_data_held', subjectKey: r.subjectKey, requestId: id });
      });
    } else {
      if (r.status !== 'in_progress') throw new AppError(409, 'not_verified', 'verify the requester first (one-time code or an operator with a note)');
      if (r.type === 'access' || r.type === 'portability') await access(r, personId, actor);
      else if (r.type === 'restriction') await restrict(r, personId, actor);
      else if (r.type === 'rectification') await rectify(r, personId, actor);
      else if (r.type === 'erasure') await erase(r, personId, actor);
      else throw new AppError(409, 'decision_required', 'an objection is completed by its decision: POST /api/privacy-requests/:id/objection-decision');
    }
    deps.kick();
    return (await getRequest(deps.pool, id))!;
  }

  /** Builds the package from one consistent view (REPEATABLE READ), stores it for operators, returns the attachment. */
  async function makeExport(db: PoolClient, r: RequestRow, personId: number, kind: 'access' | 'portability') {
    const now = deps.clock.now();
    const data = await loadSubjectData(db, personId, { invoicePrefix: deps.invoicePrefix });
    if (!data) throw new AppError(409, 'person_gone', 'the person is no longer in the mirror');
    const pkg = buildExport(data, { kind, generatedAt: now, policyVersion: deps.policyVersion, register: deps.register, retention: deps.retention, shopName: deps.shopName });
    const expiresAt = new Date(now.getTime() + deps.exportTtlDays * 86_400_000);
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO privacy_exports (request_id, person_id, kind, package, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [r.id, personId, kind, JSON.stringify(pkg), expiresAt]);
    const attachment = { filename: `${kind}-${r.id.slice(0, 8)}.json`, contentType: 'application/json', content: Buffer.from(JSON.stringify(pkg, null, 2)) };
    return { exportId: rows[0]!.id, expiresAt, attachment };
  }

  /** P15, P17, P20: the package, by data category, mailed to the known address as an attachment. */
  async function access(r: RequestRow, personId: number, actor: string): Promise<void> {
    const now = deps.clock.now();
    await withTransaction(deps.pool, async (db) => {
      await db.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ'); // one consistent view across the package's reads
      const kind = r.type === 'portability' ? 'portability' : 'access';
      const { exportId, expiresAt, attachment } = await makeExport(db, r, personId, kind);
      await mail(r, 'completion', {}, [attachment])(db);
      await updateRequest(db, r.id, { status: 'completed', completedAt: now, outcome: { exportId, kind, expiresAt: expiresAt.toISOString() } });
      await addStep(db, r.id, actor, 'completed', `export ${exportId} mailed to the known address`);
      await audit(db, { actor, action: 'export.generated', subjectKey: r.subjectKey, requestId: r.id, detail: { exportId, kind } });
    });
  }

  /** P19: data stays; every push holds until /lift. */
  async function restrict(r: RequestRow, personId: number, actor: string): Promise<void> {
    await withTransaction(deps.pool, async (db) => {
      await db.query(SET_RESTRICTED, [personId, true]);
      await db.query(`UPDATE processor_syncs s SET status = 'held', reason = 'restricted', updated_at = now() FROM orders o
        WHERE o.id = s.order_id AND o.person_id = $1 AND s.status = 'pending'`, [personId]);
      await updateRequest(db, r.id, { status: 'completed', completedAt: deps.clock.now(), outcome: { restricted: true } });
      await addStep(db, r.id, actor, 'completed', 'processing restricted');
      await mail(r, 'restriction_confirmed')(db);
      await audit(db, { actor, action: 'processing.restricted', subjectKey: r.subjectKey, requestId: r.id });
    });
  }

  /** /lift: the restriction ends; held work runs with the data as it is now. */
  async function lift(id: string, actor: string): Promise<RequestRow> {
    const r = await withTransaction(deps.pool, (db) => deps.requests.load(db, id));
    if (r.type !== 'restriction') throw new AppError(409, 'not_a_restriction', 'only a restriction can be lifted');
    deps.requests.expect(r, 'lift');
    if (r.outcome.lifted) throw new AppError(409, 'already_lifted', 'this restriction was lifted already');
    const personId = (await personIdsByKeys(deps.pool, [r.subjectKey]))[0] ?? null;
    await withTransaction(deps.pool, async (db) => {
      if (personId !== null) await db.query(LIFT_RESTRICTION, [personId, id]);
      await updateRequest(db, id, { outcome: { ...r.outcome, restricted: false, lifted: true, liftedAt: deps.clock.now().toISOString() } });
      await addStep(db, id, actor, 'lifted');
      await mail(r, 'restriction_lifted')(db);
      await audit(db, { actor, action: 'processing.restriction_lifted', subjectKey: r.subjectKey, requestId: id });
    });
    if (personId !== null) await deps.push.releaseFor(personId);
    deps.kick();
    return (await getRequest(deps.pool, id))!;
  }

  /** P21: upheld → what rests on consent or legitimate interest ends for good, what the law requires proceeds. */
  async function decideObjection(id: string, actor: string, upheld: boolean, reason: string): Promise<RequestRow> {
    const r = await withTransaction(deps.pool, (db) => deps.requests.load(db, id));
    if (r.type !== 'objection') throw new AppError(409, 'not_an_objection', 'only an objection takes a decision');
    deps.requests.expect(r, 'decide');
    const personId = (await personIdsByKeys(deps.pool, [r.subjectKey]))[0] ?? null;
    await withTransaction(deps.pool, async (db) => {
      await db.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      let exported: Awaited<ReturnType<typeof makeExport>> | null = null;
      if (personId !== null) {
        await db.query(DECIDE_OBJECTION, [personId, upheld ? 'upheld' : 'rejected', id]);
        if (upheld) await dropForUpheldObjection(db, personId);
        // Upheld: the client receives what is still held and why (the export, with each legal basis).
        if (upheld) exported = await makeExport(db, r, personId, 'access');
      }
      await updateRequest(db, id, {
        status: 'completed', completedAt: deps.clock.now(), objectionDecision: upheld ? 'upheld' : 'rejected', decisionReason: reason,
        outcome: { decision: upheld ? 'upheld' : 'rejected', legalBasisKept: upheld ? ['legal_obligation', 'contract'] : [], ...(exported ? { exportId: exported.exportId } : {}) },
      });
      await addStep(db, id, actor, upheld ? 'objection_upheld' : 'objection_rejected', reason);
      await mail(r, 'objection_decision', { upheld, reason }, exported ? [exported.attachment] : undefined)(db);
      await audit(db, { actor, action: upheld ? 'objection.upheld' : 'objection.rejected', subjectKey: r.subjectKey, requestId: id });
    });
    // Held work goes again: the gate drops what the objection ends and lets required bookings through.
    if (personId !== null) await deps.push.releaseFor(personId);
    deps.kick();
    return (await getRequest(deps.pool, id))!;
  }

  /** P13, P13b: the erasure engine, then the processors (Art. 19); the request keeps only the subject key. */
  async function erase(r: RequestRow, personId: number, actor: string): Promise<void> {
    const email = r.email;
    const shopIds = deps.eraseWriteback && deps.woo ? await shopIdsOf(deps.pool, personId) : null;
    const outcome = await deps.eraseSubject({ personId }, { reason: 'request', ref: r.id });
    const processors = outcome.status === 'erased' ? outcome.processors : [];
    const shop = shopIds && deps.woo ? await eraseInShop(deps.woo, shopIds, deps.log) : null;
    await withTransaction(deps.pool, async (db) => {
      await updateRequest(db, r.id, {
        status: 'completed', completedAt: deps.clock.now(),
        outcome: {
          erasure: outcome.status, tombstoneIds: outcome.tombstoneIds, processors, shop,
          manualRequired: [...processors.filter((p) => p.status !== 'done').map((p) => p.processor), ...(shop ? shop.manualRequired.map((m) => `woocommerce:${m}`) : [])],
        },
      });
      await addStep(db, r.id, actor, 'completed', `erased (${outcome.status})`);
      // The confirmation goes to the address the request came from; the outbox forgets it after MAIL_RETENTION_DAYS.
      if (email) await mail({ ...r, email }, 'erasure_confirmed', { processors: processors.map((p) => p.processor), fiscalYears: deps.retention.fiscalYears })(db);
      await audit(db, { actor, action: 'person.erased', subjectKey: r.subjectKey, requestId: r.id, detail: { tombstoneIds: outcome.tombstoneIds } });
    });
  }

  return { complete, lift, decideObjection };
}

export type RightsService = ReturnType<typeof createRightsService>;
