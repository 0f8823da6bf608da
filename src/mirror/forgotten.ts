import type { Queryable } from '../platform/db.js';
import type { SubjectKeyOf } from '../erasure/subject-key.js';
import { tombstoneForRecord } from '../erasure/erasure.repository.js';
import { REFRESH_ARCHIVED_INVOICE } from '../erasure/stores.js';
import type { CustomerRecord, OrderRecord } from './map-order.js';
import type { StoredOrder } from './order.repository.js';
import { identifyingEmails } from './identity.js';

/**
 * Forgetting lasts (P13): a record about an erased subject that was created before the erasure — re-delivered,
 * re-fetched or backfilled — belongs to the closed person and is stored only anonymised. A record created after
 * the erasure is a new relationship: the caller resolves it to an open person as usual. Returns the closed
 * person's id, or null when the record is not forgotten.
 */
export async function forgottenOrderOwner(db: Queryable, o: OrderRecord, stored: StoredOrder | null, subjectKey: SubjectKeyOf): Promise<number | null> {
  if (stored) return stored.personErased ? stored.personId : null;
  const t = await tombstoneForRecord(db, {
    subjectKeys: o.email ? [subjectKey(o.email)] : [], wcCustomerId: o.wcCustomerId, createdAt: o.dates.created,
  });
  return t?.personId ?? null;
}

/* $1 wc customer id */
const OPEN_PERSON_WITH_CUSTOMER_ID = /* sql */ `SELECT 1 FROM persons WHERE wc_customer_id = $1 AND status <> 'erased'`;

/** A customer account is forgotten unless an open person already carries its id (a customer who came back). */
export async function forgottenCustomerOwner(db: Queryable, c: CustomerRecord, subjectKey: SubjectKeyOf): Promise<number | null> {
  if ((await db.query(OPEN_PERSON_WITH_CUSTOMER_ID, [c.wcCustomerId])).rowCount) return null;
  const t = await tombstoneForRecord(db, { subjectKeys: c.emails.map(subjectKey), wcCustomerId: c.wcCustomerId, createdAt: c.dates.created });
  return t?.personId ?? null;
}

/** A forgotten order that changed (a refund after the erasure): its archived invoice follows the books. */
export async function refreshArchivedInvoice(db: Queryable, wcOrderId: number, fiscal: { prefix: string; years: number }): Promise<void> {
  await db.query(REFRESH_ARCHIVED_INVOICE, [wcOrderId, fiscal.prefix, fiscal.years]);
}

/** The identifying emails a raw body carries (billing email, account email), read leniently: it may be invalid. */
export function subjectKeysInBody(body: Buffer, subjectKey: SubjectKeyOf): Buffer[] {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  if (!v || typeof v !== 'object') return [];
  const o = v as { email?: unknown; billing?: { email?: unknown } | null };
  const raw = [o.email, o.billing?.email].map((e) => (typeof e === 'string' ? e : null));
  return identifyingEmails(raw).map(subjectKey);
}
