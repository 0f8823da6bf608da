/**
 * The shop's own review site — the contract it must implement (copy this into the README):
 *
 * Base URL `REVIEWS_API_URL` (may carry a path prefix, e.g. https://reviews.example.nl/api). Every request carries
 * `Authorization: Bearer <REVIEWS_API_KEY>` and, with a body, `Content-Type: application/json`. Nothing else about
 * the customer is ever sent (P7): no address, no phone, no order contents or amounts.
 *
 * POST /invitations   {"name": string, "email": string, "orderRef": string}
 *   name      first + last name joined with one space, non-empty
 *   email     the billing email
 *   orderRef  the WooCommerce order number: opaque, stable per order, no personal data
 *   → 201 {"id": "<invitation id>"}   invitation stored; the site sends the invitation mail
 *   → 200 {"id": "<existing id>"}     an invitation with this orderRef already exists: nothing new is sent. The site
 *                                      SHOULD de-duplicate on orderRef like this (it makes a re-send after a timeout
 *                                      harmless); the client accepts 200 and 201 alike.
 *   → 422 {"error": "validation_failed", "fields": ["email", …]}   missing/invalid or unknown fields (names only)
 *
 * POST /erasures      {"email": string}
 *   → 204 (no body)   every invitation and all personal data (incl. published name/place) for that email are gone;
 *                     also 204 when the site held nothing (so the answer reveals nothing, and a repeat is harmless)
 *   → 422 {"error": "validation_failed", "fields": ["email"]}
 *
 * Any endpoint:
 *   → 401 {"error": "unauthorized"}         key missing or wrong (WWW-Authenticate: Bearer)
 *   → 429 {"error": "rate_limited"}         with Retry-After (seconds or an HTTP date)
 *   → 5xx                                    temporary; retried by the job
 * Error bodies are {"error": "<snake_case code>", "fields"?: [...]} and never echo submitted values.
 *
 * Env (wired by the lead): REVIEWS_PROVIDER=own, REVIEWS_API_URL, REVIEWS_API_KEY.
 */
import { failureOf, send, type HttpResponse } from '../http.js';
import { ProcessorError } from '../types.js';
import { REVIEWS_FIELDS, emailProblem, inviteProblem, ownError, ownErasurePayload, ownInvitePayload } from './reviews.payload.js';
import type { EraseOutcome, InviteInput, ReviewsClient } from './reviews.types.js';

export interface OwnReviewsConfig {
  provider: 'own';
  /** REVIEWS_API_URL */
  apiUrl: string;
  /** REVIEWS_API_KEY */
  apiKey: string;
  timeoutMs: number;
}

/** Turns a non-2xx answer into a ProcessorError whose message holds only the site's code and field names. */
function failure(res: HttpResponse, what: string): ProcessorError {
  const { code, fields } = ownError(res.body);
  const slug = code ?? `http_${res.status}`;
  const detail = fields.length ? ` (${fields.join(', ')})` : '';
  return failureOf('reviews', res, slug, `${what} rejected: ${slug}${detail}`);
}

/** A refusal before any request: the input can never make a valid invitation, so retrying is pointless. */
const refused = (code: string) => new ProcessorError('reviews', 'permanent', null, code, `not sent: ${code}`);

export function createOwnReviewsClient(cfg: OwnReviewsConfig): ReviewsClient {
  const base = cfg.apiUrl.replace(/\/+$/, '');
  const post = (path: string, body: unknown) => send('reviews', {
    method: 'POST',
    url: `${base}${path}`,
    headers: { authorization: `Bearer ${cfg.apiKey}` },
    body,
    timeoutMs: cfg.timeoutMs,
  });

  return {
    provider: 'own',
    canErase: true,
    fields: REVIEWS_FIELDS.own,

    async invite(i: InviteInput) {
      const problem = inviteProblem(i, true);
      if (problem) throw refused(problem);
      const res = await post('/invitations', ownInvitePayload(i));
      if (res.status === 201 || res.status === 200) {
        // The contract promises an id; a 2xx without one still means "accepted", so it is not treated as a failure.
        const id = (res.body as { id?: unknown } | null)?.id;
        return { id: typeof id === 'string' || typeof id === 'number' ? String(id) : null };
      }
      throw failure(res, 'invitation');
    },

    async erase(email: string): Promise<EraseOutcome> {
      const problem = emailProblem(email);
      if (problem) throw refused(problem);
      const res = await post('/erasures', ownErasurePayload(email));
      if (res.status === 204 || res.status === 200) return 'erased';
      throw failure(res, 'erasure');
    },
  };
}
