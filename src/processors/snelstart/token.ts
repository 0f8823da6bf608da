import { ProcessorError } from '../types.js';
import { send, failureOf } from '../http.js';
import { describeSnelstartError, prop } from './errors.js';

/**
 * Snelstart bearer tokens (processors-facts §1.2): the koppelsleutel is exchanged with `grant_type=clientkey` in a
 * form body (credentials belong in the body). There is no refresh token; a token lives `expires_in` (≈ 3599 s), so
 * it is cached until 60 s before it runs out (as iwd-nl's cache does) and fetched again. Concurrent callers share
 * one in-flight request, so a burst of jobs after expiry asks for one token, not one each.
 */

export interface TokenSourceConfig {
  /** Full token URL (…/b2b/token); a bare host gets `/b2b/token` appended. */
  authUrl: string;
  clientKey: string;
  timeoutMs: number;
  now: () => number;
}

export interface TokenSource {
  get(): Promise<string>;
  /** Forget `token` if it is still the cached one (a 401 said it is dead); a newer token is kept. */
  invalidate(token: string): void;
}

const EARLY_MS = 60_000;

export function tokenUrl(authUrl: string): string {
  const u = authUrl.replace(/\/+$/, '');
  return /\/token$/i.test(u) ? u : `${u}/b2b/token`;
}

export function createTokenSource(cfg: TokenSourceConfig): TokenSource {
  const url = tokenUrl(cfg.authUrl);
  let cached: { token: string; until: number } | null = null;
  let inFlight: Promise<string> | null = null;

  async function fetchToken(): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'clientkey', clientkey: cfg.clientKey });
    const res = await send('snelstart', { method: 'POST', url, body, timeoutMs: cfg.timeoutMs }).catch((err: unknown) => {
      // A token request that may have landed is harmless to repeat: not ambiguous, just retryable.
      if (err instanceof ProcessorError && err.kind === 'ambiguous') {
        throw new ProcessorError('snelstart', 'retryable', null, err.code, `token request: ${err.message}`);
      }
      throw err;
    });
    if (res.status === 400 || res.status === 401) {
      // OAuth-style {error: 'invalid_grant'}: a wrong or revoked koppelsleutel. No retry helps.
      const error = prop(res.body, 'error');
      const code = typeof error === 'string' && /^[a-z_]{1,40}$/.test(error) ? error : 'token_refused';
      throw new ProcessorError('snelstart', 'auth', res.status, code, 'Snelstart refused the client key (koppelsleutel)');
    }
    if (res.status !== 200) {
      const e = describeSnelstartError(res.status, res.body);
      throw failureOf('snelstart', res, e.code, `token request: ${e.message}`);
    }
    const token = prop(res.body, 'access_token');
    const expiresIn = Number(prop(res.body, 'expires_in'));
    if (typeof token !== 'string' || !token || !Number.isFinite(expiresIn)) {
      throw new ProcessorError('snelstart', 'retryable', res.status, 'bad_token_response', 'the token response lacks access_token or expires_in');
    }
    // Short-lived tokens (under 2 min) are kept for half their life instead of dropping to zero.
    const early = Math.min(EARLY_MS, (expiresIn * 1000) / 2);
    cached = { token, until: cfg.now() + expiresIn * 1000 - early };
    return token;
  }

  return {
    get() {
      if (cached && cfg.now() < cached.until) return Promise.resolve(cached.token);
      inFlight ??= fetchToken().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
    invalidate(token) {
      if (cached?.token === token) cached = null;
    },
  };
}
