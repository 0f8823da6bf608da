/**
 * A fake PostNL (Send & Track legacy REST) on 127.0.0.1, behaving as processors-facts §2 documents the real one:
 * `apikey` header (401 in the Apigee shapes), `GET /shipment/v1_1/barcode` (sequential 3S barcodes),
 * `POST /shipment/v2_2/label?confirm=true` (validation → 400 `{Errors:[{Error,Code,Description}]}`; 200 with
 * `ResponseShipments[{Barcode, Errors, Warnings, Labels[{Content: base64 PDF, Labeltype, OutputType}]}]`),
 * `GET /shipment/v2/status/barcode/{barcode}`, 405 on a wrong method, 429 with Retry-After, 5xx as Apigee faults.
 *
 * Parcels: a label call with a known barcode re-issues that parcel's label (no second parcel) [inferred: the docs
 * call the barcode "a unique value"]; a label call WITHOUT Barcode mints one, as the real API does — a new parcel.
 * Only the 1280202 code and its text are documented; the other validation codes are placeholders in the same shape.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Rec = Record<string, unknown>;
export interface PostnlRequest { method: string; path: string; query: Record<string, string>; headers: IncomingHttpHeaders; body: unknown }
export interface FakeParcel { barcode: string; labelCalls: number; confirmed: boolean; reference: string | null; productCode: string }
export interface FakePostnlState {
  barcodesIssued: string[];
  /** One entry per parcel, by barcode. */
  parcels: Map<string, FakeParcel>;
  /** Warnings every label 200 carries (null = none). */
  warnings: { Code: string; Description: string }[] | null;
}
export interface FailOptions { status: 401 | 429 | 500 | 502 | 503 | 504; retryAfter?: number; path?: RegExp }
export interface FakePostnl {
  url: string;
  apiKey: string;
  customerCode: string;
  customerNumber: string;
  state: FakePostnlState;
  requests: PostnlRequest[];
  failNext(n: number, o: FailOptions): void;
  /** The next `n` label calls are validated and stored (the parcel exists) but never answered. */
  timeoutAfterAccept(n?: number): void;
  setWarnings(w: FakePostnlState['warnings']): void;
  parcelCount(): number;
  close(): Promise<void>;
}

/** A minimal one-page PDF: base64 of it starts with `JVBERi0` like PostNL's labels. */
export const FAKE_LABEL_PDF = Buffer.from('%PDF-1.3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n', 'latin1');

const FAULTS: Record<number, Rec> = {
  429: { message: 'Too many requests. Rate limit exceeded!', http_status_code: 429 },
  500: { fault: { faultstring: 'Unexpected token in object literal', detail: { errorcode: 'messaging.adaptors.http.flow.InternalServerError' } } },
  502: { fault: { faultstring: 'Unexpected EOF at target', detail: { errorcode: 'messaging.adaptors.http.flow.UnexpectedEOFAtTarget' } } },
  503: { fault: { faultstring: 'The Service is temporarily unavailable', detail: { errorcode: 'messaging.adaptors.http.flow.ServiceUnavailable' } } },
  504: { fault: { faultstring: 'Gateway Timeout', detail: { errorcode: 'messaging.adaptors.http.flow.GatewayTimeout' } } },
  401: { fault: { faultstring: 'Invalid ApiKey', detail: { errorcode: 'oauth.v2.InvalidApiKey' } } },
};
const STAMP = /^[0-3]\d-[01]\d-[12]\d{3}\s[0-2]\d:[0-5]\d:[0-5]\d$/;

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const s = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** Labelling validation: each problem as PostNL's `{Error, Code, Description}` entry. */
function validateLabel(b: unknown, codeOk: (c: string, n: string) => boolean, barcodeOk: (bc: string) => boolean): Rec[] {
  const errs: Rec[] = [];
  const add = (code: string, description: string, barcode = '') =>
    errs.push({ Error: barcode ? `Validation failed for shipment: ${barcode}` : 'Invalid request', Code: code, Description: description });
  if (!isRec(b)) return [{ Error: 'Invalid request', Code: '3000', Description: 'Request format is invalid' }];
  const c = isRec(b.Customer) ? b.Customer : {};
  if (!codeOk(s(c.CustomerCode), s(c.CustomerNumber))) add('1280001', 'Invalid CustomerCode/CustomerNumber combination');
  const m = isRec(b.Message) ? b.Message : {};
  if (!s(m.MessageID) || s(m.MessageID).length > 36) add('1280002', 'Message.MessageID is missing or too long');
  if (!STAMP.test(s(m.MessageTimeStamp))) add('1280003', 'Message.MessageTimeStamp must be dd-MM-yyyy HH:mm:ss');
  const sender = isRec(c.Address) ? c.Address : null;
  if (!sender || s(sender.AddressType) !== '02' || !s(sender.City) || !/^[A-Z]{2}$/.test(s(sender.Countrycode))) {
    add('1280202', 'Incorrect address specified in address type Sender');
  }
  const shipments = Array.isArray(b.Shipments) ? b.Shipments.filter(isRec) : [];
  if (!shipments.length) add('1280004', 'Shipments is mandatory');
  for (const sh of shipments) {
    const bc = s(sh.Barcode);
    if (bc && (bc.length < 11 || bc.length > 15 || !barcodeOk(bc))) add('1280005', 'Barcode is not in the customer range', bc);
    const r = (Array.isArray(sh.Addresses) ? sh.Addresses.filter(isRec) : []).find((a) => s(a.AddressType) === '01');
    if (!r) add('1280201', 'Receiver address (AddressType 01) is mandatory', bc);
    else {
      const cc = s(r.Countrycode);
      const benelux = ['NL', 'BE', 'LU'].includes(cc);
      if (!/^[A-Z]{2}$/.test(cc)) add('1280202', 'Incorrect address specified in address type Receiver: Countrycode', bc);
      if (!s(r.Name) && !s(r.CompanyName)) add('1280202', 'Incorrect address specified in address type Receiver: Name or CompanyName', bc);
      if (!s(r.Street) && !s(r.StreetHouseNrExt)) add('1280202', 'Incorrect address specified in address type Receiver: Street', bc);
      if (benelux && !/^\d{1,5}$/.test(s(r.HouseNr))) add('1280202', 'Incorrect address specified in address type Receiver: HouseNr', bc);
      if (cc === 'NL' && !/^\d{4}[A-Z]{2}$/.test(s(r.Zipcode))) add('1280202', 'Incorrect address specified in address type Receiver: Zipcode', bc);
      if (!s(r.City)) add('1280202', 'Incorrect address specified in address type Receiver: City', bc);
    }
    const w = isRec(sh.Dimension) ? sh.Dimension.Weight : undefined;
    if (!Number.isInteger(w) || (w as number) < 1) add('1280006', 'Dimension.Weight must be an integer number of grams', bc);
    if (!/^\d{4,5}$/.test(s(sh.ProductCodeDelivery))) add('1280007', 'ProductCodeDelivery is invalid', bc);
    for (const ct of Array.isArray(sh.Contacts) ? sh.Contacts.filter(isRec) : []) {
      if (!/^\d{2}$/.test(s(ct.ContactType)) || s(ct.Email).length > 50) add('1280008', 'Contacts entry is invalid', bc);
      if (ct.SMSNr !== undefined && (s(ct.SMSNr).length < 10 || s(ct.SMSNr).length > 17)) add('1280008', 'Contacts.SMSNr is invalid', bc);
    }
  }
  return errs;
}

export async function startFakePostnl(o: { apiKey?: string; customerCode?: string; customerNumber?: string } = {}): Promise<FakePostnl> {
  const apiKey = o.apiKey ?? 'fake-postnl-key';
  const customerCode = o.customerCode ?? 'DEVC';
  const customerNumber = o.customerNumber ?? '11223344';
  const state: FakePostnlState = { barcodesIssued: [], parcels: new Map(), warnings: null };
  const requests: PostnlRequest[] = [];
  const fails: (FailOptions & { remaining: number })[] = [];
  let hang = 0;
  let serial = 903942795;
  const mint = () => `3S${customerCode}${String(serial++).padStart(9, '0')}`;

  const json = (res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...extra });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const ch of req) chunks.push(ch as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = raw || undefined;
    try { body = raw ? JSON.parse(raw) : undefined; } catch { /* kept as text; the label route answers 400 */ }
    requests.push({ method: req.method ?? '', path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers, body });

    const key = req.headers.apikey;
    if (!key) return json(res, 401, { message: "Failed to resolve API Key variable 'request.header.apikey'", http_status_code: 401 });
    if (key !== apiKey) return json(res, 401, FAULTS[401]);
    const rule = fails.find((f) => f.remaining > 0 && (!f.path || f.path.test(u.pathname)));
    if (rule) {
      rule.remaining--;
      return json(res, rule.status, FAULTS[rule.status], rule.retryAfter !== undefined ? { 'retry-after': String(rule.retryAfter) } : {});
    }

    if (u.pathname === '/shipment/v1_1/barcode') {
      if (req.method !== 'GET') return json(res, 405, { fault: { faultstring: 'Method not allowed', detail: { errorcode: 'MethodNotAllowed' } } });
      const q = u.searchParams;
      if (q.get('CustomerCode') !== customerCode || q.get('CustomerNumber') !== customerNumber) {
        return json(res, 400, { errors: [{ ErrorMsg: 'Invalid customer', ErrorNumber: '1' }] });
      }
      if (!['2S', '3S', 'CC', 'CP', 'CD', 'CF', 'LA', 'RI', 'UE'].includes(q.get('Type') ?? '')) {
        return json(res, 400, { errors: [{ ErrorMsg: 'Invalid barcode type', ErrorNumber: '4' }] });
      }
      const serie = q.get('Serie');
      if (serie && !/^\d+-\d+$/.test(serie)) return json(res, 400, { errors: [{ ErrorMsg: 'Too many numbers in series', ErrorNumber: '8' }] });
      const barcode = mint();
      state.barcodesIssued.push(barcode);
      return json(res, 200, { Barcode: barcode });
    }

    if (u.pathname === '/shipment/v2_2/label') {
      if (req.method !== 'POST') return json(res, 405, { fault: { faultstring: 'Method not allowed', detail: { errorcode: 'MethodNotAllowed' } } });
      const errors = validateLabel(body, (c, n) => c === customerCode && n === customerNumber, (bc) => bc.startsWith(`3S${customerCode}`));
      if (errors.length) return json(res, 400, { Errors: errors });
      const shipments = (body as { Shipments: Rec[] }).Shipments;
      const out = shipments.map((sh) => {
        const barcode = s(sh.Barcode) || mint(); // no Barcode → PostNL mints one: a new parcel
        const known = state.parcels.get(barcode);
        const parcel = known ?? { barcode, labelCalls: 0, confirmed: false, reference: s(sh.Reference) || null, productCode: s(sh.ProductCodeDelivery) };
        parcel.labelCalls++;
        parcel.confirmed ||= u.searchParams.get('confirm') !== 'false';
        state.parcels.set(barcode, parcel);
        return {
          Barcode: barcode, ProductCodeDelivery: parcel.productCode, Errors: [], Warnings: state.warnings ?? [],
          Labels: [{ Content: FAKE_LABEL_PDF.toString('base64'), Labeltype: 'Label', OutputType: 'PDF' }],
        };
      });
      if (hang > 0) { hang--; return; } // accepted and stored, never answered
      return json(res, 200, { MergedLabels: [], ResponseShipments: out });
    }

    const status = /^\/shipment\/v2\/status\/barcode\/([^/]+)$/.exec(u.pathname);
    if (status) {
      if (req.method !== 'GET') return json(res, 405, { fault: { faultstring: 'Method not allowed', detail: { errorcode: 'MethodNotAllowed' } } });
      const parcel = state.parcels.get(decodeURIComponent(status[1]!));
      if (!parcel) return json(res, 200, { Warnings: [{ Code: 'W001', Message: 'No shipment found' }] });
      return json(res, 200, { CurrentStatus: { Shipment: {
        MainBarcode: parcel.barcode, Barcode: parcel.barcode, Reference: parcel.reference ?? '{}', ProductCode: `00${parcel.productCode}`,
        Status: { TimeStamp: '08-11-2022 10:13:20', StatusCode: '1', StatusDescription: 'Zending voorgemeld', PhaseCode: '1', PhaseDescription: 'Collectie' },
      } } });
    }
    return json(res, 404, { fault: { faultstring: 'Unable to identify proxy for host and url', detail: { errorcode: 'messaging.adaptors.http.flow.ApplicationNotFound' } } });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => json(res, 500, FAULTS[500]));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, apiKey, customerCode, customerNumber, state, requests,
    failNext: (n, f) => void fails.push({ ...f, remaining: n }),
    timeoutAfterAccept: (n = 1) => { hang += n; },
    setWarnings: (w) => { state.warnings = w; },
    parcelCount: () => state.parcels.size,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
