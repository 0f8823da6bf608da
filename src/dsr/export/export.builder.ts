import { compositeStatus } from '../../processors/gate.js';
import type { ProcessorEntry } from '../../processors/register.js';
import { AUTOMATED_DECISIONS, retentionRules, rightsOf, type RetentionSettings } from './export.texts.js';
import {
  EXPORT_SCHEMA, type ExportAddress, type ExportFormat, type ExportOrder, type ExportPackage, type ExportProcessor,
  type ExportShipment,
} from './export.types.js';
import type { StoredAddress, SubjectData, SubjectOrder, SubjectSync } from './subject-data.js';

export type { ExportPackage } from './export.types.js';

/**
 * Pure: what we hold about one person → the access (P17) or portability (P20) package, grouped by data category
 * (P15), with the processors that received it, retention per category, the rights and the complaint route (P16).
 * No clock and no I/O: the same data and context give the same JSON, byte for byte.
 */

export interface ExportContext {
  kind: 'access' | 'portability';
  generatedAt: Date;
  /** POLICY_VERSION in force now. */
  policyVersion: string;
  register: ProcessorEntry[];
  retention: RetentionSettings;
  shopName: string;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const isoOf = (d: Date): string => d.toISOString();
const address = (a: StoredAddress): ExportAddress => ({ ...a });

function formatOf(kind: ExportContext['kind']): ExportFormat {
  // One shape for both, so a reader of the package never has to test its type first.
  return { kind, intendedForTransfer: kind === 'portability', schema: EXPORT_SCHEMA };
}

function orderOf(o: SubjectOrder): ExportOrder {
  return {
    wcOrderId: o.wcOrderId, number: o.number, status: o.status, currency: o.currency, pricesIncludeTax: o.pricesIncludeTax,
    total: o.total, totalTax: o.totalTax, shippingTotal: o.shippingTotal, shippingTax: o.shippingTax,
    discountTotal: o.discountTotal, discountTax: o.discountTax, cartTax: o.cartTax,
    paymentMethod: o.paymentMethod, paymentMethodTitle: o.paymentMethodTitle, transactionId: o.transactionId,
    billing: address(o.billing), shipping: address(o.shipping), ipAddress: o.ipAddress,
    dateCreated: iso(o.dateCreated), dateModified: iso(o.dateModified), datePaid: iso(o.datePaid),
    dateCompleted: iso(o.dateCompleted), deletedInShopAt: iso(o.deletedInShopAt), policyVersion: o.policyVersion,
    lines: o.lines.map((l) => ({ kind: l.kind, name: l.name, code: l.code, quantity: l.quantity, total: l.total, totalTax: l.totalTax })),
  };
}

/** A shipment per PostNL push, with its label; a label without a push record still shows (it holds an address). */
function shipmentsOf(d: SubjectData): ExportShipment[] {
  const labels = new Map(d.labels.map((l) => [l.wcOrderId, { barcode: l.barcode, createdAt: isoOf(l.createdAt), pdfHeld: l.pdfHeld }]));
  const shipments: ExportShipment[] = d.syncs.filter((s) => s.processor === 'postnl').map((s) => ({
    wcOrderId: s.wcOrderId, orderNumber: s.orderNumber, status: s.status, reason: s.reason,
    barcode: s.externalId ?? labels.get(s.wcOrderId)?.barcode ?? null,
    createdAt: isoOf(s.createdAt), updatedAt: isoOf(s.updatedAt), label: labels.get(s.wcOrderId) ?? null,
  }));
  const shown = new Set(shipments.map((s) => s.wcOrderId));
  for (const l of d.labels.filter((x) => !shown.has(x.wcOrderId))) {
    shipments.push({
      wcOrderId: l.wcOrderId, orderNumber: l.orderNumber, status: null, reason: null, barcode: l.barcode,
      createdAt: null, updatedAt: null, label: labels.get(l.wcOrderId)!,
    });
  }
  return shipments;
}

/**
 * The register with, per processor, whether this person's data reached it. Pushes by this service count once done
 * — or once an attempt may have reached it (a call that got no answer may still have been stored), as erasure and
 * rectification count them (Art. 19) — a Snelstart booking, a PostNL shipment, a review invitation; the shop's own
 * processors (WooCommerce, Mollie, hosting, mail) received it by the shop's use of them.
 */
function processorsOf(register: ProcessorEntry[], syncs: SubjectSync[]): ExportProcessor[] {
  const done = new Set(syncs.filter((s) => s.mayHaveReached).map((s) => s.processor));
  return register.map((p) => ({
    id: p.id, name: p.name, purpose: p.purpose, dataCategories: [...p.dataCategories], legalBasis: p.legalBasis,
    location: p.location, retention: p.retention,
    received: p.sharedBy === 'woo-companion' ? done.has(p.id) : true,
  }));
}

export function buildExport(data: SubjectData, ctx: ExportContext): ExportPackage {
  const p = data.person;
  return {
    format: formatOf(ctx.kind),
    generatedAt: isoOf(ctx.generatedAt),
    controller: ctx.shopName,
    policyVersion: ctx.policyVersion,
    identity: {
      firstName: p.firstName, lastName: p.lastName, wcCustomerId: p.wcCustomerId,
      status: compositeStatus({ erased: p.status === 'erased', restricted: p.restricted, objection: p.objection }),
      restricted: p.restricted, objection: p.objection, accountCreatedAt: iso(p.accountCreatedAt),
      accountDeletedAt: iso(p.accountDeletedAt), firstStoredAt: isoOf(p.createdAt), lastActivityAt: iso(p.lastActivityAt),
      policyVersion: p.policyVersion,
    },
    contact: { accountEmail: p.accountEmail, emails: data.emails.map((e) => ({ email: e.email, addedAt: isoOf(e.addedAt) })) },
    addresses: { billing: p.billing ? address(p.billing) : null, shipping: p.shipping ? address(p.shipping) : null },
    orders: data.orders.map(orderOf),
    shipments: shipmentsOf(data),
    invoices: data.invoices.map((i) => ({
      wcOrderId: i.wcOrderId, orderNumber: i.orderNumber, invoiceNumber: i.invoiceNumber, invoiceDate: isoOf(i.invoiceDate),
      currency: i.currency, pricesIncludeTax: i.pricesIncludeTax, total: i.total, totalTax: i.totalTax,
      shippingTotal: i.shippingTotal, shippingTax: i.shippingTax, discountTotal: i.discountTotal,
      discountTax: i.discountTax, cartTax: i.cartTax,
      creditNotes: i.creditNotes.map((c) => ({ number: c.number, refundId: c.refundId, total: c.total, date: iso(c.date) })),
    })),
    reviewInvitations: data.syncs.filter((s) => s.processor === 'reviews').map((s) => ({
      wcOrderId: s.wcOrderId, orderNumber: s.orderNumber, status: s.status, reason: s.reason, externalId: s.externalId,
      plannedFor: isoOf(s.runAt), createdAt: isoOf(s.createdAt), updatedAt: isoOf(s.updatedAt),
    })),
    consents: data.consents.map((c) => ({
      purpose: c.purpose, granted: c.granted, source: c.source, recordedAt: isoOf(c.recordedAt), wcOrderId: c.wcOrderId,
    })),
    processingHistory: data.history.map((h) => ({ at: isoOf(h.at), actor: h.actor, action: h.action, detail: { ...h.detail } })),
    privacyRequests: data.requests.map((r) => ({
      id: r.id, type: r.type, status: r.status, receivedAt: isoOf(r.receivedAt), dueAt: isoOf(r.dueAt),
      extendedAt: iso(r.extendedAt), verifiedAt: iso(r.verifiedAt), completedAt: iso(r.completedAt), rejectedAt: iso(r.rejectedAt),
    })),
    processors: processorsOf(ctx.register, data.syncs),
    retention: retentionRules(ctx.retention),
    rights: rightsOf(ctx.shopName),
    automatedDecisionMaking: AUTOMATED_DECISIONS,
  };
}
