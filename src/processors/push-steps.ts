import type { PushContext } from './push-order.repository.js';
import type { SyncRecord } from './sync.repository.js';
import type { SnelstartClient } from './snelstart/snelstart.client.js';
import { type SnelstartLedgers, buildCreditBooking, buildSalesBooking } from './snelstart/booking.payload.js';
import { buildRelation } from './snelstart/relation.payload.js';
import { creditNoteNumber } from '../fiscal/invoice.js';
import type { PostnlClient } from './postnl/postnl.client.js';
import { type PostnlShipmentConfig, buildLabelRequest } from './postnl/postnl.payload.js';
import type { ReviewsClient } from './reviews/reviews.types.js';
import { ProcessorError } from './types.js';

/**
 * One push per processor, as steps that are safe to repeat: each first looks for what an earlier, interrupted
 * attempt may already have done (a Snelstart booking under the invoice number, a PostNL barcode stored before the
 * label call, an invitation de-duplicated by order reference), so a retry never books, ships or invites twice.
 */

export type StepResult = { status: 'done'; externalId: string | null } | { status: 'skipped'; reason: string };

export interface StepIo {
  /** Runs fn while no other worker works on the same key (e.g. creating one person's Snelstart relation). */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Persists an id before the call that uses it (committed at once). */
  keepExternalId(id: string): Promise<void>;
  /** Stores a PostNL label (personal data: registered for erasure, own retention). */
  keepLabel(barcode: string, pdf: Buffer, warnings: string[]): Promise<void>;
  now(): Date;
}

export interface SnelstartSettings {
  client: SnelstartClient;
  ledgers: SnelstartLedgers;
  /** 'collective': one consumer relation (relationId); 'per-person': a relation per person, found by relatiecode. */
  relationMode: 'collective' | 'per-person';
  relationId: string | null;
  /** SNELSTART_RELATION_CODE_OFFSET: relatiecode = offset + person number. */
  relationCodeOffset?: number;
}

async function relationFor(s: SnelstartSettings, ctx: PushContext, io: StepIo): Promise<string> {
  if (s.relationMode === 'collective') {
    if (!s.relationId) throw new ProcessorError('snelstart', 'permanent', null, 'no_relation', 'SNELSTART_RELATION_ID is not set');
    return s.relationId;
  }
  // A booking and a credit of one person may run at once: one of them creates the relation, the other finds it.
  const code = (s.relationCodeOffset ?? 0) + ctx.order.personId;
  return io.exclusive(`snelstart-relation:${code}`, async () => {
    const found = await s.client.findRelationByCode(code);
    if (found) return found.id;
    // An erased person's booking (the law still requires it) gets a relation without name or address: the order holds
    // only placeholders, which Snelstart would refuse as an address; the invoice's details stay in the fiscal archive.
    const billing = ctx.person.erased
      ? { ...ctx.order.billing, company: '', address1: '', address2: '', postcode: '', city: '', state: '', country: 'NL' }
      : ctx.order.billing;
    const country = await s.client.countryId(billing.country || 'NL');
    return (await s.client.createRelation(buildRelation({ code, billing, ...(ctx.person.erased ? { name: '[deleted]' } : {}) }, country))).id;
  });
}

export async function snelstartStep(s: SnelstartSettings, ctx: PushContext, sync: SyncRecord, io: StepIo): Promise<StepResult> {
  if (sync.externalId) return { status: 'done', externalId: sync.externalId };
  const number = sync.kind === 'credit' ? creditNoteNumber(ctx.order.invoiceNumber, Number(sync.ref)) : ctx.order.invoiceNumber;
  // Never a duplicate: Snelstart has no idempotency key, so the invoice number is looked up before every create.
  const existing = await s.client.findSalesInvoice(number);
  if (existing) return { status: 'done', externalId: existing.bookingId };
  const cfg = { ledgers: s.ledgers, relationId: await relationFor(s, ctx, io) };
  let body;
  if (sync.kind === 'credit') {
    const refund = ctx.order.lines.find((l) => l.kind === 'refund' && String(l.wcLineId) === sync.ref);
    if (!refund) return { status: 'skipped', reason: 'refund no longer on the order' };
    body = buildCreditBooking(ctx.order, { refundId: Number(sync.ref), total: refund.total, date: sync.createdAt.toISOString() }, cfg);
  } else {
    body = buildSalesBooking(ctx.order, cfg);
  }
  return { status: 'done', externalId: (await s.client.createSalesBooking(body)).id };
}

export interface PostnlSettings {
  client: PostnlClient;
  shipment: PostnlShipmentConfig;
}

export async function postnlStep(s: PostnlSettings, ctx: PushContext, sync: SyncRecord, io: StepIo): Promise<StepResult> {
  // The barcode is fixed (and committed) before the label call: a repeated label call reuses it, one parcel.
  let barcode = sync.externalId;
  // An address PostNL cannot take fails here, before a barcode is spent on it.
  buildLabelRequest(ctx.order, barcode ?? '3SXXXX000000000', s.shipment, io.now());
  if (!barcode) {
    barcode = await s.client.generateBarcode();
    await io.keepExternalId(barcode);
  }
  const label = await s.client.createLabel(buildLabelRequest(ctx.order, barcode, s.shipment, io.now()));
  await io.keepLabel(label.barcode || barcode, label.labelPdf, label.warnings);
  return { status: 'done', externalId: label.barcode || barcode };
}

const CANCELLED = new Set(['cancelled', 'refunded', 'failed', 'trash']);

export async function reviewsStep(client: ReviewsClient, ctx: PushContext): Promise<StepResult> {
  if (CANCELLED.has(ctx.order.status)) return { status: 'skipped', reason: `order ${ctx.order.status}` };
  if (!ctx.reviewConsent) return { status: 'skipped', reason: 'no_consent' };
  const b = ctx.order.billing;
  if (!b.email) return { status: 'skipped', reason: 'no_email' };
  // P7: name and email only; the order number lets the site de-duplicate a repeated call.
  const r = await client.invite({ firstName: b.firstName, lastName: b.lastName, email: b.email, orderRef: ctx.order.number });
  return { status: 'done', externalId: r.id ?? ctx.order.number };
}
