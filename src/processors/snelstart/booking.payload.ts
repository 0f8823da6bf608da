import { creditNoteNumber } from '../../fiscal/invoice.js';
import { ProcessorError, type PushOrder } from '../types.js';
import { apportion, mulDivRound, toAmount, toCents } from './money.js';
import { SALES_VAT_SOORT, vatGroups, type VatGroup, type VatKind } from './vat.js';

/**
 * Pure builders of Snelstart verkoopboekingen (sales bookings, processors-facts §1.6) — P9: order details only.
 * The booking names the customer through `klant.id` alone; descriptions hold order and refund numbers, never names.
 * Every booking balances to the cent: Σ boekingsregels.bedrag + Σ btw.btwBedrag = factuurbedrag.
 */

export interface SnelstartLedgers {
  /** Grootboek GUIDs for revenue at 21 %, 9 %, 0 %/untaxed and (optional) any other rate. */
  high: string; low: string; zero: string; other?: string;
}
export interface BookingConfig {
  ledgers: SnelstartLedgers;
  /** The relation booked against: the collective consumer relation, or the person's own one. */
  relationId: string;
}

export interface BookingLine { omschrijving: string; grootboek: { id: string }; bedrag: number; btwSoort: VatKind }
export interface VatLine { btwSoort: string; btwBedrag: number }
export interface SalesBookingBody {
  factuurnummer: string;
  /** ISO 8601 without zone: the Dutch calendar day at midnight. */
  factuurdatum: string;
  klant: { id: string };
  omschrijving: string;
  factuurbedrag: number;
  boekingsregels: BookingLine[];
  btw: VatLine[];
}

export interface RefundInput {
  refundId: number;
  /** The refund total as WooCommerce sends it in `refunds[]`: negative decimal text incl. VAT ('-12.10'). */
  total: string;
  /** When the refund was made (ISO instant); the invoice date when unknown. */
  date?: string | null;
}

const LEDGER_KEY: Record<VatKind, keyof SnelstartLedgers> = { Hoog: 'high', Laag: 'low', Geen: 'zero', Overig: 'other' };
const LINE_TEXT: Record<VatKind, string> = { Hoog: 'Omzet hoog', Laag: 'Omzet laag', Geen: 'Omzet geen btw', Overig: 'Omzet overig' };
const fail = (code: string, message: string) => new ProcessorError('snelstart', 'permanent', null, code, message);

/** The Dutch calendar day of an instant, as Snelstart's zone-less date-time at midnight. */
export function amsterdamDay(instant: string): string {
  const at = new Date(instant);
  if (Number.isNaN(at.getTime())) throw fail('bad_date', 'an order date is not a date');
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  return `${day}T00:00:00`;
}

/** The invoice date: paid, else completed, else created — the same order as the fiscal archive's invoice_date. */
function invoiceInstant(order: PushOrder): string {
  const at = order.datePaid ?? order.dateCompleted ?? order.dateCreated;
  if (!at) throw fail('no_date', `order ${order.wcOrderId} has no paid, completed or created date`);
  return at;
}

/**
 * The order's groups after balancing. WooCommerce rounds VAT per line (or per subtotal) and the order total
 * separately, so revenue + VAT can miss the total by a cent or two. That difference goes into the largest revenue
 * line (so the invoice total and the VAT Snelstart reports both stay exactly as the shop invoiced them). More than
 * a cent per order line is no rounding: the order is inconsistent and is not booked.
 */
export function balancedGroups(order: PushOrder): VatGroup[] {
  const groups = vatGroups(order).map((g) => ({ ...g }));
  const total = toCents(order.total);
  const diff = total - groups.reduce((s, g) => s + g.net + g.vat, 0);
  if (diff === 0) return groups;
  const lines = groups.reduce((s, g) => s + g.lines, 0);
  const largest = groups.filter((g) => g.lines > 0).sort((a, b) => Math.abs(b.net) - Math.abs(a.net))[0];
  if (!largest || Math.abs(diff) > Math.max(1, lines)) {
    throw fail('unbalanced', `order ${order.wcOrderId}: lines and VAT differ from the order total by ${diff} cents`);
  }
  largest.net += diff;
  return groups;
}

function ledger(cfg: BookingConfig, kind: VatKind): { id: string } {
  const id = cfg.ledgers[LEDGER_KEY[kind]];
  if (!id) throw fail('no_ledger', `no Snelstart ledger configured for VAT kind ${kind}`);
  return { id };
}

/** Booking lines and VAT lines from groups (cents) — zero lines left out, but never an empty booking. */
function linesOf(groups: VatGroup[], cfg: BookingConfig, sign: 1 | -1): Pick<SalesBookingBody, 'boekingsregels' | 'btw'> {
  const withLines = groups.filter((g) => g.lines > 0);
  const revenue = withLines.filter((g) => g.net !== 0);
  const regels = (revenue.length ? revenue : withLines.slice(0, 1)).map((g): BookingLine => ({
    omschrijving: LINE_TEXT[g.kind], grootboek: ledger(cfg, g.kind), bedrag: toAmount(sign * g.net), btwSoort: g.kind,
  }));
  if (!regels.length) throw fail('no_lines', 'the order has no product, shipping or fee lines to book');
  const btw = groups.filter((g) => g.vat !== 0).map((g): VatLine => ({ btwSoort: SALES_VAT_SOORT[g.kind], btwBedrag: toAmount(sign * g.vat) }));
  return { boekingsregels: regels, btw };
}

/** The verkoopboeking for an order's invoice (POST /v2/verkoopboekingen). */
export function buildSalesBooking(order: PushOrder, cfg: BookingConfig): SalesBookingBody {
  const groups = balancedGroups(order);
  return {
    factuurnummer: order.invoiceNumber,
    factuurdatum: amsterdamDay(invoiceInstant(order)),
    klant: { id: cfg.relationId },
    omschrijving: `Order ${order.number}`,
    factuurbedrag: toAmount(toCents(order.total)),
    ...linesOf(groups, cfg, 1),
  };
}

/**
 * A credit booking for one refund: invoice number `<invoice>-C<refundId>`, all amounts negative.
 *
 * WooCommerce's `refunds[]` gives only a total, not which lines were refunded, so the refund is split over the
 * VAT kinds in proportion to each kind's share of the invoice INCLUDING VAT (largest remainder, exact in cents);
 * each kind's part is then split into revenue and VAT in that kind's own ratio on the invoice. Gross shares (not
 * net revenue) make a full refund mirror the invoice exactly, cent for cent, and keep every part's VAT at its rate.
 */
export function buildCreditBooking(order: PushOrder, refund: RefundInput, cfg: BookingConfig): SalesBookingBody {
  const groups = balancedGroups(order);
  const refunded = Math.abs(toCents(refund.total));
  const invoiced = toCents(order.total);
  if (refunded === 0) throw fail('empty_refund', `refund ${refund.refundId} is zero`);
  if (refunded > invoiced) throw fail('refund_exceeds_invoice', `refund ${refund.refundId} is larger than order ${order.wcOrderId}`);
  const shares = apportion(refunded, groups.map((g) => g.net + g.vat));
  const credit = groups.map((g, i): VatGroup => {
    const gross = shares[i]!;
    const vat = g.net + g.vat === 0 ? 0 : mulDivRound(gross, g.vat, g.net + g.vat);
    return { ...g, net: gross - vat, vat };
  });
  return {
    factuurnummer: creditNoteNumber(order.invoiceNumber, refund.refundId),
    factuurdatum: amsterdamDay(refund.date ?? invoiceInstant(order)),
    klant: { id: cfg.relationId },
    omschrijving: `Creditnota order ${order.number}`,
    factuurbedrag: toAmount(-refunded),
    ...linesOf(credit, cfg, -1),
  };
}
