import type { ExportAutomatedDecisions, ExportRights, RetentionCategory, RetentionRule } from './export.types.js';

/**
 * Pure: the fixed texts of the package — how long each category is kept (the README's data-sets table, with the
 * configured periods filled in) and the rights the person has (P16–P21). English, like the register.
 */

export interface RetentionSettings {
  /** RETENTION_INACTIVE_DAYS */
  inactiveDays: number;
  /** FISCAL_RETENTION_YEARS */
  fiscalYears: number;
  /** LABEL_RETENTION_DAYS */
  labelDays: number;
  /** RAW_PAYLOAD_RETENTION_DAYS */
  rawPayloadDays: number;
}

export function retentionRules(r: RetentionSettings): Record<RetentionCategory, RetentionRule> {
  const profile: RetentionRule = {
    period: `${r.inactiveDays} days after the last contact or transaction, then anonymised`,
    reason: 'P13: kept while you are a client and at most two years after the last contact or transaction',
  };
  return {
    identity: profile,
    contact: profile,
    addresses: profile,
    orders: {
      period: `contact data (names, addresses, email, phone, customer and transaction ids): ${r.inactiveDays} days after `
        + 'the last contact or transaction, then anonymised; amounts, VAT, lines, dates and status: kept without personal data',
      reason: 'P13; the order books hold no personal data once anonymised',
    },
    shipments: {
      period: `label PDFs (name and address): ${r.labelDays} days, or at once on erasure; barcode and status: with the order`,
      reason: 'P8: reprints and delivery claims',
    },
    invoices: {
      period: `until 31 December of the fiscal year plus ${r.fiscalYears} years, then name and address are anonymised`,
      reason: 'Art. 52 AWR: the Dutch fiscal retention duty',
    },
    reviewInvitations: {
      period: 'with the order (status and reference only, no personal data)',
      reason: 'GDPR Art. 30: proof of what was shared with whom',
    },
    consents: { period: 'with the person and the order', reason: 'P10: proof of consent' },
    processingHistory: {
      period: 'permanently, without personal data (a pseudonymous key only)',
      reason: 'P14b: accountability for every processing action',
    },
    privacyRequests: {
      period: 'permanently; the e-mail address is removed when you are erased',
      reason: 'P14b: administration of concluded requests',
    },
    rawDeliveries: {
      period: `${r.rawPayloadDays} days after processing, or at once on erasure`,
      reason: 'P1: only for recovery and debugging',
    },
    erasureRecords: {
      period: 'permanently, without personal data (pseudonymous keys, date, what was erased)',
      reason: 'P14b: being forgotten must last',
    },
  };
}

export const AUTORITEIT_PERSOONSGEGEVENS_URL = 'https://autoriteitpersoonsgegevens.nl';

export function rightsOf(shopName: string): ExportRights {
  return {
    access: { article: 'GDPR Art. 15', promise: 'P17', description: 'A copy of all data held about you, the processors that received it and how long each category is kept.' },
    rectification: { article: 'GDPR Art. 16', promise: 'P18', description: 'Incorrect data is corrected here, in the shop and at every processor that holds it; issued invoices are not rewritten.' },
    erasure: { article: 'GDPR Art. 17', promise: 'P13', description: 'Your data is erased or anonymised, except what the law requires us to keep (invoices).' },
    restriction: { article: 'GDPR Art. 18', promise: 'P19', description: 'Your data is kept but not used or passed on until you lift the restriction.' },
    objection: { article: 'GDPR Art. 21', promise: 'P21', description: 'Processing stops at once while your objection is handled.' },
    portability: { article: 'GDPR Art. 20', promise: 'P20', description: 'This package in a machine-readable form, to pass on to a party of your choice.' },
    howToExercise: `Send your request to ${shopName} from the e-mail address known to us; other addresses are verified first (P14).`,
    answerWithinDays: 30,
    complaint: {
      authority: 'Autoriteit Persoonsgegevens', url: AUTORITEIT_PERSOONSGEGEVENS_URL,
      description: 'You may complain to the Dutch data protection authority about how your data is processed (P16).',
    },
  };
}

/**
 * P21b, said to the person as Art. 15(1)(h) asks. It stays true as long as test/dsr/no-profiling.test.ts passes: every
 * column of the person-level tables is data from the shop, a right's status or bookkeeping, none derived about them.
 */
export const AUTOMATED_DECISIONS: ExportAutomatedDecisions = {
  used: false, profiling: false, article: 'GDPR Art. 15(1)(h), Art. 22', promise: 'P21b',
  description: 'No decision about you is made by automated means, and you are not profiled: nothing derives scores, '
    + 'segments or predictions from your data. Automated steps only carry out what the shop has to do anyway '
    + '(booking an invoice, sending a parcel, an invitation you consented to, erasure after the retention period).',
};
