import { failureOf, send, type HttpResponse } from '../http.js';
import { ProcessorError } from '../types.js';
import type { SalesBookingBody } from './booking.payload.js';
import { describeSnelstartError, prop, retryAfterFromBody } from './errors.js';
import type { RelationBody } from './relation.payload.js';
import { createTokenSource } from './token.js';

/**
 * HTTP adapter for the Snelstart B2B API v2 (processors-facts §1) — P9. It sends what the pure builders made and
 * nothing else. Every API call carries the bearer token and `Ocp-Apim-Subscription-Key`; a 401 on an API call
 * invalidates the token, fetches one new token and retries once (401 before processing: the retry cannot
 * duplicate). Everything else — 429, 5xx, validation — becomes a ProcessorError for the push job to decide on.
 *
 * POST is not idempotent and Snelstart has no idempotency key (§1.12): a create that timed out is `ambiguous`, and
 * the job must call findSalesInvoice before trying again.
 *
 * Env (wired by the lead): SNELSTART_API_URL, SNELSTART_AUTH_URL, SNELSTART_CLIENT_KEY, SNELSTART_SUBSCRIPTION_KEY.
 */

export interface SnelstartConfig {
  /** SNELSTART_API_URL, e.g. https://b2bapi.snelstart.nl (a trailing /v2 is tolerated). */
  apiUrl: string;
  /** SNELSTART_AUTH_URL, e.g. https://auth.snelstart.nl/b2b/token (a bare host gets /b2b/token). */
  authUrl: string;
  /** SNELSTART_CLIENT_KEY: the koppelsleutel of the administration. */
  clientKey: string;
  /** SNELSTART_SUBSCRIPTION_KEY: the partner application's APIM key. */
  subscriptionKey: string;
  timeoutMs: number;
  /** Clock for the token cache (tests). */
  now?: () => number;
}

export interface SnelstartClient {
  /** The booking made for an invoice number, if any (GET /v2/verkoopfacturen by Factuurnummer). */
  findSalesInvoice(invoiceNumber: string): Promise<{ bookingId: string } | null>;
  /** POST /v2/verkoopboekingen → the new booking's id. */
  createSalesBooking(body: SalesBookingBody): Promise<{ id: string }>;
  /** The relation whose relatiecode is `code` (our person number), if any. */
  findRelationByCode(code: number): Promise<{ id: string } | null>;
  /** POST /v2/relaties → the new relation's id. */
  createRelation(body: RelationBody): Promise<{ id: string }>;
  /** The GUID of a country (ISO 3166 alpha-2) from GET /v2/landen, loaded once per client. */
  countryId(isoCode: string): Promise<string>;
}

/** An OData string literal: single quotes doubled ('s-Hertogenbosch → '''s-Hertogenbosch'). */
export const odataString = (v: string): string => `'${v.replace(/'/g, "''")}'`;

const idOf = (v: unknown): string | null => {
  const id = prop(v, 'id');
  return typeof id === 'string' && id ? id : null;
};

export function createSnelstartClient(cfg: SnelstartConfig): SnelstartClient {
  const base = `${cfg.apiUrl.replace(/\/+$/, '').replace(/\/v2$/i, '')}/v2`;
  const tokens = createTokenSource({ authUrl: cfg.authUrl, clientKey: cfg.clientKey, timeoutMs: cfg.timeoutMs, now: cfg.now ?? Date.now });
  let countries: Promise<Map<string, string>> | null = null;

  function failure(res: HttpResponse): ProcessorError {
    const e = describeSnelstartError(res.status, res.body);
    const err = failureOf('snelstart', res, e.code, e.message);
    if (err.kind === 'rate_limited' && err.retryAfterMs === null) {
      return new ProcessorError('snelstart', 'rate_limited', res.status, e.code, e.message, retryAfterFromBody(res.body));
    }
    return err;
  }

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<HttpResponse> {
    const attempt = async (token: string) => send('snelstart', {
      method, url: `${base}${path}`, body, timeoutMs: cfg.timeoutMs,
      headers: { authorization: `Bearer ${token}`, 'Ocp-Apim-Subscription-Key': cfg.subscriptionKey },
    });
    const token = await tokens.get();
    let res = await attempt(token);
    if (res.status === 401 && describeSnelstartError(401, res.body).code !== 'subscription_key') {
      tokens.invalidate(token);
      res = await attempt(await tokens.get());
    }
    if (res.status >= 400) throw failure(res);
    return res;
  }

  /** A GET list (Snelstart returns a bare array); anything else is a broken answer worth a retry. */
  async function list(path: string): Promise<unknown[]> {
    const res = await call('GET', path);
    if (!Array.isArray(res.body)) throw new ProcessorError('snelstart', 'retryable', res.status, 'bad_response', `GET ${path.split('?')[0]} did not return a list`);
    return res.body;
  }

  /** A 201 create: without an id we cannot know what landed, so the job must look it up (ambiguous). */
  async function create(path: string, body: unknown): Promise<{ id: string }> {
    const res = await call('POST', path, body);
    const id = idOf(res.body);
    if (!id) throw new ProcessorError('snelstart', 'ambiguous', res.status, 'bad_response', `POST ${path} answered without an id`);
    return { id };
  }

  const filter = (expr: string, top: number) => `?$filter=${encodeURIComponent(expr)}&$top=${top}`;

  return {
    async findSalesInvoice(invoiceNumber) {
      const rows = await list(`/verkoopfacturen${filter(`Factuurnummer eq ${odataString(invoiceNumber)}`, 10)}`);
      // Exact match guards against a server that filters loosely; the first booking made is the one we keep.
      const row = rows.find((r) => prop(r, 'factuurnummer') === invoiceNumber);
      const bookingId = row ? idOf(prop(row, 'verkoopBoeking')) : null;
      return bookingId ? { bookingId } : null;
    },
    createSalesBooking: (body) => create('/verkoopboekingen', body),
    async findRelationByCode(code) {
      if (!Number.isInteger(code) || code < 1) throw new ProcessorError('snelstart', 'permanent', null, 'bad_relation_code', 'relatiecode must be a positive integer');
      const rows = await list(`/relaties${filter(`Relatiecode eq ${code}`, 1)}`);
      const id = rows.length ? idOf(rows[0]) : null;
      return id ? { id } : null;
    },
    createRelation: (body) => create('/relaties', body),
    async countryId(isoCode) {
      countries ??= list('/landen').then((rows) => {
        const byIso = new Map<string, string>();
        for (const r of rows) {
          const iso = prop(r, 'landcodeISO');
          const id = idOf(r);
          if (typeof iso === 'string' && id) byIso.set(iso.toUpperCase(), id);
        }
        return byIso;
      });
      // A failed load is not cached: the next job asks again.
      const byIso = await countries.catch((err: unknown) => {
        countries = null;
        throw err;
      });
      const id = byIso.get(isoCode.trim().toUpperCase());
      if (!id) throw new ProcessorError('snelstart', 'permanent', null, 'unknown_country', `Snelstart has no country ${isoCode.slice(0, 3)}`);
      return id;
    },
  };
}
