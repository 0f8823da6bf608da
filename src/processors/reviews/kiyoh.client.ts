/**
 * Kiyoh / Klantenvertellen invitation adapter (processors-facts §3.1).
 *
 * POST {KIYOH_BASE_URL}/v1/invite/external, headers `X-Publication-Api-Token: <KIYOH_API_TOKEN>` and
 * `Content-Type: application/json`, body {location_id, invite_email, delay: 0, language, first_name?, last_name?,
 * ref_code} (see kiyohInvitePayload). Success is 200 `{"code":"OK"}` — Kiyoh returns no invitation id.
 * Errors: `{"httpCode","errorCode","id","detailedError":[{"errorCode","message"}]}`;
 * detailedError[0].errorCode `INVITATION_ALREADY_PLACED` means Kiyoh already has this invitation → success (so a
 * re-send after a timeout is safe); `INVALID_HASH` means the token is not accepted → `auth`.
 *
 * Kiyoh has no erasure API: erase() answers `manual_required` without any request (canErase: false); the operator
 * removes the person in the Kiyoh dashboard.
 *
 * Env (wired by the lead): REVIEWS_PROVIDER=kiyoh, KIYOH_BASE_URL (default https://www.kiyoh.com; Klantenvertellen
 * customers use https://www.klantenvertellen.nl), KIYOH_API_TOKEN, KIYOH_LOCATION_ID, KIYOH_LANGUAGE (optional, 'nl').
 */
import { failureOf, send } from '../http.js';
import { ProcessorError } from '../types.js';
import {
  KIYOH_ALREADY_PLACED, KIYOH_INVALID_HASH, REVIEWS_FIELDS, inviteProblem, kiyohErrorCode, kiyohInvitePayload, kiyohOk,
} from './reviews.payload.js';
import type { EraseOutcome, InviteInput, ReviewsClient } from './reviews.types.js';

export const KIYOH_DEFAULT_BASE_URL = 'https://www.kiyoh.com';
export const KIYOH_DEFAULT_LANGUAGE = 'nl';

export interface KiyohConfig {
  provider: 'kiyoh';
  /** KIYOH_BASE_URL; default https://www.kiyoh.com */
  baseUrl?: string;
  /** KIYOH_API_TOKEN (the "X-Publication-Api-Token" / "Connectorcode" from the Kiyoh dashboard) */
  apiToken: string;
  /** KIYOH_LOCATION_ID */
  locationId: string;
  /** Invitation mail language; default 'nl' */
  language?: string;
  timeoutMs: number;
}

export function createKiyohClient(cfg: KiyohConfig): ReviewsClient {
  const url = `${(cfg.baseUrl ?? KIYOH_DEFAULT_BASE_URL).replace(/\/+$/, '')}/v1/invite/external`;
  const language = cfg.language ?? KIYOH_DEFAULT_LANGUAGE;

  return {
    provider: 'kiyoh',
    canErase: false,
    fields: REVIEWS_FIELDS.kiyoh,

    async invite(i: InviteInput) {
      const problem = inviteProblem(i, false);
      if (problem) throw new ProcessorError('reviews', 'permanent', null, problem, `not sent: ${problem}`);
      const res = await send('reviews', {
        method: 'POST',
        url,
        headers: { 'x-publication-api-token': cfg.apiToken },
        body: kiyohInvitePayload(i, { locationId: cfg.locationId, language }),
        timeoutMs: cfg.timeoutMs,
      });
      const code = kiyohErrorCode(res.body);
      // Checked before the status: which HTTP status Kiyoh pairs with it is not documented (400 in the fake).
      if (code === KIYOH_ALREADY_PLACED) return { id: null };
      if (res.status >= 200 && res.status < 300) {
        if (kiyohOk(res.body)) return { id: null };
        // A 2xx without "OK": we cannot tell whether it was placed. Re-sending is safe (Kiyoh de-duplicates), so
        // the job resolves it like a timeout.
        throw new ProcessorError('reviews', 'ambiguous', res.status, 'unexpected_response', 'invitation answer without code OK');
      }
      const slug = code ?? `http_${res.status}`;
      if (code === KIYOH_INVALID_HASH || res.status === 403) {
        throw new ProcessorError('reviews', 'auth', res.status, slug, `invitation rejected: ${slug}`);
      }
      throw failureOf('reviews', res, slug, `invitation rejected: ${slug}`);
    },

    async erase(_email: string): Promise<EraseOutcome> {
      // No Kiyoh API erases a person; no request is made and nothing is sent.
      return 'manual_required';
    },
  };
}
