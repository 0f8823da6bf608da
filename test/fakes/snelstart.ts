import { randomUUID } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fake Snelstart B2B API v2 behind its APIM gateway, plus the auth server (processors-facts §1), on one local
 * port: token at `${url}/b2b/token`, API at `${url}/v2`. Keys are read in any casing and answered in camelCase;
 * lists are bare arrays; creates answer 201 with the full model. Errors come in the three documented shapes.
 * Error codes (BOE-…, REL-…) follow the format of the one known example (BOE-0021) and are illustrative.
 */

type Rec = Record<string, unknown>;
export interface Recorded { method: string; path: string; query: Record<string, string>; headers: IncomingHttpHeaders; body: unknown }
export interface FailOptions { status: 401 | 429 | 500 | 502 | 503; retryAfter?: number; /** default: any /v2 path */ path?: RegExp; /** 429 without the Retry-After header */ noHeader?: boolean }
export interface FakeSnelstartState {
  clientKey: string;
  subscriptionKey: string;
  /** expires_in of the tokens issued from now on (seconds). */
  expiresIn: number;
  tokens: Map<string, { expiresAt: number }>;
  relaties: Rec[];
  bookings: Rec[];
  landen: Rec[];
}
export interface FakeSnelstart {
  url: string;
  state: FakeSnelstartState;
  requests: Recorded[];
  /** The collective consumer relation every fresh fake holds (relatiecode 1). */
  collectiveRelationId: string;
  failNext(n: number, o: FailOptions): void;
  /** The next valid POST /v2/verkoopboekingen is stored, then answered only after `answerAfterMs` (default: never). */
  timeoutAfterAccept(answerAfterMs?: number): void;
  /** Every token issued so far is expired at once (the server's view; the client still thinks it is valid). */
  expireTokens(): void;
  tokenRequests(): Recorded[];
  close(): Promise<void>;
}

const COUNTRIES: [string, string, string][] = [['NL', 'Nederland', '5f9d2d1e-0b52-4e7c-9a0f-3d2b1c6e7a01'], ['BE', 'België', '5f9d2d1e-0b52-4e7c-9a0f-3d2b1c6e7a02'], ['DE', 'Duitsland', '5f9d2d1e-0b52-4e7c-9a0f-3d2b1c6e7a03'], ['FR', 'Frankrijk', '5f9d2d1e-0b52-4e7c-9a0f-3d2b1c6e7a04']];
const NL_ID = COUNTRIES[0]![2];
const VAT_LINE_SOORTEN = ['Geen', 'VerkopenLaag', 'VerkopenHoog', 'VerkopenOverig', 'VerkopenVerlegd', 'InkopenLaag', 'InkopenHoog', 'InkopenOverig'];
const LINE_SOORTEN = ['Geen', 'Laag', 'Hoog', 'Overig'];

/** A property in any casing (the real API deserialises case-insensitively, §1.3). */
const get = (o: unknown, key: string): unknown => {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
  const k = Object.keys(o).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : (o as Rec)[k];
};
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const cents = (v: unknown) => (typeof v === 'number' || (typeof v === 'string' && v.trim() !== '') ? Math.round(Number(v) * 100) : NaN);
const now = () => new Date().toISOString().slice(0, 23);

// ---- OData ($filter with `eq` joined by `and`, $top ≤ 500, $skip), as §1.9 describes -------------------------------

const CLAUSE = /^\s*([A-Za-z]+)\s+eq\s+('(?:[^']|'')*'|guid'[0-9a-fA-F-]{36}'|-?\d+)\s*(and\s+|$)/;

/** Property names are case-sensitive UpperCamelCase; strings are quoted with '' for a quote. */
function filterRows(rows: Rec[], query: Record<string, string>, type: string, props: Record<string, string>): { rows: Rec[] } | { error: string } {
  let out = rows;
  let rest = query.$filter ?? '';
  let pos = 0;
  while (rest.trim()) {
    const m = CLAUSE.exec(rest);
    if (!m) return { error: `The query specified in the URI is not valid. Syntax error at position ${pos}.` };
    const [whole, name, literal] = m as unknown as [string, string, string];
    const field = props[name];
    if (!field) {
      return { error: `Could not find a property named '${name}' on type '${type}'.` };
    }
    const value: unknown = literal.startsWith("'") ? literal.slice(1, -1).replace(/''/g, "'") : literal.startsWith('guid') ? literal.slice(5, -1) : Number(literal);
    out = out.filter((r) => r[field] === value);
    rest = rest.slice(whole.length);
    pos += whole.length;
  }
  const top = query.$top === undefined ? 500 : Number(query.$top);
  if (!Number.isInteger(top) || top < 0) return { error: `The query specified in the URI is not valid. Invalid $top '${query.$top}'.` };
  if (top > 500) return { error: `The limit of '500' for Top query has been exceeded. The value from the incoming request is '${top}'.` };
  const skip = Number(query.$skip ?? 0);
  return { rows: out.slice(skip, skip + top) };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}
const apim = (res: ServerResponse, status: number, message: string, headers?: Record<string, string>) => json(res, status, { statusCode: status, message }, headers);
const boeError = (res: ServerResponse, errors: [string, string][]) => json(res, 400, errors.map(([errorCode, message]) => ({ errorCode, message, details: null })));

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => {
      if (!text) return resolve(undefined);
      if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) return resolve(Object.fromEntries(new URLSearchParams(text)));
      try { resolve(JSON.parse(text)); } catch { resolve(text); }
    });
  });
}

export async function startFakeSnelstart(): Promise<FakeSnelstart> {
  const collectiveRelationId = randomUUID();
  const state: FakeSnelstartState = {
    clientKey: 'koppelsleutel-test', subscriptionKey: 'sub-key-primary', expiresIn: 3599, tokens: new Map(),
    relaties: [{ id: collectiveRelationId, uri: `/relaties/${collectiveRelationId}`, relatiesoort: ['Klant'], relatiecode: 1, naam: 'Consumenten webshop' }],
    bookings: [],
    landen: COUNTRIES.map(([iso, naam, id]) => ({ id, uri: `/landen/${id}`, naam, landcodeISO: iso, landcode: iso })),
  };
  const requests: Recorded[] = [];
  const faults: (FailOptions & { remaining: number })[] = [];
  let hangNext: { answerAfterMs: number | null } | null = null;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  function token(req: IncomingMessage, res: ServerResponse, body: unknown): void {
    // OWIN OAuth server style [inferred]: 400 {error} for a missing grant or a wrong key.
    if (get(body, 'grant_type') !== 'clientkey') return json(res, 400, { error: 'unsupported_grant_type' });
    if (get(body, 'clientkey') !== state.clientKey) return json(res, 400, { error: 'invalid_grant', error_description: 'De koppelsleutel is ongeldig.' });
    const access = randomUUID().replace(/-/g, '');
    state.tokens.set(access, { expiresAt: Date.now() + state.expiresIn * 1000 });
    json(res, 200, { access_token: access, token_type: 'bearer', expires_in: state.expiresIn });
  }

  function createRelation(res: ServerResponse, body: unknown): void {
    const naam = str(get(body, 'naam'))?.trim();
    if (!naam) return json(res, 400, { message: 'The request is invalid.', modelState: { 'relatie.Naam': ['The Naam field is required.'] } });
    const adres = get(body, 'vestigingsAdres');
    const landId = str(get(get(adres, 'land'), 'id'));
    const postcode = str(get(adres, 'postcode')) ?? '';
    if (landId && !state.landen.some((l) => l.id === landId)) return boeError(res, [['REL-0030', `Land '${landId}' bestaat niet`]]);
    // Business validation quotes what was sent — the reason the client keeps no message text.
    if (landId === NL_ID && postcode && !/^\d{4} ?[A-Z]{2}$/i.test(postcode)) return boeError(res, [['REL-0021', `Postcode '${postcode}' is ongeldig voor relatie '${naam}'`]]);
    let code = Number(get(body, 'relatiecode') ?? 0);
    if (state.relaties.some((r) => r.relatiecode === code && code !== 0)) return boeError(res, [['REL-0002', `Relatiecode ${code} is al in gebruik`]]);
    if (!code) code = Math.max(0, ...state.relaties.map((r) => Number(r.relatiecode))) + 1;
    const id = randomUUID();
    const model = {
      id, uri: `/relaties/${id}`, modifiedOn: now(), relatiesoort: get(body, 'relatiesoort') ?? ['Klant'], relatiecode: code, naam,
      vestigingsAdres: { straat: str(get(adres, 'straat')) ?? null, postcode, plaats: str(get(adres, 'plaats')) ?? null, land: landId ? { id: landId, uri: `/landen/${landId}` } : null },
    };
    state.relaties.push(model);
    json(res, 201, model);
  }

  /** Checks a verkoopboeking as the API would: required fields, enums, the relation, and the balance. */
  function bookingErrors(body: unknown): ((res: ServerResponse) => void) | null {
    const missing: [string, string][] = [];
    if (!str(get(body, 'factuurnummer'))) missing.push(['BOE-0001', 'Factuurnummer is verplicht.']);
    const klant = str(get(get(body, 'klant'), 'id'));
    if (!klant) missing.push(['BOE-0002', 'Klant is verplicht.']);
    const regels = get(body, 'boekingsregels');
    if (!Array.isArray(regels) || regels.length === 0) missing.push(['BOE-0003', 'Er is minimaal één boekingsregel nodig.']);
    else if (regels.some((r) => !str(get(get(r, 'grootboek'), 'id')) || Number.isNaN(cents(get(r, 'bedrag'))))) missing.push(['BOE-0004', 'Elke boekingsregel heeft een grootboek en een bedrag nodig.']);
    if (missing.length) return (res) => boeError(res, missing);
    const btw = (get(body, 'btw') as unknown[] | undefined) ?? [];
    const badEnum = (regels as unknown[]).findIndex((r) => get(r, 'btwSoort') !== undefined && !LINE_SOORTEN.includes(String(get(r, 'btwSoort'))));
    if (badEnum >= 0) return (res) => json(res, 400, { message: 'The request is invalid.', modelState: { [`verkoopBoeking.Boekingsregels[${badEnum}].BtwSoort`]: ['Error converting value.'] } });
    if (btw.some((b) => !VAT_LINE_SOORTEN.includes(String(get(b, 'btwSoort'))))) return (res) => json(res, 400, { message: 'The request is invalid.', modelState: { 'verkoopBoeking.Btw': ['Error converting value.'] } });
    if (!state.relaties.some((r) => r.id === klant)) return (res) => boeError(res, [['BOE-0010', `Relatie '${klant}' bestaat niet.`]]);
    const total = get(body, 'factuurbedrag');
    const sum = (regels as unknown[]).reduce((s: number, r) => s + cents(get(r, 'bedrag')), 0) + btw.reduce((s: number, b) => s + cents(get(b, 'btwBedrag')), 0);
    if (total !== undefined && sum !== cents(total)) return (res) => boeError(res, [['BOE-0040', 'De boeking is niet in balans.']]);
    return null;
  }

  function createBooking(res: ServerResponse, body: unknown): void {
    const invalid = bookingErrors(body);
    if (invalid) return invalid(res);
    const id = randomUUID();
    const klant = str(get(get(body, 'klant'), 'id'))!;
    const model = {
      id, uri: `/verkoopboekingen/${id}`, modifiedOn: now(), factuurnummer: get(body, 'factuurnummer'),
      factuurdatum: get(body, 'factuurdatum') ?? null, klant: { id: klant, uri: `/relaties/${klant}` },
      omschrijving: get(body, 'omschrijving') ?? null, factuurbedrag: get(body, 'factuurbedrag') ?? null,
      boekingsregels: get(body, 'boekingsregels'), btw: get(body, 'btw') ?? [], invoiceId: randomUUID(),
    };
    state.bookings.push(model); // POST is not idempotent: a repeated booking is stored again (§1.12)
    const { invoiceId: _, ...answer } = model;
    if (hangNext) {
      const { answerAfterMs } = hangNext;
      hangNext = null;
      if (answerAfterMs !== null) timers.add(setTimeout(() => json(res, 201, answer), answerAfterMs));
      return; // accepted and stored; the answer never comes (or comes late)
    }
    json(res, 201, answer);
  }

  const invoices = () => state.bookings.map((b) => ({
    id: b.invoiceId, uri: `/verkoopfacturen/${String(b.invoiceId)}`, verkoopBoeking: { id: b.id, uri: b.uri }, factuurnummer: b.factuurnummer,
    factuurDatum: b.factuurdatum, factuurBedrag: b.factuurbedrag, openstaandSaldo: b.factuurbedrag, relatie: b.klant, modifiedOn: b.modifiedOn,
  }));

  function api(req: IncomingMessage, res: ServerResponse, path: string, query: Record<string, string>, body: unknown): void {
    const rule = faults.find((f) => f.remaining > 0 && (f.path ?? /^\/v2\//).test(path));
    if (rule) {
      rule.remaining--;
      const headers: Record<string, string> = rule.retryAfter !== undefined && !rule.noHeader ? { 'retry-after': String(rule.retryAfter) } : {};
      if (rule.status === 429) return apim(res, 429, `Rate limit is exceeded. Try again in ${rule.retryAfter ?? 1} seconds.`, headers);
      if (rule.status === 401) return apim(res, 401, 'Unauthorized. Access token is missing or invalid.');
      if (rule.status === 500) return json(res, 500, { Message: 'An error has occurred.' }, headers);
      return apim(res, rule.status, 'Service Unavailable', headers);
    }
    if (path === '/b2b/token' && req.method === 'POST') return token(req, res, body);
    if (!path.startsWith('/v2/')) return apim(res, 404, 'Resource not found');
    const key = str(req.headers['ocp-apim-subscription-key']) ?? query['subscription-key'];
    if (!key) return apim(res, 401, 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.');
    if (key !== state.subscriptionKey) return apim(res, 401, 'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.');
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const t = bearer ? state.tokens.get(bearer) : undefined;
    if (!t || t.expiresAt <= Date.now()) return apim(res, 401, 'Unauthorized. Access token is missing or invalid.');
    const route = `${req.method} ${path}`;
    if (route === 'POST /v2/relaties') return createRelation(res, body);
    if (route === 'POST /v2/verkoopboekingen') return createBooking(res, body);
    if (route === 'GET /v2/landen') return json(res, 200, state.landen);
    const lists: Record<string, [string, () => Rec[], Record<string, string>]> = {
      'GET /v2/relaties': ['SnelStart.B2B.Api.V2.Models.Relaties.RelatieModel', () => state.relaties, { Id: 'id', Relatiecode: 'relatiecode', Naam: 'naam' }],
      'GET /v2/verkoopfacturen': ['SnelStart.B2B.Api.V2.Models.Verkoopfacturen.VerkoopfactuurModel', invoices, { Id: 'id', Factuurnummer: 'factuurnummer' }],
    };
    const list = lists[route];
    if (!list) return apim(res, 404, 'Resource not found');
    const rows = filterRows(list[1](), query, list[0], list[2]);
    return 'error' in rows ? json(res, 400, { Message: rows.error }) : json(res, 200, rows.rows);
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = await readBody(req);
    const query = Object.fromEntries(url.searchParams);
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query, headers: req.headers, body });
    api(req, res, url.pathname, query, body);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state, requests, collectiveRelationId,
    failNext: (n, o) => void faults.push({ ...o, remaining: n }),
    timeoutAfterAccept: (answerAfterMs) => void (hangNext = { answerAfterMs: answerAfterMs ?? null }),
    expireTokens: () => state.tokens.forEach((t) => (t.expiresAt = 0)),
    tokenRequests: () => requests.filter((r) => r.path === '/b2b/token'),
    close: async () => {
      timers.forEach(clearTimeout);
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => server.close(r));
    },
  };
}
