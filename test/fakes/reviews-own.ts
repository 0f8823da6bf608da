/**
 * A fake of the shop's own review site, implementing the contract documented at the top of
 * src/processors/reviews/own-site.client.ts: bearer auth (401 {"error":"unauthorized"}), POST /invitations → 201
 * {"id"} (200 {"id"} for an orderRef it already holds, unless `dedupeByOrderRef: false`), 422 with field names on
 * missing, invalid or unknown fields, POST /erasures → 204 removing every invitation for the email.
 *
 * De-duplication on orderRef is the contract's SHOULD, not a MUST: `dedupeByOrderRef: false` models a site that
 * does not do it (a repeat creates a second invitation and a second mail), so a job test can prove what happens then.
 */
import { startFakeHttp, type Fault, type FakeControls, type Incoming, type RecordedRequest, type Reply } from './reviews-http.js';

export type { Fault, RecordedRequest };

export interface OwnInvitation { id: string; name: string; email: string; orderRef: string }

export interface FakeOwnReviews extends FakeControls {
  apiKey: string;
  state: {
    invitations: Map<string, OwnInvitation>;
    /** Invitation mails the site sent (one per created invitation; none for a de-duplicated repeat). */
    mailsSent: number;
    /** Emails erased, in order (the fake keeps them so tests can assert; the real site keeps only a tombstone). */
    erasures: string[];
  };
}

export interface FakeOwnReviewsOptions { apiKey?: string; dedupeByOrderRef?: boolean }

const INVITE_FIELDS = ['name', 'email', 'orderRef'];
/** Stricter than the client's check on purpose: the site wants a domain with a dot, so `x@localhost` reaches 422. */
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const nonEmpty = (v: unknown, max: number) => typeof v === 'string' && v.trim() !== '' && v.length <= max;

const error = (status: number, code: string, extra: Record<string, unknown> = {}): Reply =>
  ({ status, body: { error: code, ...extra } });

/** Field names that are missing, invalid or not part of the contract (values are never echoed). */
function invalid(body: Record<string, unknown>, allowed: string[], checks: Record<string, (v: unknown) => boolean>): string[] {
  const bad = Object.keys(body).filter((k) => !allowed.includes(k));
  for (const [field, ok] of Object.entries(checks)) if (!ok(body[field])) bad.push(field);
  return bad;
}

export async function startFakeOwnReviews(o: FakeOwnReviewsOptions = {}): Promise<FakeOwnReviews> {
  const apiKey = o.apiKey ?? 'rk_test_0123456789';
  const dedupe = o.dedupeByOrderRef ?? true;
  const state: FakeOwnReviews['state'] = { invitations: new Map(), mailsSent: 0, erasures: [] };
  let nextId = 1;

  const handle = (req: Incoming): Reply => {
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return { ...error(401, 'unauthorized'), headers: { 'www-authenticate': 'Bearer' } };
    }
    const route = `${req.method} ${req.path}`;
    if (req.path !== '/invitations' && req.path !== '/erasures') return error(404, 'not_found');
    if (req.method !== 'POST') return { ...error(405, 'method_not_allowed'), headers: { allow: 'POST' } };
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return error(415, 'unsupported_media_type');
    if (req.badJson || typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) return error(400, 'invalid_json');
    const body = req.body as Record<string, unknown>;

    if (route === 'POST /invitations') {
      const fields = invalid(body, INVITE_FIELDS, {
        name: (v) => nonEmpty(v, 200),
        email: (v) => typeof v === 'string' && EMAIL.test(v),
        orderRef: (v) => nonEmpty(v, 64),
      });
      if (fields.length) return error(422, 'validation_failed', { fields });
      const orderRef = body.orderRef as string;
      const existing = [...state.invitations.values()].find((x) => x.orderRef === orderRef);
      if (existing && dedupe) return { status: 200, body: { id: existing.id } };
      const inv: OwnInvitation = { id: `inv_${nextId++}`, name: body.name as string, email: body.email as string, orderRef };
      state.invitations.set(inv.id, inv);
      state.mailsSent++;
      return { status: 201, body: { id: inv.id } };
    }

    const fields = invalid(body, ['email'], { email: (v) => typeof v === 'string' && EMAIL.test(v) });
    if (fields.length) return error(422, 'validation_failed', { fields });
    const email = (body.email as string).toLowerCase();
    for (const [id, inv] of state.invitations) if (inv.email.toLowerCase() === email) state.invitations.delete(id);
    state.erasures.push(body.email as string);
    return { status: 204 };
  };

  const faultBody = (status: number) =>
    ({ error: status === 429 ? 'rate_limited' : status >= 500 ? 'server_error' : status === 401 ? 'unauthorized' : 'request_failed' });
  const controls = await startFakeHttp(handle, faultBody);
  return { ...controls, apiKey, state };
}
