/** Types and helpers shared by the renderer and the language packs (kept apart so the packs import no renderer). */

export type MailTemplate =
  | 'receipt' | 'verification' | 'extension' | 'completion' | 'rectification_confirmed' | 'restriction_confirmed'
  | 'restriction_lifted' | 'objection_decision' | 'erasure_confirmed' | 'no_data_held' | 'rejected';

export const MAIL_TEMPLATES: readonly MailTemplate[] = [
  'receipt', 'verification', 'extension', 'completion', 'rectification_confirmed', 'restriction_confirmed',
  'restriction_lifted', 'objection_decision', 'erasure_confirmed', 'no_data_held', 'rejected',
];

/** Mails to the operator (OPERATOR_EMAIL), never to a data subject: counts, ids and topics only (issue 7). */
export type OperatorMailTemplate = 'alert' | 'digest';
export const OPERATOR_MAIL_TEMPLATES: readonly OperatorMailTemplate[] = ['alert', 'digest'];
export type AnyMailTemplate = MailTemplate | OperatorMailTemplate;

/** What an alert mail reports; one kind per mail. No field may hold personal data. */
export type AlertFacts =
  | { kind: 'webhook_disabled'; topics: { topic: string; webhookId: number | null }[] }
  | { kind: 'sweep_failed'; sweepId: string }
  | { kind: 'sweep_blocked'; sweepId: string; reasons: string[] }
  | { kind: 'inbox_backlog'; count: number; oldestMinutes: number; thresholdMinutes: number }
  | { kind: 'reconcile_lag'; lastRunAt: string; lagHours: number; thresholdHours: number }
  | { kind: 'push_failed'; byProcessor: Record<string, number>; newSyncIds: number[] }
  | { kind: 'erasure_followup'; byStatus: Record<string, number>; newIds: number[] }
  | { kind: 'mail_failed'; count: number; newIds: number[] };
export type AlertKind = AlertFacts['kind'];

/** A line of the daily digest: a request by its id and due date, nothing else. */
export interface DueRequest { id: string; dueAt: Date | string; overdue: boolean }

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
  /** 'alert': what happened. */
  alert?: AlertFacts;
  /** 'digest': the open requests due within 7 days (and those overdue), by due date. */
  dueRequests?: DueRequest[];
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
