import { AP_URL, cap, fieldNames, type LanguagePack, type MailView } from './mail-view.js';

/** Dutch mails: "u", friendly and plain; every fact a client needs to act is in the mail itself. */

const processorsTold = (v: MailView, what: string) => (v.d.processors?.length
  ? `Partijen die uw gegevens van ons hebben ontvangen (${v.list(v.d.processors)}), hebben wij gevraagd ${what}.`
  : `Partijen die uw gegevens van ons hebben ontvangen, hebben wij gevraagd ${what}.`);

const COMPLETION: Record<string, string[]> = {
  access: [
    'In het bijgevoegde bestand vindt u een kopie van alle persoonsgegevens die wij van u hebben, geordend per soort gegevens. '
      + 'U leest er ook in aan welke partijen wij gegevens hebben gegeven en waarom, hoe lang wij elke soort gegevens bewaren '
      + 'en welke rechten u heeft.',
    'Het bestand bevat uw persoonsgegevens: bewaar het zorgvuldig.',
  ],
  portability: [
    'In het bijgevoegde bestand vindt u uw gegevens in een gestructureerd, machineleesbaar formaat (JSON). '
      + 'U kunt dit bestand zelf doorgeven aan een andere partij naar keuze.',
    'Het bestand bevat uw persoonsgegevens: bewaar het zorgvuldig.',
  ],
  rectification: ['Wij hebben uw gegevens gecorrigeerd zoals u vroeg.'],
  restriction: ['Wij hebben de verwerking van uw gegevens beperkt zoals u vroeg.'],
  objection: ['Wij hebben uw bezwaar tegen de verwerking van uw gegevens afgehandeld.'],
  erasure: ['Wij hebben uw gegevens verwijderd zoals u vroeg.'],
};

export const NL: LanguagePack = {
  locale: 'nl-NL',
  greeting: 'Hallo,',
  signoff: 'Met vriendelijke groet,',
  reference: (id) => `Kenmerk van uw verzoek: ${id}`,
  complaint: 'Bent u het niet eens met hoe wij met uw verzoek of uw gegevens omgaan? Laat het ons weten, dan zoeken we samen '
    + `naar een oplossing. U heeft ook altijd het recht een klacht in te dienen bij de Autoriteit Persoonsgegevens: ${AP_URL}`,
  court: 'Daarnaast kunt u naar de rechter stappen.',
  phrases: {
    access: 'uw verzoek om inzage in uw gegevens',
    portability: 'uw verzoek om overdracht van uw gegevens',
    rectification: 'uw verzoek om correctie van uw gegevens',
    restriction: 'uw verzoek om beperking van de verwerking',
    objection: 'uw bezwaar tegen de verwerking van uw gegevens',
    erasure: 'uw verzoek om verwijdering van uw gegevens',
  },
  labels: {
    access: 'inzage',
    portability: 'overdracht van gegevens (dataportabiliteit)',
    rectification: 'correctie (rectificatie)',
    restriction: 'beperking van de verwerking',
    objection: 'bezwaar tegen de verwerking',
    erasure: 'verwijdering (recht op vergetelheid)',
  },
  fields: {
    firstName: 'voornaam', lastName: 'achternaam', email: 'e-mailadres', phone: 'telefoonnummer', company: 'bedrijfsnaam',
    billing: 'factuuradres', shipping: 'afleveradres',
  },
  templates: {
    receipt: (v) => ({
      subject: `${cap(v.phrase)} is ontvangen`,
      paragraphs: [
        `Wij hebben ${v.phrase} ontvangen. Wij handelen het af binnen de wettelijke termijn: u hoort uiterlijk `
          + `${v.date(v.d.dueAt!)} van ons.`,
        `Soort verzoek: ${v.label}`,
        'Om uw gegevens te beschermen sturen wij alles alleen naar het e-mailadres dat bij ons bekend is. '
          + 'Soms vragen wij u eerst te bevestigen dat het verzoek echt van u komt.',
      ],
    }),
    verification: (v) => ({
      subject: 'Bevestig uw privacyverzoek',
      paragraphs: [
        `Wij hebben ${v.phrase || 'uw privacyverzoek'} ontvangen. Om zeker te weten dat het van u komt, vragen wij u het `
          + 'te bevestigen. Open de link hieronder en vul op die pagina de code in:',
        `- open deze link: ${v.d.verifyUrl}\n- en vul deze code in: ${v.d.code}`,
        `De link en de code zijn geldig tot ${v.dateTime(v.d.expiresAt!)} en werken één keer.`,
        'Heeft u dit verzoek niet gedaan? Dan kunt u deze e-mail negeren.',
      ],
    }),
    extension: (v) => ({
      subject: 'Wij hebben meer tijd nodig voor uw verzoek',
      paragraphs: [
        `Wij werken aan ${v.phrase}, maar het lukt niet om het binnen een maand af te ronden. De wet (artikel 12, lid 3, AVG) `
          + 'staat ons toe de termijn te verlengen als dat nodig is, bijvoorbeeld omdat een verzoek ingewikkeld is, '
          + 'en vraagt ons u daarover te informeren.',
        `Reden: ${v.d.reason}`,
        `U hoort uiterlijk ${v.date(v.d.dueAt!)} van ons.`,
      ],
      complaint: 'ap',
    }),
    completion: (v) => ({
      subject: `${cap(v.phrase)} is afgehandeld`,
      paragraphs: [`Wij hebben ${v.phrase} afgehandeld.`, ...COMPLETION[v.d.requestType!]!],
      complaint: 'ap',
    }),
    rectification_confirmed: (v) => ({
      subject: 'Uw gegevens zijn gecorrigeerd',
      paragraphs: [
        v.d.changedFields?.length
          ? `Wij hebben uw gegevens gecorrigeerd zoals u vroeg. Aangepast: ${fieldNames(v, NL)}.`
          : 'Wij hebben uw gegevens gecorrigeerd zoals u vroeg.',
        processorsTold(v, 'de correctie ook door te voeren'),
        'Facturen die al zijn uitgereikt, passen wij niet aan: die moeten wij volgens de belastingwet ongewijzigd bewaren.',
      ],
      complaint: 'ap',
    }),
    restriction_confirmed: () => ({
      subject: 'De verwerking van uw gegevens is beperkt',
      paragraphs: [
        'Wij hebben de verwerking van uw gegevens beperkt. Wij bewaren uw gegevens, maar gebruiken ze niet meer en geven ze '
          + 'niet door aan anderen, totdat u ons vraagt de beperking op te heffen.',
        'Let op: zolang de beperking geldt, verwerken wij ook lopende bestellingen niet verder, bijvoorbeeld de verzending. '
          + 'Wilt u de beperking opheffen? Neem dan contact met ons op.',
      ],
      complaint: 'ap',
    }),
    restriction_lifted: () => ({
      subject: 'De beperking van de verwerking is opgeheven',
      paragraphs: [
        'De beperking van de verwerking van uw gegevens is opgeheven. Wij verwerken uw gegevens weer zoals beschreven in onze '
          + 'privacyverklaring. Wat tijdens de beperking bleef liggen, zoals de verzending van een bestelling, pakken wij nu weer op.',
      ],
    }),
    objection_decision: (v) => ({
      subject: v.d.upheld ? 'Uw bezwaar is toegewezen' : 'Uw bezwaar is afgewezen',
      paragraphs: v.d.upheld
        ? [
          'Wij hebben uw bezwaar tegen de verwerking van uw gegevens beoordeeld en geven u gelijk.',
          `Toelichting: ${v.d.reason}`,
          'Wij stoppen met elke verwerking van uw gegevens die niet wettelijk verplicht is, zoals uitnodigingen om een '
            + 'beoordeling te schrijven. Wat de wet van ons vraagt, zoals het bewaren van facturen, gaat door.',
          ...(v.d.attached ? ['In het bijgevoegde bestand vindt u een kopie van uw gegevens. Bewaar het zorgvuldig.'] : []),
        ]
        : [
          'Wij hebben uw bezwaar tegen de verwerking van uw gegevens zorgvuldig beoordeeld, maar kunnen het niet toewijzen.',
          `Reden: ${v.d.reason}`,
          'Terwijl wij uw bezwaar behandelden, lag de verwerking van uw gegevens stil. Die hervatten wij nu.',
        ],
      complaint: 'court',
    }),
    erasure_confirmed: (v) => ({
      subject: 'Uw gegevens zijn verwijderd',
      paragraphs: [
        'Wij hebben uw gegevens verwijderd. Dit is wat er is gebeurd:',
        [
          '- Uw profiel, contactgegevens en adressen zijn verwijderd of onherkenbaar gemaakt.',
          '- Wij houden alleen een administratie zonder uw naam of e-mailadres bij: dat wij uw verzoek hebben uitgevoerd, en '
            + 'wanneer. Zo kunnen wij laten zien dat het is gebeurd.',
          `- Facturen moeten wij volgens de belastingwet ${v.d.fiscalYears ?? 7} jaar bewaren. Die staan in een afgeschermd `
            + 'archief dat alleen voor de boekhouding is; daarna worden ook die gegevens verwijderd.',
          `- ${processorsTold(v, 'uw gegevens ook te verwijderen')}`,
        ].join('\n'),
        'Ook deze e-mail bewaren wij na verzending niet langer dan nodig.',
      ],
      complaint: 'ap',
    }),
    no_data_held: (v) => ({
      subject: 'Wij hebben geen gegevens van u',
      paragraphs: [
        `Wij hebben ${v.phrase} ontvangen en gezocht, maar wij hebben geen persoonsgegevens die bij dit e-mailadres horen `
          + '(artikel 15 AVG).',
        'Heeft u bij ons besteld met een ander e-mailadres? Dien uw verzoek dan in vanaf dat adres.',
      ],
      complaint: 'ap',
    }),
    rejected: (v) => ({
      subject: `${cap(v.phrase)} is afgewezen`,
      paragraphs: [`Wij hebben ${v.phrase} beoordeeld, maar kunnen het niet uitvoeren.`, `Reden: ${v.d.reason}`],
      complaint: 'court',
    }),
  },
};
