import { failureOf, send, type HttpResponse } from '../http.js';
import { ProcessorError } from '../types.js';
import { postnlProblemOf, shipmentErrorsOf, warningCodesOf } from './postnl.errors.js';
import type { LabelRequest } from './postnl.payload.js';

/**
 * HTTP adapter for PostNL's Send & Track "legacy" REST APIs (processors-facts §2): Barcode v1_1, Labelling v2_2,
 * Shipping status v2. Auth is one `apikey` header per environment.
 *
 * Never twice: the job asks for a barcode FIRST and stores it, then creates the label with that barcode. A label
 * call that timed out (kind `ambiguous`) is retried with the same barcode, so it cannot become a second parcel
 * (a label POST without Barcode would make PostNL mint a new one); getStatusByBarcode tells whether it landed.
 * The client itself does not retry: backoff is the job's concern.
 *
 * Env (wired by the lead): POSTNL_API_URL (https://api.postnl.nl or https://api-sandbox.postnl.nl), POSTNL_API_KEY,
 * POSTNL_CUSTOMER_CODE, POSTNL_CUSTOMER_NUMBER; optional POSTNL_TIMEOUT_MS. The shipment half (sender address,
 * product code, weight, POSTNL_TRACK_TRACE_MAIL) is PostnlShipmentConfig in postnl.payload.ts.
 */

export interface PostnlClientConfig {
  /** Base URL without a trailing path, e.g. https://api.postnl.nl. */
  apiUrl: string;
  apiKey: string;
  customerCode: string;
  customerNumber: string;
  timeoutMs: number;
  /** Barcode type; `3S` (domestic and EU parcels) by default. */
  barcodeType?: string;
  /** Barcode range; the NL range `000000000-999999999` by default (see barcodeSerieFor). */
  barcodeSerie?: string;
}

export interface LabelResult {
  barcode: string;
  /** The decoded label (a PDF: starts with `%PDF-`). Personal data: store it with its own retention. */
  labelPdf: Buffer;
  /** PostNL warning codes from the 200 (e.g. 1280103 "address unknown"): to be logged, not failures. */
  warnings: string[];
}

/** What the status lookup reveals — deliberately without the addresses PostNL echoes back. */
export interface ShipmentStatus {
  found: boolean;
  barcode: string;
  statusCode: string | null;
  statusDescription: string | null;
  phaseCode: string | null;
  timeStamp: string | null;
}

export interface PostnlClient {
  generateBarcode(opts?: { serie?: string }): Promise<string>;
  createLabel(body: LabelRequest): Promise<LabelResult>;
  getStatusByBarcode(barcode: string): Promise<ShipmentStatus>;
}

/** The Serie the WooCommerce plugin uses per destination: NL 9 digits, EU 7, rest of the world 4. */
export function barcodeSerieFor(countrycode: string): string {
  const eu = ['AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK'];
  if (countrycode === 'NL') return '000000000-999999999';
  return eu.includes(countrycode) ? '0000000-9999999' : '0000-9999';
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' && v !== '{}' ? v : null);

export function createPostnlClient(cfg: PostnlClientConfig): PostnlClient {
  const base = cfg.apiUrl.replace(/\/+$/, '');
  const headers = { apikey: cfg.apiKey };

  /** Non-2xx → ProcessorError with PostNL's own code; 429/5xx/401 kinds come from the shared failureOf. */
  function failure(res: HttpResponse): ProcessorError {
    const p = postnlProblemOf(res.body, res.status);
    return failureOf('postnl', res, p.code, p.message);
  }
  const malformed = (what: string) => new ProcessorError('postnl', 'retryable', 200, 'malformed_response', what);

  return {
    async generateBarcode(opts = {}) {
      const q = new URLSearchParams({
        CustomerCode: cfg.customerCode, CustomerNumber: cfg.customerNumber, Type: cfg.barcodeType ?? '3S',
        Serie: opts.serie ?? cfg.barcodeSerie ?? '000000000-999999999',
      });
      const res = await send('postnl', { method: 'GET', url: `${base}/shipment/v1_1/barcode?${q}`, headers, timeoutMs: cfg.timeoutMs });
      if (res.status !== 200) throw failure(res);
      const barcode = isRec(res.body) ? text(res.body.Barcode) : null;
      // An unused barcode costs nothing, so a GET that returned rubbish is simply asked again.
      if (!barcode) throw malformed('barcode response without Barcode');
      return barcode;
    },

    async createLabel(body) {
      const url = `${base}/shipment/v2_2/label?confirm=true`;
      const res = await send('postnl', { method: 'POST', url, headers, body, timeoutMs: cfg.timeoutMs });
      if (res.status !== 200) throw failure(res);
      const inside = shipmentErrorsOf(res.body);
      if (inside) throw new ProcessorError('postnl', 'permanent', 200, inside.code, inside.message);
      const shipment = isRec(res.body) && Array.isArray(res.body.ResponseShipments) ? res.body.ResponseShipments.find(isRec) : undefined;
      const labels = shipment && Array.isArray(shipment.Labels) ? shipment.Labels.filter(isRec) : [];
      const content = labels.map((l) => text(l.Content)).find((c) => c !== null);
      const requested = body.Shipments[0]?.Barcode ?? '';
      // A 200 without a PDF means the shipment may exist without our label: retrying with the same barcode is safe.
      if (!content) throw malformed('label response without label content');
      const labelPdf = Buffer.from(content, 'base64');
      if (labelPdf.subarray(0, 5).toString('latin1') !== '%PDF-') throw malformed('label content is not a PDF');
      return { barcode: text(shipment?.Barcode) ?? requested, labelPdf, warnings: warningCodesOf(res.body) };
    },

    async getStatusByBarcode(barcode) {
      const url = `${base}/shipment/v2/status/barcode/${encodeURIComponent(barcode)}`;
      const res = await send('postnl', { method: 'GET', url, headers, timeoutMs: cfg.timeoutMs });
      const none: ShipmentStatus = { found: false, barcode, statusCode: null, statusDescription: null, phaseCode: null, timeStamp: null };
      if (res.status === 404) return none;
      if (res.status !== 200) throw failure(res);
      // Unknown barcodes come back without CurrentStatus.Shipment (with top-level Warnings) [inferred, firstred client].
      const current = isRec(res.body) && isRec(res.body.CurrentStatus) ? res.body.CurrentStatus.Shipment : undefined;
      const shipment = Array.isArray(current) ? current.find(isRec) : isRec(current) ? current : undefined;
      if (!shipment) return none;
      const st = isRec(shipment.Status) ? shipment.Status : {};
      return {
        found: true, barcode: text(shipment.Barcode) ?? barcode, statusCode: text(st.StatusCode),
        statusDescription: text(st.StatusDescription), phaseCode: text(st.PhaseCode), timeStamp: text(st.TimeStamp),
      };
    },
  };
}
