import type { LegalBasis } from '../../processors/gate.js';

/**
 * The access (P17) and portability (P20) package: JSON grouped by data category (P15), camelCase keys, money and
 * quantities as exact decimal text, timestamps ISO-8601 UTC. `woo-companion/export/v1` names this shape.
 */

export const EXPORT_SCHEMA = 'woo-companion/export/v1';

export type ExportFormat = { kind: 'access' | 'portability'; intendedForTransfer: boolean; schema: typeof EXPORT_SCHEMA };
export type Iso = string;
export type ExportAddress = Record<string, unknown>;

export interface ExportOrder {
  wcOrderId: number; number: string; status: string; currency: string; pricesIncludeTax: boolean;
  total: string; totalTax: string; shippingTotal: string; shippingTax: string; discountTotal: string;
  discountTax: string; cartTax: string;
  paymentMethod: string | null; paymentMethodTitle: string | null; transactionId: string | null;
  billing: ExportAddress; shipping: ExportAddress; ipAddress: string | null;
  dateCreated: Iso | null; dateModified: Iso | null; datePaid: Iso | null; dateCompleted: Iso | null;
  deletedInShopAt: Iso | null; policyVersion: string;
  lines: { kind: string; name: string | null; code: string | null; quantity: string | null; total: string; totalTax: string }[];
}

export interface ExportShipment {
  wcOrderId: number; orderNumber: string;
  /** The push's state; null when only a label is known. */
  status: string | null; reason: string | null; barcode: string | null;
  createdAt: Iso | null; updatedAt: Iso | null;
  label: { barcode: string; createdAt: Iso; pdfHeld: boolean } | null;
}

export interface ExportInvoice {
  wcOrderId: number; orderNumber: string; invoiceNumber: string; invoiceDate: Iso; currency: string;
  pricesIncludeTax: boolean; total: string; totalTax: string; shippingTotal: string; shippingTax: string;
  discountTotal: string; discountTax: string; cartTax: string;
  creditNotes: { number: string | null; refundId: number | null; total: string; date: Iso | null }[];
}

export interface ExportReviewInvitation {
  wcOrderId: number; orderNumber: string; status: string; reason: string | null; externalId: string | null;
  plannedFor: Iso; createdAt: Iso; updatedAt: Iso;
}

export interface ExportProcessor {
  id: string; name: string; purpose: string; dataCategories: string[]; legalBasis: LegalBasis; location: string;
  retention: string;
  /** Whether this person's data reached the processor. */
  received: boolean;
}

export type RetentionCategory =
  | 'identity' | 'contact' | 'addresses' | 'orders' | 'shipments' | 'invoices' | 'reviewInvitations' | 'consents'
  | 'processingHistory' | 'privacyRequests' | 'rawDeliveries' | 'erasureRecords';

export interface RetentionRule { period: string; reason: string }

export interface RightEntry { article: string; promise: string; description: string }

export interface ExportRights {
  access: RightEntry; rectification: RightEntry; erasure: RightEntry; restriction: RightEntry;
  objection: RightEntry; portability: RightEntry;
  /** How to exercise them: from the e-mail address known to the shop, answered within 30 days. */
  howToExercise: string;
  answerWithinDays: number;
  complaint: { authority: string; url: string; description: string };
}

/** GDPR Art. 15(1)(h): whether decisions are made by automated means, profiling included (P21b: none are). */
export interface ExportAutomatedDecisions { used: false; profiling: false; article: string; promise: 'P21b'; description: string }

export interface ExportPackage {
  format: ExportFormat;
  generatedAt: Iso;
  controller: string;
  /** The privacy policy in force when the package was made. */
  policyVersion: string;
  identity: {
    firstName: string | null; lastName: string | null; wcCustomerId: number | null;
    status: 'erased' | 'objected' | 'restricted' | 'active'; restricted: boolean; objection: string;
    accountCreatedAt: Iso | null; accountDeletedAt: Iso | null; firstStoredAt: Iso; lastActivityAt: Iso | null;
    /** The policy in force when the profile was last written (P22). */
    policyVersion: string;
  };
  contact: { accountEmail: string | null; emails: { email: string; addedAt: Iso }[] };
  addresses: { billing: ExportAddress | null; shipping: ExportAddress | null };
  orders: ExportOrder[];
  shipments: ExportShipment[];
  invoices: ExportInvoice[];
  reviewInvitations: ExportReviewInvitation[];
  consents: { purpose: string; granted: boolean; source: string; recordedAt: Iso; wcOrderId: number | null }[];
  processingHistory: { at: Iso; actor: string; action: string; detail: Record<string, unknown> }[];
  privacyRequests: {
    id: string; type: string; status: string; receivedAt: Iso; dueAt: Iso; extendedAt: Iso | null;
    verifiedAt: Iso | null; completedAt: Iso | null; rejectedAt: Iso | null;
  }[];
  processors: ExportProcessor[];
  retention: Record<RetentionCategory, RetentionRule>;
  rights: ExportRights;
  automatedDecisionMaking: ExportAutomatedDecisions;
}
