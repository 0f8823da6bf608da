/** Types and helpers shared by the renderer and the language packs (kept apart so the packs import no renderer). */

export type MailTemplate =
  | 'receipt' | 'verification' | 'extension' | 'completion' | 'rectification_confirmed' | 'restriction_confirmed'
  | 'restriction_lifted' | 'objection_decision' | 'erasure_confirmed' | 'no_data_held' | 'rejected';

export const MAIL_TEMPLATES: readonly MailTemplate[] = [
  'receipt', 'verification', 'extension', 'completion', 'rectification_confirmed', 'restriction_confirmed',
  'restriction_lifted', 'objection_decision', 'erasure_confirmed', 'no_data_held', 'rejected',
];

export type MailLang = 'nl' | 'en';
export type RequestType = 'access' | 'portability' | 'rectification' | 'restriction' | 'objection' | 'erasure';

export interface MailData {
  /** Signs every mail (SHOP_NAME). */
  shopName: string;
  /** Shown as the reference; required by 'receipt'. */
  requestId?: string;
  requestType?: RequestType;
  /** The deadline: received + 30 days, or the extended one ('receipt', 'extension'). */
  dueAt?: Date | string;
  /** 'verification': the 6-digit code, the link, and until when both work. */
  code?: string;
  verifyUrl?: string;
  expiresAt?: Date | string;
  /** Why: 'extension', 'objection_decision', 'rejected'. */
  reason?: string;
  /** 'objection_decision': true = upheld. */
  upheld?: boolean;
  /** 'rectification_confirmed': the person keys that were corrected (firstName, billing, …), never their values. */
  changedFields?: string[];
  /** Display names of the processors told about a rectification or erasure (GDPR Art. 19). */
  processors?: string[];
  /** 'erasure_confirmed': how long invoices stay in the fiscal archive (FISCAL_RETENTION_YEARS, default 7). */
  fiscalYears?: number;
  /** The mail carries a file; set by enqueueMail from its attachments. */
  attached?: boolean;
}

/** What a language module gets: the data as given plus the formatting for that language. */
export interface MailView {
  d: MailData;
  /** "uw verzoek om inzage" / "your request for access to your data" (lower case, inside a sentence). */
  phrase: string;
  /** "Inzage" / "Access": the type's name on its own. */
  label: string;
  date(v: Date | string): string;
  dateTime(v: Date | string): string;
  list(items: string[]): string;
}

export interface TemplateText {
  subject: string;
  paragraphs: string[];
  /** Mention the right to complain to the Autoriteit Persoonsgegevens; 'court' adds the judicial remedy (Art. 12(4)). */
  complaint?: 'ap' | 'court';
}

export interface LanguagePack {
  locale: string;
  greeting: string;
  signoff: string;
  reference(id: string): string;
  complaint: string;
  court: string;
  phrases: Record<RequestType, string>;
  labels: Record<RequestType, string>;
  fields: Record<string, string>;
  templates: Record<MailTemplate, (v: MailView) => TemplateText>;
}

export const AP_URL = 'https://autoriteitpersoonsgegevens.nl';

/** First letter upper case, for a phrase that opens a sentence or subject. */
export const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Field labels for the corrected fields, falling back to the key itself for one the pack does not name. */
export const fieldNames = (v: MailView, pack: Pick<LanguagePack, 'fields'>) =>
  v.list((v.d.changedFields ?? []).map((f) => pack.fields[f] ?? f));
