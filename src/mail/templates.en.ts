import { AP_URL, cap, fieldNames, type LanguagePack, type MailView } from './mail-view.js';

/** English mails: the same facts as the Dutch ones, sentence for sentence. */

const processorsTold = (v: MailView, what: string) => (v.d.processors?.length
  ? `We have asked the parties that received your data from us (${v.list(v.d.processors)}) to ${what}.`
  : `We have asked the parties that received your data from us to ${what}.`);

const COMPLETION: Record<string, string[]> = {
  access: [
    'In the attached file you will find a copy of all personal data we hold about you, grouped by kind of data. '
      + 'It also tells you which parties received data from us and why, how long we keep each kind of data, '
      + 'and what your rights are.',
    'The file contains your personal data: please keep it safe.',
  ],
  portability: [
    'In the attached file you will find your data in a structured, machine-readable format (JSON). '
      + 'You can pass this file on to another party of your choice.',
    'The file contains your personal data: please keep it safe.',
  ],
  rectification: ['We have corrected your data as you asked.'],
  restriction: ['We have restricted the processing of your data as you asked.'],
  objection: ['We have dealt with your objection to the processing of your data.'],
  erasure: ['We have erased your data as you asked.'],
};

export const EN: LanguagePack = {
  locale: 'en-GB',
  greeting: 'Hello,',
  signoff: 'Kind regards,',
  reference: (id) => `Request reference: ${id}`,
  complaint: 'If you disagree with how we handled your request or your data, please let us know and we will look for a solution '
    + 'together. You also have the right to lodge a complaint with the Dutch Data Protection Authority (Autoriteit '
    + `Persoonsgegevens): ${AP_URL}`,
  court: 'You can also go to court.',
  phrases: {
    access: 'your request for access to your data',
    portability: 'your request to receive your data for transfer',
    rectification: 'your request to correct your data',
    restriction: 'your request to restrict the processing of your data',
    objection: 'your objection to the processing of your data',
    erasure: 'your request to erase your data',
  },
  labels: {
    access: 'access',
    portability: 'data portability',
    rectification: 'rectification',
    restriction: 'restriction of processing',
    objection: 'objection to processing',
    erasure: 'erasure (right to be forgotten)',
  },
  fields: {
    firstName: 'first name', lastName: 'last name', email: 'e-mail address', phone: 'phone number', company: 'company name',
    billing: 'billing address', shipping: 'shipping address',
  },
  templates: {
    receipt: (v) => ({
      subject: `${cap(v.phrase)} has been received`,
      paragraphs: [
        `We have received ${v.phrase}. We will deal with it within the legal time limit: you will hear from us by `
          + `${v.date(v.d.dueAt!)} at the latest.`,
        `Type of request: ${v.label}`,
        'To protect your data, we only send anything to the e-mail address we know for you. '
          + 'Sometimes we first ask you to confirm that the request really comes from you.',
      ],
    }),
    verification: (v) => ({
      subject: 'Please confirm your privacy request',
      paragraphs: [
        `We have received ${v.phrase || 'your privacy request'}. To be sure it comes from you, please confirm it. `
          + 'Open the link below and enter the code on that page:',
        `- open this link: ${v.d.verifyUrl}\n- and enter this code: ${v.d.code}`,
        `The link and the code are valid until ${v.dateTime(v.d.expiresAt!)} (Amsterdam time) and work once.`,
        'Did you not make this request? Then you can ignore this e-mail.',
      ],
    }),
    extension: (v) => ({
      subject: 'We need more time for your request',
      paragraphs: [
        `We are working on ${v.phrase}, but we cannot complete it within one month. The law (GDPR Article 12(3)) allows us `
          + 'to extend the time limit where necessary, for instance because a request is complex, and asks us to tell you so.',
        `Reason: ${v.d.reason}`,
        `You will hear from us by ${v.date(v.d.dueAt!)} at the latest.`,
      ],
      complaint: 'ap',
    }),
    completion: (v) => ({
      subject: `${cap(v.phrase)} has been completed`,
      paragraphs: [`We have completed ${v.phrase}.`, ...COMPLETION[v.d.requestType!]!],
      complaint: 'ap',
    }),
    rectification_confirmed: (v) => ({
      subject: 'Your data has been corrected',
      paragraphs: [
        v.d.changedFields?.length
          ? `We have corrected your data as you asked. Changed: ${fieldNames(v, EN)}.`
          : 'We have corrected your data as you asked.',
        processorsTold(v, 'apply the correction too'),
        'Invoices already issued are not changed: tax law requires us to keep them as they were issued.',
      ],
      complaint: 'ap',
    }),
    restriction_confirmed: () => ({
      subject: 'The processing of your data has been restricted',
      paragraphs: [
        'We have restricted the processing of your data. We keep your data, but we no longer use it or pass it on to others, '
          + 'until you ask us to lift the restriction.',
        'Please note: while the restriction applies, we also do not process open orders any further, such as shipping them. '
          + 'Would you like to lift the restriction? Please contact us.',
      ],
      complaint: 'ap',
    }),
    restriction_lifted: () => ({
      subject: 'The restriction of processing has been lifted',
      paragraphs: [
        'The restriction of the processing of your data has been lifted. We process your data again as described in our '
          + 'privacy statement. Whatever was held during the restriction, such as shipping an order, now goes ahead.',
      ],
    }),
    objection_decision: (v) => ({
      subject: v.d.upheld ? 'Your objection has been upheld' : 'Your objection has been rejected',
      paragraphs: v.d.upheld
        ? [
          'We have assessed your objection to the processing of your data and agree with you.',
          `Explanation: ${v.d.reason}`,
          'We stop all processing of your data that the law does not require, such as invitations to write a review. '
            + 'What the law requires of us, such as keeping invoices, continues.',
          ...(v.d.attached ? ['In the attached file you will find a copy of your data. Please keep it safe.'] : []),
        ]
        : [
          'We have carefully assessed your objection to the processing of your data, but we cannot uphold it.',
          `Reason: ${v.d.reason}`,
          'While we handled your objection, the processing of your data was paused. It now resumes.',
        ],
      complaint: 'court',
    }),
    erasure_confirmed: (v) => ({
      subject: 'Your data has been erased',
      paragraphs: [
        'We have erased your data. This is what happened:',
        [
          '- Your profile, contact details and addresses have been deleted or made unrecognisable.',
          '- We keep only a record without your name or e-mail address: that we carried out your request, and when. '
            + 'This lets us show that it was done.',
          `- Tax law requires us to keep invoices for ${v.d.fiscalYears ?? 7} years. They are kept in a restricted archive `
            + 'used only for the accounts; after that, that data is erased too.',
          `- ${processorsTold(v, 'erase your data too')}`,
        ].join('\n'),
        'We will not keep this e-mail longer than needed after sending it either.',
      ],
      complaint: 'ap',
    }),
    no_data_held: (v) => ({
      subject: 'We hold no data about you',
      paragraphs: [
        `We have received ${v.phrase} and searched our records, but we hold no personal data for this e-mail address `
          + '(GDPR Article 15).',
        'Did you order from us with a different e-mail address? Then please send your request from that address.',
      ],
      complaint: 'ap',
    }),
    rejected: (v) => ({
      subject: `${cap(v.phrase)} has been rejected`,
      paragraphs: [`We have assessed ${v.phrase}, but we cannot carry it out.`, `Reason: ${v.d.reason}`],
      complaint: 'court',
    }),
  },
};
