import type { Address } from '../mirror/wc.schemas.js';
import type { CustomerRecord, OrderRecord } from '../mirror/map-order.js';
import { anonymiseIp } from '../mirror/ip.js';

/**
 * The anonymised form of a person's records, with WooCommerce's own placeholders (WC_Privacy_Erasers and
 * wp_privacy_anonymize_data), so the shop and the mirror agree on what an erased record looks like.
 * Totals, lines, dates, status and currency stay: the books still add up. Pure; the SQL twin is
 * anonymise_address() in migrations/0015_inline_anonymise_address.sql (a test holds both to the same answers).
 */

export const DELETED_TEXT = '[deleted]';
export const DELETED_EMAIL = 'deleted@site.invalid';

/** Non-empty text → [deleted]; empty stays empty (WooCommerce skips empty props). */
export const anonymiseText = (v: string): string => (v === '' ? '' : DELETED_TEXT);
export const anonymiseEmail = (v: string): string => (v === '' ? '' : DELETED_EMAIL);
/** Every digit becomes 0, the rest of the formatting stays: `(555) 555-5555` → `(000) 000-0000`. */
export const anonymisePhone = (v: string): string => v.replace(/[0-9]/g, '0');

export function anonymiseAddress(a: Address): Address {
  return {
    firstName: anonymiseText(a.firstName), lastName: anonymiseText(a.lastName), company: anonymiseText(a.company),
    address1: anonymiseText(a.address1), address2: anonymiseText(a.address2), city: anonymiseText(a.city),
    postcode: anonymiseText(a.postcode), state: '', country: '', email: anonymiseEmail(a.email), phone: anonymisePhone(a.phone),
  };
}

/** An order as WooCommerce leaves it after remove_order_personal_data: contact data gone, the books intact. */
export function anonymiseOrder(o: OrderRecord): OrderRecord {
  return {
    ...o,
    wcCustomerId: o.wcCustomerId === null ? null : 0,
    transactionId: o.transactionId ? '0' : o.transactionId,
    billing: anonymiseAddress(o.billing),
    shipping: anonymiseAddress(o.shipping),
    ipAddress: o.ipAddress === null ? null : anonymiseIp(o.ipAddress),
    email: null,
  };
}

/** A customer account as the mirror keeps it for an erased person: no name, no email, no address. */
export function anonymiseCustomer(c: CustomerRecord): CustomerRecord {
  return {
    ...c,
    accountEmail: null,
    emails: [],
    firstName: anonymiseText(c.firstName),
    lastName: anonymiseText(c.lastName),
    billing: anonymiseAddress(c.billing),
    shipping: anonymiseAddress(c.shipping),
  };
}
