import type { LegalBasis } from './gate.js';
import { SNELSTART_FIELDS } from './snelstart/fields.js';
import { POSTNL_FIELDS } from './postnl/postnl.payload.js';
import { REVIEWS_FIELDS } from './reviews/reviews.payload.js';

/**
 * The register of processors (records of processing, GDPR Art. 30): every processor the shop uses, what for,
 * which data, on what basis, where, how long, and whether it can erase on request. The single source of truth:
 * the push builders send only the fields listed here (a test captures every request to the fakes and fails on any
 * other field), and the access export's processor overview is generated from it.
 */

export interface ProcessorEntry {
  id: string;
  name: string;
  purpose: string;
  /** Privacy-policy promises this processing answers to. */
  promises: string[];
  dataCategories: string[];
  /** The exact JSON paths woo-companion sends; empty when the shop (not this service) shares the data. */
  fields: readonly string[];
  sharedBy: 'woo-companion' | 'woocommerce' | 'shop';
  legalBasis: LegalBasis;
  location: string;
  retention: string;
  /** Whether the processor can erase a person's data on request through its API. */
  canErase: boolean;
}

export function processorRegister(opts: { reviewsProvider: 'own' | 'kiyoh' }): ProcessorEntry[] {
  return [
    {
      id: 'snelstart', name: 'SnelStart (accounting)', purpose: 'bookkeeping of sales invoices and credit notes',
      promises: ['P9'], dataCategories: ['invoices', 'amounts and VAT', 'customer name and address (per-person relations only)'],
      fields: SNELSTART_FIELDS, sharedBy: 'woo-companion', legalBasis: 'legal_obligation', location: 'Netherlands (EU)',
      retention: '7 years after the end of the fiscal year (Art. 52 AWR)', canErase: false,
    },
    {
      id: 'postnl', name: 'PostNL (delivery)', purpose: 'delivering the order', promises: ['P8'],
      dataCategories: ['name', 'delivery address', 'email/phone only with track-and-trace enabled'],
      fields: POSTNL_FIELDS, sharedBy: 'woo-companion', legalBasis: 'contract', location: 'Netherlands (EU)',
      retention: "PostNL's own retention for shipment data", canErase: false,
    },
    opts.reviewsProvider === 'kiyoh'
      ? {
        id: 'reviews', name: 'Kiyoh (review invitations)', purpose: 'inviting the customer to review the purchase, with consent',
        promises: ['P7', 'P10'], dataCategories: ['name', 'email'], fields: REVIEWS_FIELDS.kiyoh, sharedBy: 'woo-companion',
        legalBasis: 'consent', location: 'Netherlands (EU)', retention: "Kiyoh's own retention; erasure on request by hand",
        canErase: false,
      }
      : {
        id: 'reviews', name: 'Review site (review invitations)', purpose: 'inviting the customer to review the purchase, with consent',
        promises: ['P7', 'P10'], dataCategories: ['name', 'email'], fields: REVIEWS_FIELDS.own, sharedBy: 'woo-companion',
        legalBasis: 'consent', location: 'Netherlands (EU)', retention: 'until the review is placed or erasure is requested',
        canErase: true,
      },
    {
      id: 'mollie', name: 'Mollie (payments)', purpose: 'processing payments at checkout', promises: ['P2'],
      dataCategories: ['payment details', 'amount', 'order reference'], fields: [], sharedBy: 'woocommerce',
      legalBasis: 'contract', location: 'Netherlands (EU)', retention: "Mollie's statutory retention (financial supervision)",
      canErase: false,
    },
    {
      id: 'mail', name: 'Mail provider', purpose: 'order confirmations and privacy-request mail', promises: ['P2'],
      dataCategories: ['name', 'email', 'order summary'], fields: [], sharedBy: 'shop', legalBasis: 'contract',
      location: 'EU', retention: 'delivery logs per the provider', canErase: false,
    },
    {
      id: 'hosting', name: 'Hosting provider', purpose: 'running the webshop and this service', promises: ['P2'],
      dataCategories: ['all data held by the shop and this service'], fields: [], sharedBy: 'shop', legalBasis: 'contract',
      location: 'EU', retention: 'as the shop and this service keep it', canErase: false,
    },
    {
      id: 'woocommerce', name: 'WooCommerce (the webshop)', purpose: 'taking and administering orders', promises: ['P1', 'P2'],
      dataCategories: ['identity', 'contact', 'addresses', 'orders'], fields: [], sharedBy: 'shop', legalBasis: 'contract',
      location: "the shop's hosting (EU)", retention: "the shop's retention settings; this service anonymises its mirror per P13",
      canErase: true,
    },
  ];
}

/** Legal basis per pushing processor, for the processing gate. */
export const PUSH_BASIS: Record<'snelstart' | 'postnl' | 'reviews', LegalBasis> = {
  snelstart: 'legal_obligation', postnl: 'contract', reviews: 'consent',
};
