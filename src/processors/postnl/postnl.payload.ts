import type { Address } from '../../mirror/wc.schemas.js';
import { ProcessorError, type PushOrder } from '../types.js';
import { SPLIT_FAILURE_TEXT, splitDutchAddress } from './address.js';

/**
 * The body of `POST /shipment/v2_2/label` (PostNL Labelling API), built from an order. Pure: no I/O, `now` passed in.
 *
 * P8: PostNL gets the receiver's name and address, nothing else — no order lines, amounts, customer ids or notes.
 * Email and phone go only when the shop switched track-and-trace mail on (POSTNL_TRACK_TRACE_MAIL=true). The order
 * number is the only link back to the shop (`Reference`). Every path that can leave is in POSTNL_FIELDS.
 */

export interface PostnlSender {
  companyName: string;
  street: string;
  houseNr: string;
  houseNrExt?: string;
  zipcode: string;
  city: string;
  countrycode: string;
}

/** The shipment half of the PostNL config (the client's half is PostnlClientConfig). */
export interface PostnlShipmentConfig {
  customerCode: string;
  customerNumber: string;
  sender: PostnlSender;
  /** `^\d{4,5}$`; 3085 = standard NL parcel. */
  productCodeDelivery: string;
  /** Orders carry no weights (PushLine has none), so one configured weight per parcel, in grams (≥ 1). */
  defaultWeightGrams: number;
  /** POSTNL_TRACK_TRACE_MAIL=true: only then are the receiver's email and phone sent (for PostNL's notifications). */
  trackTraceMail: boolean;
}

export interface PostnlAddress {
  AddressType: '01' | '02';
  FirstName?: string;
  Name?: string;
  CompanyName?: string;
  Street: string;
  HouseNr?: string;
  HouseNrExt?: string;
  Zipcode: string;
  City: string;
  Countrycode: string;
}

export interface LabelRequest {
  Customer: { CustomerCode: string; CustomerNumber: string; Address: PostnlAddress };
  Message: { MessageID: string; MessageTimeStamp: string; Printertype: 'GraphicFile|PDF' };
  Shipments: {
    Addresses: PostnlAddress[];
    Barcode: string;
    Contacts?: { ContactType: '01'; Email?: string; SMSNr?: string }[];
    Dimension: { Weight: number };
    ProductCodeDelivery: string;
    Reference: string;
  }[];
}

/** Every JSON path a PostNL request body can carry (`[]` = any array element). The register lists exactly these. */
export const POSTNL_FIELDS = [
  'Customer.CustomerCode', 'Customer.CustomerNumber',
  'Customer.Address.AddressType', 'Customer.Address.CompanyName', 'Customer.Address.Street',
  'Customer.Address.HouseNr', 'Customer.Address.HouseNrExt', 'Customer.Address.Zipcode', 'Customer.Address.City',
  'Customer.Address.Countrycode',
  'Message.MessageID', 'Message.MessageTimeStamp', 'Message.Printertype',
  'Shipments[].Addresses[].AddressType', 'Shipments[].Addresses[].FirstName', 'Shipments[].Addresses[].Name',
  'Shipments[].Addresses[].Street', 'Shipments[].Addresses[].HouseNr', 'Shipments[].Addresses[].HouseNrExt',
  'Shipments[].Addresses[].Zipcode', 'Shipments[].Addresses[].City', 'Shipments[].Addresses[].Countrycode',
  'Shipments[].Barcode',
  'Shipments[].Contacts[].ContactType', 'Shipments[].Contacts[].Email', 'Shipments[].Contacts[].SMSNr',
  'Shipments[].Dimension.Weight', 'Shipments[].ProductCodeDelivery', 'Shipments[].Reference',
] as const;

/** The subset that carries the receiver's personal data (for the register's data categories). */
export const POSTNL_PERSONAL_FIELDS = POSTNL_FIELDS.filter((f) => f.startsWith('Shipments[].Addresses[].') && !f.endsWith('AddressType'))
  .concat(['Shipments[].Contacts[].Email', 'Shipments[].Contacts[].SMSNr']);

const AMSTERDAM = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Amsterdam', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

/** `dd-MM-yyyy HH:mm:ss` in Europe/Amsterdam wall-clock time (PostNL reads MessageTimeStamp as Dutch local time). */
export function postnlTimestamp(now: Date): string {
  const p = Object.fromEntries(AMSTERDAM.formatToParts(now).map((x) => [x.type, x.value]));
  return `${p.day}-${p.month}-${p.year} ${p.hour}:${p.minute}:${p.second}`;
}

const BENELUX = new Set(['NL', 'BE', 'LU']);
const clip = (s: string, max: number) => s.trim().replace(/\s+/g, ' ').slice(0, max);
const fail = (code: string, message: string) => new ProcessorError('postnl', 'permanent', null, code, message);
const isBlank = (a: Address) => ![a.address1, a.postcode, a.city].some((v) => v.trim());

/** NL `1234 ab` → `1234AB`; BE/LU 4 digits; elsewhere as given (≤ 17). Throws when a Benelux code is malformed. */
function zipcodeOf(raw: string, country: string): string {
  const z = raw.replace(/\s+/g, '').toUpperCase();
  if (country === 'NL' && !/^\d{4}[A-Z]{2}$/.test(z)) throw fail('zipcode_invalid', 'the shipping postcode is not a Dutch postcode (1234AB)');
  if ((country === 'BE' || country === 'LU') && !/^\d{4}$/.test(z)) throw fail('zipcode_invalid', `the shipping postcode is not a ${country} postcode (4 digits)`);
  if (!z || z.length > 17) throw fail('address_incomplete', 'the shipping address has no usable postcode');
  return z;
}

function receiverAddress(order: PushOrder): PostnlAddress {
  // The shipping address when the order has one; WooCommerce leaves it empty when billing = shipping.
  const a = isBlank(order.shipping) ? order.billing : order.shipping;
  const named = a.firstName.trim() || a.lastName.trim() ? a : order.billing;
  const country = a.country.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw fail('address_incomplete', 'the shipping address has no country');
  if (!a.city.trim()) throw fail('address_incomplete', 'the shipping address has no city');
  const name = clip(named.lastName, 35);
  if (!name) throw fail('receiver_name_missing', 'the shipping address has no last name');
  // Key order as PostNL documents it; FirstName only when given (Name = last name is the required one).
  const out: PostnlAddress = {
    AddressType: '01', FirstName: clip(named.firstName, 35) || undefined, Name: name, Street: '',
    Zipcode: zipcodeOf(a.postcode, country), City: clip(a.city, 35), Countrycode: country,
  };
  const split = splitDutchAddress(a.address1, a.address2);
  if (split.ok && split.poBox) throw fail('address_po_box', 'the shipping address is a PO box; PostNL parcels are not delivered to a Postbus');
  if (split.ok) {
    out.Street = clip(split.street, 95);
    out.HouseNr = split.houseNumber;
    if (split.houseNumberExt) out.HouseNrExt = split.houseNumberExt;
  } else if (BENELUX.has(country)) {
    // HouseNr is mandatory for Benelux: fail with the reason, never the address itself.
    throw fail(`address_${split.reason}`, SPLIT_FAILURE_TEXT[split.reason]);
  } else {
    out.Street = clip([a.address1, a.address2].join(' '), 95); // outside Benelux the street line may carry it all
    if (!out.Street) throw fail('address_empty', SPLIT_FAILURE_TEXT.empty);
  }
  return out;
}

/** Receiver email/phone for track-and-trace, within PostNL's limits (Email ≤ 50, SMSNr 10–17); null when none fit. */
function contactOf(order: PushOrder): { ContactType: '01'; Email?: string; SMSNr?: string } | null {
  const a = isBlank(order.shipping) ? order.billing : order.shipping;
  const email = (a.email || order.billing.email).trim();
  const phone = (a.phone || order.billing.phone).replace(/[\s().-]/g, '');
  const c: { ContactType: '01'; Email?: string; SMSNr?: string } = { ContactType: '01' };
  if (/^[^@\s]+@[^@\s]+$/.test(email) && email.length <= 50) c.Email = email;
  if (/^\+?\d{9,16}$/.test(phone) && phone.length >= 10 && phone.length <= 17) c.SMSNr = phone;
  return c.Email || c.SMSNr ? c : null;
}

/** Drops undefined keys so the body (and what the register check sees) has only fields that carry a value. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The label request for one order with a barcode fetched (and stored) beforehand, so a retry reuses it.
 * Throws ProcessorError(kind 'permanent') when the address cannot be shipped to (no house number, PO box, …):
 * the message names the problem, never the data.
 */
export function buildLabelRequest(order: PushOrder, barcode: string, cfg: PostnlShipmentConfig, now: Date): LabelRequest {
  const s = cfg.sender;
  const sender = compact<PostnlAddress>({
    AddressType: '02', CompanyName: clip(s.companyName, 35), Street: clip(s.street, 95), HouseNr: s.houseNr.trim(),
    HouseNrExt: s.houseNrExt?.trim() || undefined, Zipcode: s.zipcode.replace(/\s+/g, '').toUpperCase(), City: clip(s.city, 35),
    Countrycode: s.countrycode.trim().toUpperCase(),
  });
  const contact = cfg.trackTraceMail ? contactOf(order) : null;
  const weight = Math.max(1, Math.round(cfg.defaultWeightGrams));
  return {
    Customer: { CustomerCode: cfg.customerCode, CustomerNumber: cfg.customerNumber, Address: sender },
    Message: { MessageID: String(order.wcOrderId).slice(-12), MessageTimeStamp: postnlTimestamp(now), Printertype: 'GraphicFile|PDF' },
    Shipments: [compact({
      Addresses: [compact(receiverAddress(order))],
      Barcode: barcode,
      Contacts: contact ? [contact] : undefined,
      Dimension: { Weight: weight },
      ProductCodeDelivery: cfg.productCodeDelivery,
      Reference: clip(order.number || String(order.wcOrderId), 35),
    })],
  };
}
