import type { Address } from '../mirror/wc.schemas.js';

/** What every processor client and payload builder works with. Pure types. */

export type ProcessorId = 'snelstart' | 'postnl' | 'reviews';

/**
 * How a failed call should be treated by the push job:
 * - `retryable`: 5xx, 408, network error before the request could land → retry with backoff;
 * - `rate_limited`: 429 → retry after `retryAfterMs` (from Retry-After) or backoff;
 * - `ambiguous`: timeout or connection loss after a non-idempotent request was sent → it may have landed: look the
 *   result up before any retry (Snelstart invoice number, PostNL barcode);
 * - `permanent`: other 4xx (validation, 403, 404) → fail at once, with the processor's error normalised;
 * - `auth`: 401 after one token refresh, or missing credentials → fail at once.
 */
export type FailureKind = 'retryable' | 'rate_limited' | 'ambiguous' | 'permanent' | 'auth';

/** A normalised processor failure. `message` must never contain personal data (it is logged and stored). */
export class ProcessorError extends Error {
  constructor(
    readonly processor: ProcessorId,
    readonly kind: FailureKind,
    readonly status: number | null,
    /** The processor's own error code when it gives one (e.g. BOE-0021, INVITATION_ALREADY_PLACED), else a short slug. */
    readonly code: string,
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'ProcessorError';
  }

  get safeMessage(): string {
    return `${this.processor} ${this.status ?? '-'} ${this.code}: ${this.message}`;
  }
}

/** One order line as the builders see it (money as exact decimal text, as WooCommerce sends it). */
export interface PushLine {
  kind: 'product' | 'tax' | 'shipping' | 'fee' | 'coupon' | 'refund';
  wcLineId: number | null;
  name: string | null;
  /** SKU, tax rate code, shipping method id or coupon code. */
  code: string | null;
  quantity: string | null;
  /** Excluding VAT, after discounts (refund lines: negative). */
  total: string;
  totalTax: string;
  /**
   * Per kind: product/shipping/fee → { taxes: [{ id: rateId, total }] }; tax →
   * { rateId, compound, shippingTaxTotal, ratePercent } (ratePercent: number, e.g. 21 or 9; null if the shop did not send it).
   */
  extra: Record<string, unknown> | null;
}

/** An order read from the mirror for a push. */
export interface PushOrder {
  orderId: number;
  wcOrderId: number;
  /** WooCommerce order number (may differ from the id). */
  number: string;
  /** INVOICE_PREFIX + number: the one shared invoice number (src/fiscal/invoice.ts). */
  invoiceNumber: string;
  personId: number;
  status: string;
  currency: string;
  pricesIncludeTax: boolean;
  dateCreated: string | null;
  datePaid: string | null;
  dateCompleted: string | null;
  total: string;
  totalTax: string;
  shippingTotal: string;
  shippingTax: string;
  discountTotal: string;
  billing: Address;
  shipping: Address;
  lines: PushLine[];
}
