import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, asClientError } from '../platform/errors.js';
import { parseInput } from '../platform/validate.js';
import { REQUEST_TYPES } from '../dsr/request-rules.js';
import { changesSchema } from '../dsr/rectification.js';
import { retryPush } from '../processors/push-retry.js';
import { closeErasureFollowUp } from '../processors/erasure-followups.service.js';
import { resendRequestMails } from '../dsr/resend-mail.js';
import { resolveForm } from '../processors/erasure-followups.routes.js';
import { setFlash } from './csrf.js';
import { type DeskOptions, deskFormDocs } from './desk.routes.js';
import type { RouteDocs } from '../platform/openapi.js';

/**
 * The desk's actions (POST, form-encoded): each calls the same service as the JSON API and redirects back with a
 * flash message (Post/Redirect/Get). A refusal of the service (409 not_verified, already_extended, …) is shown as
 * the flash, with the service's own words. Auditors never get here: the central policy refuses their POSTs.
 */

const idParams = z.object({ id: z.uuid('expected a request id') });
const text = (min: number, message: string) => z.string().trim().min(min, message).max(1000);
const fileBody = z.object({ type: z.enum(REQUEST_TYPES), email: z.string().trim().min(3).max(320), lang: z.enum(['nl', 'en']).default('nl'), note: z.string().trim().max(1000).optional() });
const noteBody = z.object({ note: text(3, 'say how the requester was verified') });
const reasonBody = z.object({ reason: text(3, 'say why') });
const extendBody = reasonBody.extend({ days: z.coerce.number().int('days: a whole number').min(1, 'days: at least 1').max(61, 'days: at most 61') });
const decisionBody = reasonBody.extend({ decision: z.enum(['upheld', 'rejected'], 'choose upheld or rejected') });
const retryParams = z.object({ wcOrderId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER), processor: z.enum(['snelstart', 'postnl', 'reviews']) });

const followUpParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const byId = { params: idParams, examples: { params: { id: '8d0f6a2c-4b1e-4f3a-9c5d-7e6f8a9b0c1d' } } };

const PERSON_FIELDS = ['firstName', 'lastName'] as const;
const ADDRESS_FIELDS = ['address1', 'postcode', 'city', 'country', 'phone'] as const;

/** The rectification's changes from the form's optional fields (`firstName`, `billing.city`, …); empty ones stay. */
export function changesFromForm(body: Record<string, unknown>): Record<string, unknown> | null {
  const value = (k: string) => (typeof body[k] === 'string' && (body[k] as string).trim() ? (body[k] as string).trim() : undefined);
  const changes: Record<string, unknown> = {};
  for (const k of PERSON_FIELDS) if (value(k) !== undefined) changes[k] = value(k);
  const billing = Object.fromEntries(ADDRESS_FIELDS.map((k) => [k, value(`billing.${k}`)]).filter(([, v]) => v !== undefined));
  if (Object.keys(billing).length) changes.billing = billing;
  return Object.keys(changes).length ? changes : null;
}

const actor = (req: FastifyRequest) => req.principal?.name ?? 'operator';

export function deskActions(app: FastifyInstance, opts: DeskOptions): void {
  /** Runs `fn`; on success flashes its message, on a refusal the refusal; then back to `to` (or what fn says). */
  const action = (url: string, back: (req: FastifyRequest) => string, fn: (req: FastifyRequest) => Promise<{ message: string; to?: string }>, d: RouteDocs) =>
    app.post(url, deskFormDocs(d), async (req, reply) => {
      let to = back(req);
      try {
        const done = await fn(req);
        to = done.to ?? to;
        setFlash(req, reply, { kind: 'ok', text: done.message });
      } catch (err) {
        const known = asClientError(err);
        if (!known || known.statusCode >= 500) throw err;
        setFlash(req, reply, { kind: 'error', text: known.message });
      }
      return reply.redirect(to, 303);
    });

  const body = (req: FastifyRequest) => (req.body ?? {}) as Record<string, unknown>;
  const idOf = (req: FastifyRequest) => parseInput(idParams, req.params).id;
  const toRequest = (req: FastifyRequest) => {
    const p = idParams.safeParse(req.params);
    return p.success ? `/desk/requests/${p.data.id}` : '/desk';
  };

  action('/desk/requests', () => '/desk', async (req) => {
    const b = parseInput(fileBody, body(req));
    const changes = b.type === 'rectification' ? changesFromForm(body(req)) : null;
    if (b.type === 'rectification') {
      if (!changes) throw new AppError(400, 'invalid_request', 'A rectification needs at least one corrected field.');
      parseInput(changesSchema, changes);
    }
    const { request, linked } = await opts.requests.file({ type: b.type, email: b.email, lang: b.lang, changes, note: b.note || null, actor: actor(req) });
    req.log.info({ requestId: request.id, type: request.type, linked }, 'privacy request filed at the desk');
    return { message: linked ? 'Filed — linked to an open request of the same type for this address.' : 'Request filed. The requester has been mailed a receipt.', to: `/desk/requests/${request.id}` };
  }, { summary: 'File a privacy request from the desk (rectification: the corrected fields firstName, billing.city, …)', tags: [], body: fileBody,
    examples: { body: { type: 'access', email: 'jan@example.com', lang: 'nl', note: 'asked by phone' } }, responses: {} });

  action('/desk/requests/:id/verify', toRequest, async (req) => {
    await opts.requests.verify(idOf(req), actor(req), parseInput(noteBody, body(req)).note);
    return { message: 'Requester verified; the request is in progress.' };
  }, { summary: 'Verify the requester (say how)', tags: [], ...byId, body: noteBody, examples: { ...byId.examples, body: { note: 'called back on the number in the shop account' } }, responses: {} });

  action('/desk/requests/:id/extend', toRequest, async (req) => {
    const b = parseInput(extendBody, body(req));
    await opts.requests.extend(idOf(req), actor(req), b.reason, b.days);
    return { message: `Deadline extended by ${b.days} days; the requester is told why.` };
  }, { summary: 'Extend the deadline (at most 61 days, once; say why)', tags: [], ...byId, body: extendBody,
    examples: { ...byId.examples, body: { reason: 'complex: 14 years of orders', days: '30' } }, responses: {} });

  action('/desk/requests/:id/complete', toRequest, async (req) => {
    const r = await opts.rights.complete(idOf(req), actor(req));
    return { message: r.noDataHeld ? 'Completed: no data held for this address; the requester is told.' : 'Request completed.' };
  }, { summary: 'Carry out the right and complete the request', tags: [], ...byId, responses: {} });

  action('/desk/requests/:id/reject', toRequest, async (req) => {
    await opts.requests.reject(idOf(req), actor(req), parseInput(reasonBody, body(req)).reason);
    return { message: 'Request rejected; the requester is told why.' };
  }, { summary: 'Reject the request (say why)', tags: [], ...byId, body: reasonBody, examples: { ...byId.examples, body: { reason: 'manifestly unfounded' } }, responses: {} });

  action('/desk/requests/:id/lift', toRequest, async (req) => {
    await opts.rights.lift(idOf(req), actor(req));
    return { message: 'Restriction lifted; held work runs again.' };
  }, { summary: 'Lift a restriction of processing', tags: [], ...byId, responses: {} });

  action('/desk/requests/:id/objection-decision', toRequest, async (req) => {
    const b = parseInput(decisionBody, body(req));
    await opts.rights.decideObjection(idOf(req), actor(req), b.decision === 'upheld', b.reason);
    return { message: `Objection ${b.decision}.` };
  }, { summary: 'Decide an objection (upheld or rejected; say why)', tags: [], ...byId, body: decisionBody,
    examples: { ...byId.examples, body: { decision: 'upheld', reason: 'no compelling legitimate grounds' } }, responses: {} });

  action('/desk/pushes/:wcOrderId/:processor/retry', () => '/desk/pushes', async (req) => {
    const { wcOrderId, processor } = parseInput(retryParams, req.params);
    // The API's refusal, written as a sentence for the desk's message line.
    const syncIds = await retryPush(opts.pool, opts.relay, wcOrderId, processor).catch((err: unknown) => {
      if (err instanceof AppError) throw new AppError(err.statusCode, err.code, `${err.message[0]!.toUpperCase()}${err.message.slice(1)}.`);
      throw err;
    });
    req.log.info({ wcOrderId, processor, syncIds }, 'push retry requested at the desk');
    return { message: `The ${processor} push of order ${wcOrderId} will be retried now.` };
  }, { summary: 'Retry a failed push', tags: [], params: retryParams, examples: { params: { wcOrderId: 1042, processor: 'snelstart' } }, responses: {} });

  action('/desk/requests/:id/resend-mail', toRequest, async (req) => {
    const n = await resendRequestMails(opts.pool, idOf(req), actor(req), opts.clock.now());
    opts.kick?.();
    return { message: `${n} mail(s) that had failed queued again.` };
  }, { summary: 'Send the request\'s mails that failed for good again', tags: [], ...byId, responses: {} });

  action('/desk/processor-erasures/:id/resolve', () => '/desk/pushes', async (req) => {
    const { id } = parseInput(followUpParams, req.params);
    const item = await closeErasureFollowUp(opts.pool, id, actor(req), parseInput(resolveForm, body(req)).note);
    req.log.info({ followUpId: id, processor: item.processor }, 'processor erasure closed by hand at the desk');
    return { message: `The ${item.processor} erasure is closed as done by hand.` };
  }, { summary: 'Close a processor erasure done by hand (say what was done)', tags: [], params: followUpParams, body: resolveForm,
    examples: { params: { id: 17 }, body: { note: 'asked Kiyoh support, ticket 5531' } }, responses: {} });
}
