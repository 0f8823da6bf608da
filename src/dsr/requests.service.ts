import type { Logger } from 'pino';
import type { Pool, PoolClient } from '../platform/db.js';
import { lockNames, withRetriedTransaction, withTransaction } from '../platform/db.js';
import { AppError, notFound } from '../platform/errors.js';
import type { Clock } from '../platform/clock.js';
import { identifyingEmail, identityLocks } from '../mirror/identity.js';
import type { SubjectKeyOf } from '../erasure/subject-key.js';
import { audit } from '../audit/audit.repository.js';
import { enqueueMail } from '../mail/outbox.repository.js';
import { holdPerson } from '../processors/sync.repository.js';
import { ALLOWED_FROM, type RequestType, addAmsterdamDays, checkExtension, dueAtOf } from './request-rules.js';
import { type RequestRow, addStep, getRequest, insertRequest, openDuplicate, updateRequest } from './requests.repository.js';
import { newVerification, VERIFY_TTL_MS } from './verification.js';
import { settleRejectedObjection } from './open-objections.repository.js';

/**
 * The lifecycle of data-subject requests: filing (with the objection's gate closed inside the same transaction),
 * verification, extension, rejection. What each right does on completion lives in rights.service.ts.
 */

export interface RequestsDeps {
  pool: Pool;
  clock: Clock;
  log: Logger;
  subjectKey: SubjectKeyOf;
  /** Base URL of the public verification page (PUBLIC_URL, else this service's own address). */
  publicUrl: string;
  shopName: string;
  /** Called after a commit that queued mail or pushes. */
  kick: () => void;
  /** The person's held pushes go again (the gate decides each anew). */
  release: (personId: number) => Promise<unknown>;
}

export interface FileInput {
  type: RequestType;
  email: string;
  lang: 'nl' | 'en';
  changes: Record<string, unknown> | null;
  note: string | null;
  actor: string;
}

/* $1 subject key */
const PERSON_OF_KEY = /* sql */ `SELECT person_id FROM person_emails WHERE subject_key = $1`;
/* $1 person id, $2 now — a request is contact with the client (P13: two years from the last contact) */
const TOUCH_ACTIVITY = /* sql */ `UPDATE persons SET last_activity_at = GREATEST(last_activity_at, $2), updated_at = now() WHERE id = $1`;
/* $1 person id — P21: the objection stops processing at once */
const OBJECT = /* sql */ `UPDATE persons SET objection = 'pending', updated_at = now() WHERE id = $1 AND status <> 'erased'`;

export function createRequestsService(deps: RequestsDeps) {
  async function sendVerification(db: PoolClient, r: RequestRow): Promise<void> {
    const v = newVerification();
    const expiresAt = new Date(deps.clock.now().getTime() + VERIFY_TTL_MS);
    await db.query(`INSERT INTO verification_tokens (request_id, token_hash, code_hash, expires_at) VALUES ($1, $2, $3, $4)`,
      [r.id, v.tokenHash, v.codeHash, expiresAt]);
    const verifyUrl = `${deps.publicUrl.replace(/\/+$/, '')}/verify/${v.token}`;
    await enqueueMail(db, {
      requestId: r.id, subjectKey: r.subjectKey, to: r.email!, template: 'verification', lang: r.lang,
      data: { shopName: deps.shopName, requestId: r.id, requestType: r.type, code: v.code, verifyUrl, expiresAt: expiresAt.toISOString() },
    });
  }

  async function file(input: FileInput): Promise<{ request: RequestRow; linked: boolean; verificationSent: boolean }> {
    const email = identifyingEmail(input.email);
    if (!email) throw new AppError(400, 'invalid_request', 'email: expected an email address');
    const key = deps.subjectKey(email);
    const now = deps.clock.now();
    // Run again if it deadlocks (a mirror transaction may hold the person's row and want the address lock below), or
    // if the person it found was merged into another meanwhile (its row gone: a foreign-key violation).
    const result = await withRetriedTransaction(deps.pool, async (db) => {
      // The mirror links addresses under the same lock: an address it is linking now is known here, or its link
      // finds this request (dsr/open-objections.repository.ts).
      await lockNames(db, identityLocks([], [], [email]));
      const personId = Number((await db.query<{ person_id: string }>(PERSON_OF_KEY, [key])).rows[0]?.person_id ?? NaN);
      const known = Number.isFinite(personId) ? personId : null;
      if (known !== null) await db.query(TOUCH_ACTIVITY, [known, now]);
      // P21: the gate closes before anything else — before verification, before the 201.
      if (input.type === 'objection' && known !== null) {
        await db.query(OBJECT, [known]);
        await holdPerson(db, known, 'objection_pending');
      }
      const open = await openDuplicate(db, input.type, key, input.changes);
      if (open) {
        // Stored with the status of the request it duplicates and follows from now on; its receipt says received.
        const linked = await insertRequest(db, {
          type: input.type, status: open.status, email, subjectKey: key, personId: known, lang: input.lang, receivedAt: now,
          dueAt: open.dueAt, linkedTo: open.id, changes: input.changes, filedBy: input.actor, note: input.note,
        });
        await addStep(db, linked.id, input.actor, 'linked', `duplicate of open request ${open.id}`);
        await addStep(db, open.id, input.actor, 'duplicate_linked', `request ${linked.id} linked`);
        await audit(db, { actor: input.actor, action: 'privacy_request.linked', subjectKey: key, requestId: linked.id, detail: { type: input.type, linkedTo: open.id } });
        return { request: { ...linked, status: 'received' as const }, linked: true, verificationSent: false };
      }
      // The 201 is the receipt (received). A known address is sent a one-time code at that address in the same
      // transaction, so its request is stored awaiting verification; an unknown one stays received until an operator's review.
      const request = await insertRequest(db, {
        type: input.type, status: known !== null ? 'awaiting_verification' : 'received', email, subjectKey: key, personId: known, lang: input.lang, receivedAt: now, dueAt: dueAtOf(now),
        linkedTo: null, changes: input.changes, filedBy: input.actor, note: input.note,
      });
      await addStep(db, request.id, input.actor, 'received', input.note);
      await enqueueMail(db, {
        requestId: request.id, subjectKey: key, to: email, template: 'receipt', lang: input.lang,
        data: { shopName: deps.shopName, requestId: request.id, requestType: request.type, dueAt: request.dueAt.toISOString() },
      });
      if (known !== null) {
        await sendVerification(db, request);
        await addStep(db, request.id, 'system', 'verification_sent', 'one-time code sent to the known address');
      }
      await audit(db, { actor: input.actor, action: 'privacy_request.filed', subjectKey: key, requestId: request.id, detail: { type: input.type, known: known !== null } });
      if (input.type === 'objection' && known !== null) {
        await audit(db, { actor: 'system', action: 'processing.stopped', subjectKey: key, requestId: request.id, detail: { reason: 'objection_pending' } });
      }
      return { request: { ...request, status: 'received' as const }, linked: false, verificationSent: known !== null };
    }, ['40P01', '23503']);
    deps.kick();
    return result;
  }

  async function load(db: PoolClient, id: string): Promise<RequestRow> {
    const r = await getRequest(db, id, true);
    if (!r) throw notFound(`no privacy request ${id}`);
    if (r.linkedTo) throw new AppError(409, 'linked', `request ${id} is a duplicate of ${r.linkedTo}; act on that one`);
    return r;
  }

  function expect(r: RequestRow, action: keyof typeof ALLOWED_FROM): void {
    if (!ALLOWED_FROM[action].includes(r.status)) throw new AppError(409, 'invalid_state', `cannot ${action} a request that is ${r.status}`);
  }

  /** An operator verified the requester (e.g. by phone, with a note); the request moves to in_progress. */
  async function verify(id: string, actor: string, note: string | null, method: 'operator' | 'code' = 'operator'): Promise<RequestRow> {
    return withTransaction(deps.pool, async (db) => {
      const r = await load(db, id);
      expect(r, 'verify');
      const now = deps.clock.now();
      await updateRequest(db, id, { status: 'in_progress', verifiedAt: now, verification: method });
      await addStep(db, id, actor, 'verified', note);
      await audit(db, { actor, action: 'privacy_request.verified', subjectKey: r.subjectKey, requestId: id, detail: { method } });
      return (await getRequest(db, id))!;
    });
  }

  async function reject(id: string, actor: string, reason: string): Promise<RequestRow> {
    let resumed: number[] = [];
    const out = await withTransaction(deps.pool, async (db) => {
      const r = await load(db, id);
      expect(r, 'reject');
      await updateRequest(db, id, { status: 'rejected', rejectedAt: deps.clock.now(), rejectionReason: reason });
      await addStep(db, id, actor, 'rejected', reason);
      // Filing stopped the person's processing (P21) until a decision; a rejected request is no objection to decide.
      if (r.type === 'objection') {
        const settled = await settleRejectedObjection(db, r.subjectKey);
        resumed = settled.filter((s) => s.objection !== 'pending').map((s) => s.personId);
        if (resumed.length) {
          await audit(db, { actor, action: 'processing.resumed', subjectKey: r.subjectKey, requestId: id, detail: { reason: 'objection_request_rejected' } });
        }
      }
      if (r.email) {
        await enqueueMail(db, { requestId: id, subjectKey: r.subjectKey, to: r.email, template: 'rejected', lang: r.lang, data: { shopName: deps.shopName, requestId: id, requestType: r.type, reason } });
      }
      await audit(db, { actor, action: 'privacy_request.rejected', subjectKey: r.subjectKey, requestId: id });
      return (await getRequest(db, id))!;
    });
    for (const personId of resumed) await deps.release(personId);
    deps.kick();
    return out;
  }

  /** GDPR Art. 12(3): once, before the first due date, by at most 61 days — and the client is told. */
  async function extend(id: string, actor: string, reason: string, days: number): Promise<RequestRow> {
    const out = await withTransaction(deps.pool, async (db) => {
      const r = await load(db, id);
      const now = deps.clock.now();
      const refusal = checkExtension(r, days, now);
      if (refusal) throw new AppError(409, refusal.code, refusal.message);
      const dueAt = addAmsterdamDays(r.dueAt, days);
      await updateRequest(db, id, { dueAt, extendedAt: now });
      await db.query(`UPDATE privacy_requests SET extension_reason = $2 WHERE id = $1`, [id, reason]);
      await addStep(db, id, actor, 'extended', `${days} days: ${reason}`);
      if (r.email) {
        await enqueueMail(db, { requestId: id, subjectKey: r.subjectKey, to: r.email, template: 'extension', lang: r.lang, data: { shopName: deps.shopName, requestId: id, requestType: r.type, dueAt: dueAt.toISOString(), reason } });
      }
      await audit(db, { actor, action: 'privacy_request.extended', subjectKey: r.subjectKey, requestId: id, detail: { days } });
      return (await getRequest(db, id))!;
    });
    deps.kick();
    return out;
  }

  return { file, verify, reject, extend, load, expect };
}

export type RequestsService = ReturnType<typeof createRequestsService>;
