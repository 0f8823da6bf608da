import type { Queryable } from '../platform/db.js';

/* $1 invoice number */
const BY_INVOICE = /* sql */ `
  SELECT id, wc_order_id, invoice_number, invoice_date, currency, prices_include_tax, amounts, lines, credit_notes,
    billing_name, billing_company, billing_address, to_char(retain_until, 'YYYY-MM-DD') AS retain_until, archived_at, anonymised_at
  FROM fiscal_archive WHERE invoice_number = $1`;

export async function findFiscalRow(db: Queryable, invoiceNumber: string) {
  const r = (await db.query(BY_INVOICE, [invoiceNumber])).rows[0];
  if (!r) return null;
  return {
    id: Number(r.id), wcOrderId: Number(r.wc_order_id), invoiceNumber: r.invoice_number as string, invoiceDate: (r.invoice_date as Date).toISOString(),
    currency: r.currency as string, pricesIncludeTax: r.prices_include_tax as boolean, amounts: r.amounts, lines: r.lines,
    creditNotes: r.credit_notes, billingName: r.billing_name as string | null, billingCompany: r.billing_company as string | null,
    billingAddress: r.billing_address, retainUntil: r.retain_until as string, archivedAt: (r.archived_at as Date).toISOString(),
    anonymisedAt: r.anonymised_at ? (r.anonymised_at as Date).toISOString() : null,
  };
}
