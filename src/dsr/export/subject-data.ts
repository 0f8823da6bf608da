import type { Objection } from '../../processors/gate.js';

/**
 * Everything woo-companion holds about one person (P17), as read from the mirror: the input of the access and
 * portability export. Timestamps are Dates (the builder formats them); money and quantities stay decimal text.
 */

/** A stored address as the mirror keeps it (camelCase keys: firstName, address1, postcode, email, phone…). */
export type StoredAddress = Record<string, unknown>;

export interface SubjectPerson {
  id: number;
  wcCustomerId: number | null;
  firstName: string | null;
  lastName: string | null;
  accountEmail: string | null;
  billing: StoredAddress | null;
  shipping: StoredAddress | null;
  /** The stored marker: active … erased; restriction and objection are their own facts. */
  status: string;
  restricted: boolean;
  objection: Objection;
  lastActivityAt: Date | null;
  accountCreatedAt: Date | null;
  accountDeletedAt: Date | null;
  /** When this service first stored the person. */
  createdAt: Date;
  policyVersion: string;
}

export interface SubjectEmail { email: string; addedAt: Date }

export interface SubjectOrderLine {
  kind: string;
  /** WooCommerce's line id; for a refund line, the refund id its credit note is numbered by. */
  wcLineId: number | null;
  name: string | null;
  code: string | null;
  quantity: string | null;
  total: string;
  totalTax: string;
}

export interface SubjectOrder {
  wcOrderId: number;
  number: string;
  status: string;
  statusBeforeTrash: string | null;
  currency: string;
  pricesIncludeTax: boolean;
  total: string;
  totalTax: string;
  shippingTotal: string;
  shippingTax: string;
  discountTotal: string;
  discountTax: string;
  cartTax: string;
  paymentMethod: string | null;
  paymentMethodTitle: string | null;
  transactionId: string | null;
  billing: StoredAddress;
  shipping: StoredAddress;
  /** Truncated on arrival (P11). */
  ipAddress: string | null;
  dateCreated: Date | null;
  dateModified: Date | null;
  datePaid: Date | null;
  dateCompleted: Date | null;
  deletedInShopAt: Date | null;
  /** When this service first stored the order (the invoice date of last resort, as in the fiscal archive). */
  storedAt: Date;
  policyVersion: string;
  /** The checkout's review-invitation checkbox: null = not asked. */
  reviewConsent: boolean | null;
  lines: SubjectOrderLine[];
}

/** One push record: what was (to be) shared with which processor for which order. */
export interface SubjectSync {
  processor: string;
  kind: string;
  /** The refund id of a credit booking; '' otherwise. */
  ref: string;
  wcOrderId: number;
  orderNumber: string;
  status: 'pending' | 'held' | 'done' | 'failed' | 'skipped';
  reason: string | null;
  /** Done, or an attempt (or a call begun) that may have reached the processor though no success was recorded. */
  mayHaveReached: boolean;
  externalId: string | null;
  runAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface SubjectLabel {
  wcOrderId: number;
  orderNumber: string;
  barcode: string;
  createdAt: Date;
  /** Whether the printed label (name and address) is still stored; the PDF itself is never exported. */
  pdfHeld: boolean;
}

export interface SubjectCreditNote { number: string | null; refundId: number | null; total: string; date: Date | null }

export interface SubjectInvoice {
  wcOrderId: number;
  orderNumber: string;
  invoiceNumber: string;
  invoiceDate: Date;
  currency: string;
  pricesIncludeTax: boolean;
  total: string;
  totalTax: string;
  shippingTotal: string;
  shippingTax: string;
  discountTotal: string;
  discountTax: string;
  cartTax: string;
  creditNotes: SubjectCreditNote[];
}

export interface SubjectConsent {
  purpose: string;
  granted: boolean;
  source: string;
  recordedAt: Date;
  /** The order whose checkout recorded it (source 'checkout' from orders.review_consent); null otherwise. */
  wcOrderId: number | null;
}

export interface SubjectAuditEvent { at: Date; actor: string; action: string; detail: Record<string, unknown> }

export interface SubjectRequest {
  id: string;
  type: string;
  status: string;
  receivedAt: Date;
  dueAt: Date;
  extendedAt: Date | null;
  verifiedAt: Date | null;
  completedAt: Date | null;
  rejectedAt: Date | null;
}

export interface SubjectData {
  person: SubjectPerson;
  emails: SubjectEmail[];
  /** Oldest first. */
  orders: SubjectOrder[];
  /** Every push record of the person's orders (snelstart, postnl, reviews), oldest first. */
  syncs: SubjectSync[];
  labels: SubjectLabel[];
  invoices: SubjectInvoice[];
  consents: SubjectConsent[];
  /** The audit trail about the person's subject keys, oldest first. */
  history: SubjectAuditEvent[];
  requests: SubjectRequest[];
}
