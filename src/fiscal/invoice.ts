/**
 * Invoice numbering, shared by the fiscal archive and the accounting push: one function, so the number on the
 * archived invoice and the booking in Snelstart are always the same. (The archive's SQL builds the same string.)
 */
export const invoiceNumber = (prefix: string, orderNumber: string): string => `${prefix}${orderNumber}`;

/** A refund's credit note: `<invoice>-C<refundId>`. */
export const creditNoteNumber = (invoice: string, refundId: number): string => `${invoice}-C${refundId}`;

const INVOICED_STATUSES = new Set(['processing', 'completed', 'refunded']);

/** An order was invoiced once it reached processing, completed or refunded (a later cancel does not undo that). */
export function isInvoiced(o: { status: string; statusBeforeTrash?: string | null; datePaid: string | null; dateCompleted: string | null }): boolean {
  return INVOICED_STATUSES.has(o.status) || INVOICED_STATUSES.has(o.statusBeforeTrash ?? '') || o.datePaid !== null || o.dateCompleted !== null;
}
