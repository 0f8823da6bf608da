import { ProcessorError, type PushLine, type PushOrder } from '../types.js';
import { toCents } from './money.js';

/**
 * An order's revenue and VAT per Snelstart VAT kind, in cents. Pure.
 *
 * Dutch rates: 21 % → Hoog, 9 % → Laag, 0 % or no tax at all → Geen; any other percent (another EU country's rate
 * under OSS, or a tax line without rate_percent from a WooCommerce older than 5.7) → Overig, which needs its own
 * ledger. WooCommerce line totals are already excluding VAT and after coupons, so coupon lines are not added again.
 */

export type VatKind = 'Hoog' | 'Laag' | 'Geen' | 'Overig';
/** Booking order of the kinds (stable output, easy to read in Snelstart). */
export const VAT_KINDS: readonly VatKind[] = ['Hoog', 'Laag', 'Geen', 'Overig'];
/** The VAT line's btwSoort per kind (VerkoopBoekingBtwSoortModel). Geen carries no VAT and gets no VAT line. */
export const SALES_VAT_SOORT: Record<VatKind, string> = { Hoog: 'VerkopenHoog', Laag: 'VerkopenLaag', Geen: 'Geen', Overig: 'VerkopenOverig' };

export interface VatGroup {
  kind: VatKind;
  /** Revenue excluding VAT (products, shipping, fees). */
  net: number;
  /** VAT from the order's tax lines (tax_total + shipping_tax_total). */
  vat: number;
  /** How many order lines fed `net` (the rounding tolerance is per line). */
  lines: number;
}

const fail = (code: string, message: string) => new ProcessorError('snelstart', 'permanent', null, code, message);

export function kindOfPercent(percent: unknown): VatKind {
  const p = typeof percent === 'string' && percent.trim() !== '' ? Number(percent) : percent;
  if (typeof p !== 'number' || !Number.isFinite(p)) return 'Overig';
  if (p === 21) return 'Hoog';
  if (p === 9) return 'Laag';
  if (p === 0) return 'Geen';
  return 'Overig';
}

interface LineTax { id: unknown; total: string }
const taxesOf = (l: PushLine): LineTax[] => {
  const t = l.extra?.taxes;
  return Array.isArray(t) ? t.filter((x): x is LineTax => typeof x === 'object' && x !== null && 'id' in x) : [];
};

/**
 * A revenue line's kind: from the rate(s) in its `taxes`, looked up in the order's tax lines by rate id. Entries
 * that charged tax decide; when none did, any entry does (a free product under the 21 % rate stays Hoog); a line
 * without taxes is Geen. A rate id without a tax line is unknown: Geen if it charged nothing, else Overig.
 */
function kindOfLine(l: PushLine, percentByRate: Map<string, unknown>): VatKind {
  const taxes = taxesOf(l);
  if (!taxes.length) return 'Geen';
  const charged = taxes.filter((t) => toCents(String(t.total || '0')) !== 0);
  const deciding = charged.length ? charged : taxes;
  const kinds = new Set(deciding.map((t): VatKind => {
    const key = String(t.id);
    if (percentByRate.has(key)) return kindOfPercent(percentByRate.get(key));
    return charged.length ? 'Overig' : 'Geen';
  }));
  if (kinds.size > 1) throw fail('mixed_vat_rates', `order line ${l.wcLineId ?? '?'} carries more than one VAT rate`);
  return [...kinds][0]!;
}

/** Revenue and VAT per kind for an order; kinds the order does not touch are left out. */
export function vatGroups(order: PushOrder): VatGroup[] {
  if (order.currency !== 'EUR') throw fail('currency', `the Snelstart administration books EUR, the order is in ${order.currency.slice(0, 3)}`);
  const groups = new Map<VatKind, VatGroup>();
  const group = (kind: VatKind) => {
    let g = groups.get(kind);
    if (!g) groups.set(kind, (g = { kind, net: 0, vat: 0, lines: 0 }));
    return g;
  };
  const percentByRate = new Map<string, unknown>();
  for (const t of order.lines.filter((l) => l.kind === 'tax')) {
    const rateId = t.extra?.rateId;
    const percent = t.extra?.ratePercent ?? null;
    if (rateId !== null && rateId !== undefined) percentByRate.set(String(rateId), percent);
    const vat = toCents(t.total) + toCents(String(t.extra?.shippingTaxTotal ?? '0'));
    if (vat !== 0 || kindOfPercent(percent) !== 'Geen') group(kindOfPercent(percent)).vat += vat;
  }
  for (const l of order.lines.filter((x) => x.kind === 'product' || x.kind === 'shipping' || x.kind === 'fee')) {
    const g = group(kindOfLine(l, percentByRate));
    g.net += toCents(l.total);
    g.lines += 1;
  }
  return VAT_KINDS.map((k) => groups.get(k)).filter((g): g is VatGroup => g !== undefined);
}
