import { buildExport, type ExportContext } from '../../../src/dsr/export/export.builder.js';
import { processorRegister } from '../../../src/processors/register.js';
import { aSubject, aSyncOf } from './subject.fixture.js';

/** The pure builder on hand-made data: P15 categories, P16 complaint, P17 processors and retention, P20 transfer. */

const register = processorRegister({ reviewsProvider: 'kiyoh' });
const ctx = (o: Partial<ExportContext> = {}): ExportContext => ({
  kind: 'access', generatedAt: new Date('2025-02-01T12:00:00+01:00'), policyVersion: '2025-01-01', register, shopName: 'Webwinkel BV',
  retention: { inactiveDays: 730, fiscalYears: 7, labelDays: 45, rawPayloadDays: 3 }, ...o,
});

function keysOf(value: unknown, skip: Set<string>, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => keysOf(v, skip, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      if (!skip.has(k)) keysOf(v, skip, out);
    }
  }
  return out;
}

describe('P15 the package is JSON grouped by data category', () => {
  test('when built, then every category is present in camelCase, money stays decimal text and dates are ISO-8601 UTC', () => {
    const pkg = buildExport(aSubject(), ctx());
    expect(Object.keys(pkg)).toEqual(expect.arrayContaining([
      'identity', 'contact', 'addresses', 'orders', 'shipments', 'invoices', 'reviewInvitations', 'consents',
      'processingHistory', 'privacyRequests', 'processors', 'retention', 'rights', 'policyVersion', 'generatedAt', 'format',
    ]));
    // Audit detail is stored as written; everything the builder names is camelCase.
    for (const k of keysOf(pkg, new Set(['detail']))) expect(k).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    expect(pkg.orders[0]).toMatchObject({ total: '28.630', totalTax: '4.73', dateCreated: '2025-01-02T08:00:00.000Z' });
    expect(pkg.orders[0]!.lines[0]).toEqual({ kind: 'product', name: 'Mok', code: 'MUG', quantity: '2', total: '20.00', totalTax: '3.80' });
    expect(pkg.generatedAt).toBe('2025-02-01T11:00:00.000Z');
    const dates = JSON.stringify(pkg).match(/"\d{4}-\d\d-\d\dT[^"]*"/g)!;
    expect(dates.length).toBeGreaterThan(10);
    for (const date of dates) expect(date).toMatch(/^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$/);
  });

  test('when the same data is built twice, then the JSON is byte for byte the same and the input is untouched', () => {
    const data = aSubject();
    const before = structuredClone(data);
    const first = JSON.stringify(buildExport(data, ctx()));
    expect(JSON.stringify(buildExport(structuredClone(data), ctx()))).toBe(first);
    expect(data).toEqual(before);
    // The package does not share objects with the input: mutating one cannot change the other.
    const pkg = buildExport(data, ctx());
    (pkg.addresses.billing as Record<string, unknown>).city = 'changed';
    expect(data.person.billing!.city).toBe('Utrecht');
  });

  test('when a PostNL push and its label exist, then the shipment shows barcode and label date, never the PDF; a lone label still shows', () => {
    const pkg = buildExport(aSubject(), ctx());
    expect(pkg.shipments).toEqual([{
      wcOrderId: 501, orderNumber: '501', status: 'done', reason: null, barcode: '3SFENNA01',
      createdAt: '2025-01-02T09:05:00.000Z', updatedAt: '2025-01-02T09:06:00.000Z',
      label: { barcode: '3SFENNA01', createdAt: '2025-01-02T09:06:30.000Z', pdfHeld: true },
    }]);
    const lone = buildExport(aSubject({ syncs: [], labels: [{ wcOrderId: 9, orderNumber: '9', barcode: '3SX', createdAt: new Date('2025-01-01T00:00:00Z'), pdfHeld: false }] }), ctx());
    expect(lone.shipments).toEqual([{ wcOrderId: 9, orderNumber: '9', status: null, reason: null, barcode: '3SX', createdAt: null, updatedAt: null,
      label: { barcode: '3SX', createdAt: '2025-01-01T00:00:00.000Z', pdfHeld: false } }]);
  });

  test('when the person is restricted with a pending objection, then identity shows the composite status and its parts', () => {
    const data = aSubject();
    const pkg = buildExport({ ...data, person: { ...data.person, restricted: true, objection: 'pending' } }, ctx());
    expect(pkg.identity).toMatchObject({ status: 'objected', restricted: true, objection: 'pending', wcCustomerId: 70, policyVersion: '2023-08-21' });
    expect(pkg.policyVersion).toBe('2025-01-01');
  });
});

describe('P17 processors that received the data', () => {
  test('when built, then every register entry appears with purpose, categories, basis, location and retention', () => {
    const pkg = buildExport(aSubject(), ctx());
    expect(pkg.processors.map((p) => p.id)).toEqual(register.map((r) => r.id));
    for (const [i, p] of pkg.processors.entries()) {
      const r = register[i]!;
      expect(p).toEqual({ id: r.id, name: r.name, purpose: r.purpose, dataCategories: r.dataCategories, legalBasis: r.legalBasis,
        location: r.location, retention: r.retention, received: expect.any(Boolean) });
    }
  });

  test('when only some pushes are done, then only those processors count as received; the shop processors always do', () => {
    const flags = (syncs: ReturnType<typeof aSyncOf>[]) =>
      Object.fromEntries(buildExport(aSubject({ syncs }), ctx()).processors.map((p) => [p.id, p.received]));
    const shop = { mollie: true, mail: true, hosting: true, woocommerce: true };
    expect(flags([])).toEqual({ snelstart: false, postnl: false, reviews: false, ...shop });
    expect(flags([aSyncOf({ status: 'failed' }), aSyncOf({ processor: 'postnl', kind: 'shipment', status: 'held' }),
      aSyncOf({ processor: 'reviews', kind: 'invitation', status: 'skipped' })])).toEqual({ snelstart: false, postnl: false, reviews: false, ...shop });
    expect(flags([aSyncOf({ processor: 'reviews', kind: 'invitation', status: 'done' })])).toEqual({ snelstart: false, postnl: false, reviews: true, ...shop });
    expect(flags(aSubject().syncs)).toEqual({ snelstart: true, postnl: true, reviews: false, ...shop });
    // An invitation that got no answer and failed for good may still be at the site: it counts, as erasure counts it.
    expect(flags([aSyncOf({ processor: 'reviews', kind: 'invitation', status: 'failed', mayHaveReached: true })]))
      .toEqual({ snelstart: false, postnl: false, reviews: true, ...shop });
  });
});

describe('P13 retention per category, P16 complaint, P20 portability', () => {
  test('when built, then each category has its period and reason from the configured terms', () => {
    const { retention } = buildExport(aSubject(), ctx());
    expect(Object.keys(retention).sort()).toEqual(['addresses', 'consents', 'contact', 'erasureRecords', 'identity', 'invoices', 'orders',
      'privacyRequests', 'processingHistory', 'rawDeliveries', 'reviewInvitations', 'shipments']);
    expect(retention.identity.period).toBe('730 days after the last contact or transaction, then anonymised');
    expect(retention.invoices).toEqual({ period: 'until 31 December of the fiscal year plus 7 years, then name and address are anonymised', reason: 'Art. 52 AWR: the Dutch fiscal retention duty' });
    expect(retention.shipments.period).toContain('45 days');
    expect(retention.rawDeliveries.period).toContain('3 days');
    expect(retention.processingHistory.period).toContain('permanently, without personal data');
    expect(retention.erasureRecords.period).toContain('permanently, without personal data');
    for (const rule of Object.values(retention)) expect(rule.reason).not.toBe('');
  });

  test('when built, then the six rights and the complaint to the Autoriteit Persoonsgegevens are stated', () => {
    const { rights } = buildExport(aSubject(), ctx());
    for (const r of [rights.access, rights.rectification, rights.erasure, rights.restriction, rights.objection, rights.portability]) {
      expect(r).toEqual({ article: expect.stringMatching(/^GDPR Art\. \d+$/), promise: expect.stringMatching(/^P\d+$/), description: expect.any(String) });
    }
    expect(rights.complaint).toMatchObject({ authority: 'Autoriteit Persoonsgegevens', url: 'https://autoriteitpersoonsgegevens.nl' });
    expect(rights.howToExercise).toContain('Webwinkel BV');
    expect(rights.answerWithinDays).toBe(30);
  });

  test('when built for portability, then it is marked for transfer with its schema; access is plain', () => {
    expect(buildExport(aSubject(), ctx({ kind: 'portability' })).format).toEqual({ kind: 'portability', intendedForTransfer: true, schema: 'woo-companion/export/v1' });
    expect(buildExport(aSubject(), ctx()).format).toEqual({ kind: 'access', intendedForTransfer: false, schema: 'woo-companion/export/v1' });
  });
});
