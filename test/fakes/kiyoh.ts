/**
 * A fake Kiyoh / Klantenvertellen invitation API (processors-facts §3.1): POST /v1/invite/external with the
 * `X-Publication-Api-Token` header and a JSON body → 200 {"code":"OK"}; errors in Kiyoh's shape
 * {"httpCode","errorCode","id","detailedError":[{"errorCode","message"}]}; a second invite for the same location,
 * invite_email and ref_code → INVITATION_ALREADY_PLACED (Kiyoh de-duplicates, which makes the call idempotent).
 *
 * Documented: the path, header, body fields, `code: OK`, the error shape, INVITATION_ALREADY_PLACED, INVALID_HASH.
 * Inferred here (not documented): that errors come with HTTP 400 (as the body's httpCode in the known fixture),
 * that a bad token or a location the token does not cover answers INVALID_HASH, and the validation codes
 * INVALID_EMAIL / INVALID_LANGUAGE / INVALID_DELAY / MISSING_LOCATION_ID (illustrative; the client relies on none).
 * Kiyoh has no erasure endpoint, so the fake has none either.
 */
import { randomUUID } from 'node:crypto';
import { startFakeHttp, type Fault, type FakeControls, type Incoming, type RecordedRequest, type Reply } from './reviews-http.js';

export type { Fault, RecordedRequest };

export interface KiyohInvite {
  location_id: string;
  invite_email: string;
  delay: number;
  language: string;
  first_name?: string;
  last_name?: string;
  ref_code?: string;
}

export interface FakeKiyoh extends FakeControls {
  token: string;
  locationId: string;
  state: { invites: KiyohInvite[] };
}

export interface FakeKiyohOptions { token?: string; locationId?: string }

/** Languages Kiyoh supports (marshmallow-packages/reviews-kiyoh). */
const LANGUAGES = ['en', 'nl', 'fi-FI', 'fr', 'be', 'de', 'hu', 'bg', 'ro', 'hr', 'ja', 'es-ES', 'it', 'pt-PT', 'tr',
  'nn-NO', 'sv-SE', 'da', 'pt-BR', 'pl', 'sl', 'zh-CN', 'ru', 'el', 'cs', 'et', 'lt', 'lv', 'sk'];
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

const TOP_CODE: Record<number, string> = { 400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 404: 'NOT_FOUND', 429: 'TOO_MANY_REQUESTS' };

export function kiyohErrorBody(httpCode: number, detailCode: string, message: string): Record<string, unknown> {
  return {
    httpCode,
    errorCode: httpCode >= 500 ? 'INTERNAL_SERVER_ERROR' : TOP_CODE[httpCode] ?? 'BAD_REQUEST',
    id: randomUUID(),
    detailedError: [{ errorCode: detailCode, message }],
  };
}

const fail = (status: number, code: string, message: string): Reply => ({ status, body: kiyohErrorBody(status, code, message) });

export async function startFakeKiyoh(o: FakeKiyohOptions = {}): Promise<FakeKiyoh> {
  const token = o.token ?? 'kiyoh-token-0123456789abcdef';
  const locationId = o.locationId ?? '1051234';
  const state: FakeKiyoh['state'] = { invites: [] };

  const handle = (req: Incoming): Reply => {
    if (req.path !== '/v1/invite/external') return fail(404, 'NOT_FOUND', 'Not found');
    if (req.method !== 'POST') return fail(405, 'METHOD_NOT_ALLOWED', 'Method not allowed');
    if (req.headers['x-publication-api-token'] !== token) return fail(400, 'INVALID_HASH', 'Invalid hash');
    if (req.badJson || typeof req.body !== 'object' || req.body === null) return fail(400, 'INVALID_JSON', 'Malformed JSON');
    const b = req.body as Record<string, unknown>;
    if (b.location_id === undefined || b.location_id === '') return fail(400, 'MISSING_LOCATION_ID', 'location_id is required');
    if (String(b.location_id) !== locationId) return fail(400, 'INVALID_HASH', 'Invalid hash');
    if (typeof b.invite_email !== 'string' || !EMAIL.test(b.invite_email)) return fail(400, 'INVALID_EMAIL', 'Invalid email');
    if (b.language !== undefined && !LANGUAGES.includes(b.language as string)) return fail(400, 'INVALID_LANGUAGE', 'Invalid language');
    if (b.delay !== undefined && !(Number.isInteger(b.delay) && (b.delay as number) >= 0)) return fail(400, 'INVALID_DELAY', 'Invalid delay');

    const email = b.invite_email.toLowerCase();
    const ref = typeof b.ref_code === 'string' ? b.ref_code : undefined;
    if (state.invites.some((x) => x.location_id === locationId && x.invite_email.toLowerCase() === email && x.ref_code === ref)) {
      return fail(400, 'INVITATION_ALREADY_PLACED', 'Invitation already placed');
    }
    state.invites.push({
      location_id: locationId, invite_email: b.invite_email, delay: (b.delay as number | undefined) ?? 0,
      language: (b.language as string | undefined) ?? 'nl', ref_code: ref,
      ...(typeof b.first_name === 'string' ? { first_name: b.first_name } : {}),
      ...(typeof b.last_name === 'string' ? { last_name: b.last_name } : {}),
    });
    return { status: 200, body: { code: 'OK' } };
  };

  const faultBody = (status: number) =>
    kiyohErrorBody(status, status === 429 ? 'TOO_MANY_REQUESTS' : status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST', 'Error');
  const controls = await startFakeHttp(handle, faultBody);
  return { ...controls, token, locationId, state };
}
