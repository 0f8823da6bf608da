import { EN } from './templates.en.js';
import { NL } from './templates.nl.js';
import { OPS } from './templates.ops.js';
import {
  OPERATOR_MAIL_TEMPLATES, type AnyMailTemplate, type LanguagePack, type MailData, type MailLang, type MailView, type OperatorMailTemplate,
  type RequestType,
} from './mail-view.js';

export { AP_URL, MAIL_TEMPLATES, OPERATOR_MAIL_TEMPLATES } from './mail-view.js';
export type { AlertFacts, AlertKind, AnyMailTemplate, DueRequest, MailData, MailLang, MailTemplate, OperatorMailTemplate, RequestType } from './mail-view.js';

/**
 * The mails of data-subject requests (P14–P21), Dutch and English, plain text. Pure: no clock, no I/O; dates are
 * shown in Europe/Amsterdam whatever the server's zone. Rendered once, when the mail is queued, so the outbox holds
 * exactly the text that is sent.
 */

/** Raised when a mail would go out with a hole in it; names the template and field, never a value. */
export class MailDataError extends Error {
  constructor(template: AnyMailTemplate, field: string) {
    super(`mail template '${template}' needs a valid '${field}'`);
    this.name = 'MailDataError';
  }
}

const REQUIRED: Record<AnyMailTemplate, (keyof MailData)[]> = {
  receipt: ['requestType', 'requestId', 'dueAt'],
  verification: ['code', 'verifyUrl', 'expiresAt'],
  extension: ['requestType', 'dueAt', 'reason'],
  completion: ['requestType'],
  rectification_confirmed: [],
  restriction_confirmed: [],
  restriction_lifted: [],
  objection_decision: ['upheld', 'reason'],
  erasure_confirmed: [],
  no_data_held: ['requestType'],
  rejected: ['requestType', 'reason'],
  alert: ['alert'],
  digest: ['dueRequests'],
};

const TYPES: readonly RequestType[] = ['access', 'portability', 'rectification', 'restriction', 'objection', 'erasure'];
const isDate = (v: unknown) => (v instanceof Date || typeof v === 'string') && !Number.isNaN(new Date(v).getTime());
const nonEmpty = (v: unknown) => typeof v === 'string' && v.trim() !== '';

const VALID: Partial<Record<keyof MailData, (v: unknown) => boolean>> = {
  shopName: nonEmpty,
  requestId: nonEmpty,
  requestType: (v) => TYPES.includes(v as RequestType),
  dueAt: isDate,
  expiresAt: isDate,
  code: (v) => typeof v === 'string' && /^\d{6}$/.test(v),
  verifyUrl: (v) => typeof v === 'string' && /^https?:\/\/\S+$/.test(v),
  reason: nonEmpty,
  upheld: (v) => typeof v === 'boolean',
  fiscalYears: (v) => Number.isInteger(v) && (v as number) > 0,
  alert: (v) => typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string',
  dueRequests: (v) => Array.isArray(v) && v.length > 0 && v.every((r) => nonEmpty(r?.id) && isDate(r?.dueAt)),
};

/** Throws MailDataError for a missing required field or an optional one given in a form that would render badly. */
export function assertMailData(template: AnyMailTemplate, data: MailData): void {
  for (const field of ['shopName', ...REQUIRED[template]] as (keyof MailData)[]) {
    if (data[field] === undefined || data[field] === null) throw new MailDataError(template, field);
  }
  for (const [field, ok] of Object.entries(VALID) as [keyof MailData, (v: unknown) => boolean][]) {
    if (data[field] !== undefined && data[field] !== null && !ok(data[field])) throw new MailDataError(template, field);
  }
}

const PACKS: Record<MailLang, LanguagePack> = { nl: NL, en: EN };
const isOperatorTemplate = (t: AnyMailTemplate): t is OperatorMailTemplate => (OPERATOR_MAIL_TEMPLATES as readonly string[]).includes(t);

/** Renders one mail; throws MailDataError rather than sending "undefined" or "Invalid Date" to a client. */
export function renderMail(template: AnyMailTemplate, lang: MailLang, data: MailData): { subject: string; text: string } {
  assertMailData(template, data);
  const pack = PACKS[lang];
  const zone = { timeZone: 'Europe/Amsterdam' } as const;
  const dateFmt = new Intl.DateTimeFormat(pack.locale, { ...zone, dateStyle: 'long' });
  const dateTimeFmt = new Intl.DateTimeFormat(pack.locale, { ...zone, dateStyle: 'long', timeStyle: 'short' });
  const listFmt = new Intl.ListFormat(pack.locale, { type: 'conjunction' });
  const view: MailView = {
    d: data,
    phrase: data.requestType ? pack.phrases[data.requestType] : '',
    label: data.requestType ? pack.labels[data.requestType] : '',
    date: (v) => dateFmt.format(new Date(v)),
    dateTime: (v) => dateTimeFmt.format(new Date(v)),
    list: (items) => listFmt.format(items),
  };
  const t = isOperatorTemplate(template) ? OPS[lang][template](view) : pack.templates[template](view);
  const parts = [pack.greeting, ...t.paragraphs];
  if (data.requestId) parts.push(pack.reference(data.requestId));
  if (t.complaint) parts.push(t.complaint === 'court' ? `${pack.complaint}\n${pack.court}` : pack.complaint);
  parts.push(`${pack.signoff}\n${data.shopName}`);
  return { subject: t.subject, text: `${parts.join('\n\n')}\n` };
}
