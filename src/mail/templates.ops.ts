import type { AlertFacts, MailLang, MailView, OperatorMailTemplate, TemplateText } from './mail-view.js';

/**
 * The operator's mails (OPERATOR_EMAIL): alerts and the daily digest of privacy requests, Dutch and English. They
 * name topics, counts and ids only — an operator looks up the rest in the desk, behind its login — so an alert in
 * a mailbox or a mail server's log never becomes a copy of personal data.
 */

type OpsTexts = Record<OperatorMailTemplate, (v: MailView) => TemplateText>;

const INTERLOCK_NL: Record<string, string> = {
  webhook_disabled: 'een webhook van de winkel levert niet', reconciliation_never_ran: 'de reconciliatie heeft nog nooit gedraaid',
  reconciliation_lag: 'de reconciliatie loopt achter', too_many_due: 'er zouden te veel personen tegelijk verwijderd worden',
};
const INTERLOCK_EN: Record<string, string> = {
  webhook_disabled: "one of the shop's webhooks is not delivering", reconciliation_never_ran: 'reconciliation has never run',
  reconciliation_lag: 'reconciliation is lagging', too_many_due: 'too many people would be erased at once',
};

const topicList = (a: Extract<AlertFacts, { kind: 'webhook_disabled' }>) =>
  a.topics.map((t) => `- ${t.topic}${t.webhookId !== null ? ` (webhook ${t.webhookId})` : ''}`).join('\n');
const perProcessor = (a: Extract<AlertFacts, { kind: 'push_failed' }>) =>
  Object.entries(a.byProcessor).map(([p, n]) => `- ${p}: ${n}`).join('\n');

const perStatus = (a: Extract<AlertFacts, { kind: 'erasure_followup' }>) =>
  Object.entries(a.byStatus).map(([s, n]) => `- ${s}: ${n}`).join('\n');

function alertNl(v: MailView): TemplateText {
  const a = v.d.alert!;
  const shop = v.d.shopName;
  switch (a.kind) {
    case 'webhook_disabled':
      return { subject: `${shop}: webhook uitgeschakeld`, paragraphs: [
        'WooCommerce heeft webhooks van deze koppeling uitgeschakeld. Zolang dat zo is, komen wijzigingen in bestellingen '
          + 'en klanten niet binnen en wordt de retentie-sweep tegengehouden.',
        `Uitgeschakeld:\n${topicList(a)}`,
        'Zet ze weer aan in WooCommerce (Instellingen > Geavanceerd > Webhooks) of voer npm run setup-webhooks uit.',
      ] };
    case 'sweep_failed':
      return { subject: `${shop}: retentie-sweep mislukt`, paragraphs: [
        `De retentie-sweep ${a.sweepId} is mislukt en wordt niet meer herhaald. De volgende geplande sweep begint opnieuw.`,
        'De oorzaak staat bij de sweep in de desk (/desk) en in GET /api/retention/sweeps/<id>.',
      ] };
    case 'sweep_blocked':
      return { subject: `${shop}: retentie-sweep tegengehouden`, paragraphs: [
        `De veiligheidsgrendel heeft retentie-sweep ${a.sweepId} tegengehouden; er is niets verwijderd.`,
        `Reden: ${v.list(a.reasons.map((r) => INTERLOCK_NL[r] ?? r))}.`,
        'Los de oorzaak op of start de sweep bewust met force via de desk.',
      ] };
    case 'inbox_backlog':
      return { subject: `${shop}: achterstand in de webhook-inbox`, paragraphs: [
        `${a.count} webhookleveringen wachten langer dan ${a.thresholdMinutes} minuten op verwerking; de oudste `
          + `${a.oldestMinutes} minuten.`,
        'Controleer of de workers draaien en Redis bereikbaar is (GET /readyz, /admin/queues).',
      ] };
    case 'reconcile_lag':
      return { subject: `${shop}: reconciliatie loopt achter`, paragraphs: [
        `De reconciliatie van bestellingen draaide het laatst op ${v.dateTime(a.lastRunAt)} (Amsterdamse tijd), `
          + `${a.lagHours} uur geleden; de drempel is ${a.thresholdHours} uur.`,
        'Gemiste webhooks worden zo niet aangevuld, en de retentie-sweep wordt tegengehouden. Controleer de sync-queue '
          + 'en de verbinding met de REST API van de winkel.',
      ] };
    case 'push_failed':
      return { subject: `${shop}: pushes naar verwerkers definitief mislukt`, paragraphs: [
        `Deze pushes zijn definitief mislukt en wachten op een operator, per verwerker:\n${perProcessor(a)}`,
        `Nieuw mislukt (sync-id): ${a.newSyncIds.join(', ')}.`,
        'Bekijk de fout en probeer opnieuw bij de mislukte pushes in de desk (/desk).',
      ] };
    case 'mail_failed':
      return { subject: `${shop}: mail aan een betrokkene definitief mislukt`, paragraphs: [
        `${a.count} mail(s) aan betrokkenen (antwoorden op privacyverzoeken) zijn definitief mislukt; het verzoek staat `
          + 'als afgehandeld, maar het antwoord is niet aangekomen.',
        `Nieuw mislukt (mail-id): ${a.newIds.join(', ')}.`,
        'Herstel de mailverbinding (SMTP_URL) en verstuur opnieuw met POST /api/privacy-requests/<id>/resend-mail; '
          + 'de mails staan bij het verzoek in de desk.',
      ] };
    case 'erasure_followup':
      return { subject: `${shop}: verwijdering bij een verwerker vraagt handwerk`, paragraphs: [
        'Een vergeten persoon kan nog gegevens hebben bij een verwerker die niet automatisch te wissen zijn (de verwerker '
          + 'heeft er geen API voor, of die faalde). Vraag de verwerker om ze te wissen (AVG art. 19), per status nog open:\n'
          + perStatus(a),
        `Nieuw (id): ${a.newIds.join(', ')}.`,
        'De bestelnummers om de gegevens bij de verwerker te vinden staan in de desk (/desk/pushes) en in '
          + 'GET /api/processor-erasures; sluit elk af met wat er gedaan is.',
      ] };
  }
}

function alertEn(v: MailView): TemplateText {
  const a = v.d.alert!;
  const shop = v.d.shopName;
  switch (a.kind) {
    case 'webhook_disabled':
      return { subject: `${shop}: webhook disabled`, paragraphs: [
        'WooCommerce has disabled webhooks of this service. While they are disabled, changes to orders and customers do '
          + 'not arrive, and the retention sweep is held back.',
        `Disabled:\n${topicList(a)}`,
        'Enable them again in WooCommerce (Settings > Advanced > Webhooks) or run npm run setup-webhooks.',
      ] };
    case 'sweep_failed':
      return { subject: `${shop}: retention sweep failed`, paragraphs: [
        `Retention sweep ${a.sweepId} failed and will not be retried. The next scheduled sweep starts afresh.`,
        'The cause is shown with the sweep in the desk (/desk) and in GET /api/retention/sweeps/<id>.',
      ] };
    case 'sweep_blocked':
      return { subject: `${shop}: retention sweep held back`, paragraphs: [
        `The safety interlock held back retention sweep ${a.sweepId}; nothing was erased.`,
        `Reason: ${v.list(a.reasons.map((r) => INTERLOCK_EN[r] ?? r))}.`,
        'Fix the cause, or start the sweep deliberately with force from the desk.',
      ] };
    case 'inbox_backlog':
      return { subject: `${shop}: webhook inbox backlog`, paragraphs: [
        `${a.count} webhook deliveries have waited more than ${a.thresholdMinutes} minutes to be applied; the oldest `
          + `${a.oldestMinutes} minutes.`,
        'Check that the workers are running and Redis is reachable (GET /readyz, /admin/queues).',
      ] };
    case 'reconcile_lag':
      return { subject: `${shop}: reconciliation is lagging`, paragraphs: [
        `Order reconciliation last ran at ${v.dateTime(a.lastRunAt)} (Amsterdam time), ${a.lagHours} hours ago; `
          + `the threshold is ${a.thresholdHours} hours.`,
        'Missed webhooks are not made up for meanwhile, and the retention sweep is held back. Check the sync queue and '
          + "the connection to the shop's REST API.",
      ] };
    case 'push_failed':
      return { subject: `${shop}: pushes to processors failed for good`, paragraphs: [
        `These pushes failed for good and wait for an operator, per processor:\n${perProcessor(a)}`,
        `Newly failed (sync id): ${a.newSyncIds.join(', ')}.`,
        'See the error and retry under failed pushes in the desk (/desk).',
      ] };
    case 'mail_failed':
      return { subject: `${shop}: a mail to a data subject failed for good`, paragraphs: [
        `${a.count} mail(s) to data subjects (answers to privacy requests) failed for good; their requests show as `
          + 'answered, but the answer did not arrive.',
        `Newly failed (mail id): ${a.newIds.join(', ')}.`,
        'Fix the mail connection (SMTP_URL) and send again with POST /api/privacy-requests/<id>/resend-mail; the mails '
          + 'are listed with the request in the desk.',
      ] };
    case 'erasure_followup':
      return { subject: `${shop}: an erasure at a processor needs hand work`, paragraphs: [
        'A forgotten person may still have data at a processor that could not be erased automatically (the processor has '
          + 'no API for it, or it failed). Ask the processor to erase it (GDPR Art. 19); still open, per status:\n'
          + perStatus(a),
        `New (id): ${a.newIds.join(', ')}.`,
        'The order numbers to find the data at the processor are in the desk (/desk/pushes) and in '
          + 'GET /api/processor-erasures; close each one saying what was done.',
      ] };
  }
}

const dueLines = (v: MailView, due: string, late: string) =>
  v.d.dueRequests!.map((r) => `- ${r.id}: ${due} ${v.date(r.dueAt)}${r.overdue ? ` (${late})` : ''}`).join('\n');

export const OPS: Record<MailLang, OpsTexts> = {
  nl: {
    alert: alertNl,
    digest: (v) => ({
      subject: `${v.d.shopName}: ${v.d.dueRequests!.length} privacyverzoek(en) binnen 7 dagen af te handelen`,
      paragraphs: [
        'Deze privacyverzoeken moeten binnen 7 dagen zijn afgehandeld, of zijn al te laat:',
        dueLines(v, 'uiterlijk', 'te laat'),
        'Open ze in de desk (/desk) op kenmerk.',
      ],
    }),
  },
  en: {
    alert: alertEn,
    digest: (v) => ({
      subject: `${v.d.shopName}: ${v.d.dueRequests!.length} privacy request(s) due within 7 days`,
      paragraphs: [
        'These privacy requests are due within 7 days, or already overdue:',
        dueLines(v, 'due', 'overdue'),
        'Open them in the desk (/desk) by reference.',
      ],
    }),
  },
};
