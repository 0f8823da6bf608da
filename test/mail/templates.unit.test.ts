import { AP_URL, MAIL_TEMPLATES, MailDataError, renderMail, type MailData, type MailTemplate } from '../../src/mail/templates.js';
import type { RequestType } from '../../src/mail/mail-view.js';

/** The mails of issue 6 (P14–P21): every template in both languages, with its facts, and nothing broken in it. */

const SHOP = 'Tuinhuis Groen';
const base: MailData = { shopName: SHOP, requestId: 'a1b2c3d4-0000-4000-8000-000000000001' };
// 22:30 UTC on 30 March is 00:30 on 31 March in Amsterdam (summer time): the mail must show the 31st.
const DUE = '2025-03-30T22:30:00Z';

const FULL: Record<MailTemplate, MailData> = {
  receipt: { ...base, requestType: 'access', dueAt: DUE },
  verification: { ...base, requestType: 'erasure', code: '042917', verifyUrl: 'https://privacy.shop.example/verify/tok123', expiresAt: '2025-03-01T13:05:00Z' },
  extension: { ...base, requestType: 'portability', dueAt: DUE, reason: 'Uw gegevens staan in drie systemen' },
  completion: { ...base, requestType: 'access', attached: true },
  rectification_confirmed: { ...base, changedFields: ['lastName', 'billing'], processors: ['Snelstart', 'PostNL'] },
  restriction_confirmed: { ...base },
  restriction_lifted: { ...base },
  objection_decision: { ...base, upheld: true, reason: 'Geen dwingende gronden', attached: true },
  erasure_confirmed: { ...base, processors: ['Snelstart', 'PostNL', 'Kiyoh'], fiscalYears: 7 },
  no_data_held: { ...base, requestType: 'access' },
  rejected: { ...base, requestType: 'erasure', reason: 'Er loopt een wettelijke bewaarplicht' },
};

const WITH_COMPLAINT: MailTemplate[] = [
  'extension', 'completion', 'rectification_confirmed', 'restriction_confirmed', 'objection_decision', 'erasure_confirmed',
  'no_data_held', 'rejected',
];
const BROKEN = /undefined|NaN|Invalid Date|\[object|null|\$\{/;

describe.each(['nl', 'en'] as const)('mail templates (%s)', (lang) => {
  test.each(MAIL_TEMPLATES.map((t) => [t]))('when %s is rendered with its data, then subject and text are whole and signed by the shop', (template) => {
    const { subject, text } = renderMail(template, lang, FULL[template]);
    expect(subject.length).toBeGreaterThan(10);
    expect(subject).not.toMatch(BROKEN);
    expect(subject).not.toContain('\n');
    expect(text).not.toMatch(BROKEN);
    expect(text.trimEnd().endsWith(SHOP)).toBe(true);
    expect(text).toContain(FULL[template].requestId!);
  });

  test.each(MAIL_TEMPLATES.map((t) => [t]))('P16 when %s is rendered, then it names the Autoriteit Persoonsgegevens exactly where a decision is reported', (template) => {
    const { text } = renderMail(template, lang, FULL[template]);
    if (WITH_COMPLAINT.includes(template)) {
      expect(text).toContain('Autoriteit Persoonsgegevens');
      expect(text).toContain(AP_URL);
    } else {
      expect(text).not.toContain(AP_URL);
    }
  });

  test('when a receipt or extension is rendered, then the due date is the Amsterdam calendar date', () => {
    const day = lang === 'nl' ? '31 maart 2025' : '31 March 2025';
    expect(renderMail('receipt', lang, FULL.receipt).text).toContain(day);
    expect(renderMail('extension', lang, FULL.extension).text).toContain(day);
    expect(renderMail('extension', lang, FULL.extension).text).toContain(FULL.extension.reason!);
    expect(renderMail('extension', lang, FULL.extension).text).toMatch(/12\(3\)|12, lid 3/);
  });

  test('when a verification mail is rendered, then it carries the code, the link and the expiry in Amsterdam time', () => {
    const { text } = renderMail('verification', lang, FULL.verification);
    expect(text).toContain('042917');
    expect(text).toContain('https://privacy.shop.example/verify/tok123');
    expect(text).toContain('14:05'); // 13:05 UTC in winter time
  });

  test('when a request is completed, then each type gets its own translated summary; access and portability point to the attached file', () => {
    const types: RequestType[] = ['access', 'portability', 'rectification', 'restriction', 'objection', 'erasure'];
    const texts = types.map((requestType) => renderMail('completion', lang, { ...base, requestType }));
    expect(new Set(texts.map((t) => t.subject)).size).toBe(types.length);
    const attached = lang === 'nl' ? 'het bijgevoegde bestand' : 'the attached file';
    expect(texts[0]!.text.toLowerCase()).toContain(attached);
    expect(texts[1]!.text.toLowerCase()).toContain(attached);
    expect(texts[1]!.text).toContain('JSON');
    for (const t of texts.slice(2)) expect(t.text.toLowerCase()).not.toContain(attached);
    if (lang === 'nl') for (const t of texts) expect(t.subject).not.toMatch(/request|access|erasure/i);
  });

  test('when an objection is decided, then upheld and rejected read differently, give the reason and name the court', () => {
    const up = renderMail('objection_decision', lang, FULL.objection_decision);
    const down = renderMail('objection_decision', lang, { ...FULL.objection_decision, upheld: false, reason: 'Wettelijke plicht', attached: false });
    expect(up.subject).not.toBe(down.subject);
    expect(up.text).toContain('Geen dwingende gronden');
    expect(down.text).toContain('Wettelijke plicht');
    expect(down.text).toMatch(/rechter|court/);
  });

  test('when an erasure is confirmed, then it says what is kept: the anonymous record, the fiscal archive and the processors told', () => {
    const { text } = renderMail('erasure_confirmed', lang, FULL.erasure_confirmed);
    expect(text).toMatch(/7 (jaar|years)/);
    expect(text).toContain(lang === 'nl' ? 'Snelstart, PostNL en Kiyoh' : 'Snelstart, PostNL and Kiyoh');
    expect(text).toMatch(lang === 'nl' ? /zonder uw naam of e-mailadres/ : /without your name or e-mail address/);
  });

  test('when a rectification is confirmed, then the corrected fields are named in the language, never as keys', () => {
    const { text } = renderMail('rectification_confirmed', lang, FULL.rectification_confirmed);
    expect(text).toContain(lang === 'nl' ? 'achternaam en factuuradres' : 'last name and billing address');
    expect(text).not.toContain('lastName');
  });

  test('when optional data is left out, then every template still renders whole', () => {
    for (const template of MAIL_TEMPLATES) {
      const minimal: MailData = {
        shopName: SHOP, requestType: 'access', requestId: 'r-1', dueAt: DUE, code: '123456', verifyUrl: 'https://x.example/v/1',
        expiresAt: DUE, reason: 'r', upheld: false,
      };
      expect(renderMail(template, lang, minimal).text).not.toMatch(BROKEN);
    }
  });
});

describe('mail data checks', () => {
  test('when a required field is missing or malformed, then MailDataError names the field and never a value', () => {
    expect(() => renderMail('receipt', 'nl', { shopName: SHOP, requestType: 'access', requestId: 'r' })).toThrow(MailDataError);
    expect(() => renderMail('receipt', 'nl', { shopName: SHOP, requestType: 'access', requestId: 'r' })).toThrow(/'dueAt'/);
    expect(() => renderMail('verification', 'en', { ...FULL.verification, code: '12345' })).toThrow(/'code'/);
    expect(() => renderMail('extension', 'en', { ...FULL.extension, dueAt: 'not a date' })).toThrow(/'dueAt'/);
    expect(() => renderMail('rejected', 'nl', { ...FULL.rejected, reason: '  ' })).toThrow(/'reason'/);
    expect(() => renderMail('completion', 'nl', { ...FULL.completion, requestType: 'marketing' as RequestType })).toThrow(/'requestType'/);
    expect(() => renderMail('restriction_lifted', 'nl', { shopName: '' })).toThrow(/'shopName'/);
    try {
      renderMail('verification', 'en', { ...FULL.verification, verifyUrl: 'javascript:ann@x.nl' });
    } catch (err) {
      expect((err as Error).message).not.toContain('ann@x.nl');
    }
  });
});
