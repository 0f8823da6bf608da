/** Shared plumbing of the fake WooCommerce: PHP-style JSON, WP REST errors, dates, paging, auth, failure injection. */
import type { Server } from 'node:https';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export type Rec = Record<string, unknown>;
export type WooApp = FastifyInstance<Server>;
export const REST = '/wp-json/wc/v3';

/** PHP's json_encode as WordPress calls it (flags 0): `/` → `\/`, non-ASCII → \uXXXX (UTF-16 units, as PHP does). */
export function phpJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function sendJson(reply: FastifyReply, body: unknown, status = 200): FastifyReply {
  return reply.code(status).type('application/json; charset=UTF-8').send(phpJson(body));
}

/** A WP_Error as the REST server renders it: {code, message, data: {status, ...}}. */
export function wcError(reply: FastifyReply, status: number, code: string, message: string, data: Rec = {}): FastifyReply {
  return sendJson(reply, { code, message, data: { status, ...data } }, status);
}

export function invalidParam(reply: FastifyReply, name: string, why: string): FastifyReply {
  return wcError(reply, 400, 'rest_invalid_param', `Invalid parameter(s): ${name}`, { params: { [name]: why } });
}

export const noRoute = (reply: FastifyReply) =>
  wcError(reply, 404, 'rest_no_route', 'No route was found matching the URL and request method.');

// ---- dates -------------------------------------------------------------------------------------------------------

/** The site's timezone, modelled as Europe/Amsterdam in winter: a fixed UTC+1 (no DST switch). */
export const SITE_OFFSET_MS = 3_600_000;
/** `Y-m-d\TH:i:s` in UTC, as wc_rest_prepare_date_response() writes `*_gmt` fields (no zone designator). */
export const gmtStamp = (d: Date): string => d.toISOString().slice(0, 19);
/** The same instant as site-local wall-clock time (the fields without `_gmt`). */
export const localStamp = (d: Date): string => gmtStamp(new Date(d.getTime() + SITE_OFFSET_MS));
export const gmtToLocal = (gmt: string): string => localStamp(new Date(`${gmt.slice(0, 19)}Z`));

const REST_DATE = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}(?::\d{2})?)?$/;

/**
 * How WP reads a date query param (rest_parse_date, then build_mysql_datetime: `date_create($s, wp_timezone())`
 * formatted in the site timezone): a value without a zone stays as its wall-clock digits; a value with `Z` or an
 * offset is converted to site-local digits — which are then compared against the `_gmt` column all the same. So
 * `modified_after=…T12:00:00Z` filters on 13:00 GMT: the bug a client avoids by sending UTC without a suffix.
 * Returns undefined when WP would reject the value ("Invalid date.").
 */
export function siteLocalDigits(value: string): string | undefined {
  const m = REST_DATE.exec(value);
  if (!m) return undefined;
  const digits = `${m[1]}T${m[2]}`;
  const zone = m[3];
  if (!zone) return digits;
  const t = Date.parse(`${digits}${zone.length === 3 ? `${zone}:00` : zone}`);
  return Number.isNaN(t) ? undefined : localStamp(new Date(t));
}

// ---- query, ordering, paging --------------------------------------------------------------------------------------

/** A query param as one string (repeated keys and `name[]` arrays are joined with commas, as WP's CSV lists). */
export function param(req: FastifyRequest, name: string): string | undefined {
  const q = req.query as Record<string, string | string[] | undefined>;
  const v = q[name] ?? q[`${name}[]`];
  return v === undefined ? undefined : Array.isArray(v) ? v.join(',') : v;
}

export const isTrue = (v: string | undefined) => v === 'true' || v === '1';

export function byKeys<T>(keys: ((x: T) => string | number)[], desc: boolean): (a: T, b: T) => number {
  return (a, b) => {
    for (const key of keys) {
      const x = key(a);
      const y = key(b);
      if (x !== y) return (x < y ? -1 : 1) * (desc ? -1 : 1);
    }
    return 0;
  };
}

/** `offset`, when given, replaces `page` as the start (WP_Query ignores `paged` under an offset). */
export interface Paging { page: number; perPage: number; offset?: number }

/** `page` (≥1, default 1), `per_page` (1–100, default 10) and `offset` (≥0), validated as WP's REST args are; undefined = 400 sent. */
export function readPaging(req: FastifyRequest, reply: FastifyReply): Paging | undefined {
  const out: Paging = { page: 1, perPage: 10 };
  const offset = param(req, 'offset');
  if (offset !== undefined) {
    if (!/^\d+$/.test(offset)) return void invalidParam(reply, 'offset', 'offset is not of type integer.');
    out.offset = Number(offset);
  }
  for (const [name, field, max] of [['page', 'page', Infinity], ['per_page', 'perPage', 100]] as const) {
    const raw = param(req, name);
    if (raw === undefined) continue;
    if (!/^-?\d+$/.test(raw)) return void invalidParam(reply, name, `${name} is not of type integer.`);
    const n = Number(raw);
    if (n < 1 || n > max) {
      const why = max === Infinity ? `${name} must be greater than or equal to 1` : `${name} must be between 1 (inclusive) and ${max} (inclusive)`;
      return void invalidParam(reply, name, why);
    }
    out[field] = n;
  }
  return out;
}

/** One page of `items` with X-WP-Total, X-WP-TotalPages and a Link header (rel prev/next) built from the request's query. */
export function sendPage(req: FastifyRequest, reply: FastifyReply, baseUrl: string, items: unknown[], p: Paging): FastifyReply {
  const total = items.length;
  const pages = Math.ceil(total / p.perPage);
  const link = (page: number) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query as Rec)) q.set(k, Array.isArray(v) ? v.join(',') : String(v));
    q.set('page', String(page));
    return `<${baseUrl}?${q.toString()}>`;
  };
  const links: string[] = [];
  if (p.page > 1) links.push(`${link(Math.min(p.page - 1, Math.max(pages, 1)))}; rel="prev"`);
  if (pages > p.page) links.push(`${link(p.page + 1)}; rel="next"`);
  reply.header('X-WP-Total', String(total)).header('X-WP-TotalPages', String(pages));
  if (links.length) reply.header('Link', links.join(', '));
  const start = p.offset ?? (p.page - 1) * p.perPage;
  return sendJson(reply, items.slice(start, start + p.perPage));
}

// ---- auth, failure injection, oversized headers, request log ------------------------------------------------------

export type FailStatus = 401 | 404 | 429 | 500 | 503;
export interface FailRule { remaining: number; status: FailStatus; path?: RegExp; retryAfterSeconds?: number }
export interface RestRequest { method: string; path: string; query: Record<string, string>; status: number }

export interface RestControls {
  consumerKey: string;
  consumerSecret: string;
  failRules: FailRule[];
  oversized: boolean;
  requests: RestRequest[];
}

const FAIL_BODIES: Record<FailStatus, [string, string]> = {
  401: ['woocommerce_rest_authentication_error', 'Consumer secret is invalid.'],
  404: ['rest_no_route', 'No route was found matching the URL and request method.'],
  429: ['rate_limit_exceeded', 'Too many requests. Please wait and try again.'],
  500: ['internal_server_error', '<p>There has been a critical error on this website.</p>'],
  503: ['service_unavailable', 'Briefly unavailable for scheduled maintenance. Check back in a minute.'],
};

/** ~24 KB of response headers, like a shop printing PHP deprecation notices into X-WP-DeprecatedFunction headers. */
const OVERSIZED = Array.from({ length: 24 }, (_, i) =>
  `wc_deprecated_${i} (since 8.7.0; use wc_get_container()) ${'x'.repeat(960)}`);

function credentials(req: FastifyRequest): { key: string; secret: string } | undefined {
  const key = param(req, 'consumer_key');
  const secret = param(req, 'consumer_secret');
  if (key && secret) return { key, secret };
  const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const plain = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = plain.indexOf(':');
  return colon < 0 ? undefined : { key: plain.slice(0, colon), secret: plain.slice(colon + 1) };
}

const DENIED: Record<string, [string, string]> = {
  GET: ['woocommerce_rest_cannot_view', 'Sorry, you cannot view this resource.'],
  POST: ['woocommerce_rest_cannot_create', 'Sorry, you are not allowed to create resources.'],
  PUT: ['woocommerce_rest_cannot_edit', 'Sorry, you are not allowed to edit this resource.'],
  DELETE: ['woocommerce_rest_cannot_delete', 'Sorry, you are not allowed to delete this resource.'],
};

/**
 * Hooks in WooCommerce's order: injected failures (a proxy in front of the shop) first; then key/secret
 * (WC_REST_Authentication: query params first, else Basic; a wrong key or secret fails before routing); a request
 * without credentials reaches the route and fails its permission check (404 if there is no such route).
 */
export function installRestHooks(app: WooApp, ctl: RestControls): void {
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    const rule = ctl.failRules.find((r) => r.remaining > 0 && (!r.path || r.path.test(path)));
    if (rule) {
      rule.remaining--;
      if (rule.retryAfterSeconds !== undefined) reply.header('Retry-After', String(rule.retryAfterSeconds));
      const [code, message] = FAIL_BODIES[rule.status];
      return wcError(reply, rule.status, code, message);
    }
    const creds = credentials(req);
    if (!creds) {
      if (req.routeOptions.url === undefined) return undefined;
      const [code, message] = req.method === 'GET' && !('id' in (req.params as Rec))
        ? ['woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.'] : DENIED[req.method] ?? DENIED.GET!;
      return wcError(reply, 401, code, message);
    }
    if (creds.key !== ctl.consumerKey) return wcError(reply, 401, 'woocommerce_rest_authentication_error', 'Consumer key is invalid.');
    if (creds.secret !== ctl.consumerSecret) return wcError(reply, 401, 'woocommerce_rest_authentication_error', 'Consumer secret is invalid.');
    return undefined;
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (ctl.oversized) reply.header('X-WP-DeprecatedFunction', OVERSIZED);
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.query as Rec)) query[k] = Array.isArray(v) ? v.join(',') : String(v);
    ctl.requests.push({ method: req.method, path: req.url.split('?')[0]!, query, status: reply.statusCode });
  });
}
