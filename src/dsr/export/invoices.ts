import { creditNoteNumber, invoiceNumber, isInvoiced } from '../../fiscal/invoice.js';
import type { SubjectInvoice, SubjectOrder, SubjectSync } from './subject-data.js';

/**
 * Pure: the invoices a person received, derived from their orders with the same rules as the fiscal archive and the
 * Snelstart booking (src/fiscal/invoice.ts) — so the number in the export is the number on the invoice.
 */

/** Paid, else completed, else created, else when first stored: the fiscal archive's invoice_date. */
const invoiceDate = (o: SubjectOrder): Date => o.datePaid ?? o.dateCompleted ?? o.dateCreated ?? o.storedAt;

export function invoicesOf(orders: SubjectOrder[], syncs: SubjectSync[], prefix: string): SubjectInvoice[] {
  // A credit note is dated when its refund was first seen: the planned credit booking's creation time.
  const creditSeen = new Map<string, Date>();
  for (const s of syncs) {
    if (s.processor === 'snelstart' && s.kind === 'credit') creditSeen.set(`${s.wcOrderId}:${s.ref}`, s.createdAt);
  }
  return orders
    .filter((o) => isInvoiced({
      status: o.status, statusBeforeTrash: o.statusBeforeTrash,
      datePaid: o.datePaid?.toISOString() ?? null, dateCompleted: o.dateCompleted?.toISOString() ?? null,
    }))
    .map((o) => {
      const number = invoiceNumber(prefix, o.number);
      return {
        wcOrderId: o.wcOrderId, orderNumber: o.number, invoiceNumber: number, invoiceDate: invoiceDate(o),
        currency: o.currency, pricesIncludeTax: o.pricesIncludeTax, total: o.total, totalTax: o.totalTax,
        shippingTotal: o.shippingTotal, shippingTax: o.shippingTax, discountTotal: o.discountTotal,
        discountTax: o.discountTax, cartTax: o.cartTax,
        creditNotes: o.lines.filter((l) => l.kind === 'refund').map((l) => ({
          // A refund without an id has no credit-note number (the archive's SQL gives it none either).
          number: l.wcLineId === null ? null : creditNoteNumber(number, l.wcLineId),
          refundId: l.wcLineId, total: l.total,
          date: l.wcLineId === null ? null : creditSeen.get(`${o.wcOrderId}:${l.wcLineId}`) ?? null,
        })),
      };
    });
}
