import { createPostnlClient, type PostnlClient, type PostnlClientConfig } from '../../../src/processors/postnl/postnl.client.js';
import { POSTNL_FIELDS, buildLabelRequest, type LabelRequest } from '../../../src/processors/postnl/postnl.payload.js';
import { ProcessorError } from '../../../src/processors/types.js';
import { FAKE_LABEL_PDF, startFakePostnl, type FakePostnl } from '../../fakes/postnl.js';
import { aPushOrder, jsonPaths, shipmentConfig } from './push-order.js';

/** The PostNL client against the fake PostNL: barcode first, then the label with that barcode. */

let fake: FakePostnl;
beforeEach(async () => { fake = await startFakePostnl(); });
afterEach(async () => { await fake.close(); });

const NOW = new Date('2025-06-01T10:00:00Z');
const client = (o: Partial<PostnlClientConfig> = {}): PostnlClient =>
  createPostnlClient({ apiUrl: `${fake.url}/`, apiKey: fake.apiKey, customerCode: 'DEVC', customerNumber: '11223344', timeoutMs: 2000, ...o });
const labelBody = (barcode: string, trackTraceMail = false): LabelRequest =>
  buildLabelRequest(aPushOrder(), barcode, shipmentConfig({ trackTraceMail }), NOW);
async function failure(p: Promise<unknown>): Promise<ProcessorError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProcessorError);
  return err as ProcessorError;
}

describe('happy path', () => {
  test('when a barcode is asked, then a 3S barcode comes from GET /shipment/v1_1/barcode with the apikey header', async () => {
    const barcode = await client().generateBarcode();
    expect(barcode).toMatch(/^3SDEVC\d{9}$/);
    expect(fake.requests).toEqual([expect.objectContaining({
      method: 'GET', path: '/shipment/v1_1/barcode',
      query: { CustomerCode: 'DEVC', CustomerNumber: '11223344', Type: '3S', Serie: '000000000-999999999' },
      headers: expect.objectContaining({ apikey: fake.apiKey }),
    })]);
  });

  test('when two barcodes are asked, then they differ (sequential)', async () => {
    const c = client();
    expect(await c.generateBarcode()).not.toBe(await c.generateBarcode());
  });

  test('when the label is created with the barcode, then the PDF bytes come back and one confirmed parcel exists', async () => {
    const c = client();
    const barcode = await c.generateBarcode();
    const result = await c.createLabel(labelBody(barcode));
    expect(result.barcode).toBe(barcode);
    expect(result.labelPdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(result.labelPdf.equals(FAKE_LABEL_PDF)).toBe(true);
    expect(result.warnings).toEqual([]);
    const post = fake.requests.at(-1)!;
    expect(post).toMatchObject({ method: 'POST', path: '/shipment/v2_2/label', query: { confirm: 'true' } });
    expect(fake.parcelCount()).toBe(1);
    expect(fake.state.parcels.get(barcode)).toMatchObject({ labelCalls: 1, confirmed: true, reference: '4711' });
  });

  test('when the label 200 carries warnings, then they are returned and the call succeeds', async () => {
    fake.setWarnings([{ Code: '1280103', Description: 'Address is unknown' }]);
    const c = client();
    const result = await c.createLabel(labelBody(await c.generateBarcode()));
    expect(result.warnings).toEqual(['1280103']);
    expect(result.labelPdf.length).toBeGreaterThan(0);
  });

  test('when the status of a created parcel is asked, then it is found without any address in the answer', async () => {
    const c = client();
    const barcode = await c.generateBarcode();
    await c.createLabel(labelBody(barcode));
    const status = await c.getStatusByBarcode(barcode);
    expect(status).toEqual({ found: true, barcode, statusCode: '1', statusDescription: 'Zending voorgemeld', phaseCode: '1', timeStamp: '08-11-2022 10:13:20' });
    expect(await c.getStatusByBarcode('3SDEVC000000001')).toMatchObject({ found: false });
  });
});

describe('failures, normalised', () => {
  test('when a required field is missing, then 400 Errors[] becomes a permanent failure with PostNL\'s code', async () => {
    const c = client();
    const body = labelBody(await c.generateBarcode());
    delete body.Shipments[0]!.Addresses[0]!.HouseNr;
    const err = await failure(c.createLabel(body));
    expect(err).toMatchObject({ processor: 'postnl', kind: 'permanent', status: 400, code: '1280202' });
    expect(err.message).toContain('HouseNr');
    expect(fake.parcelCount()).toBe(0);
  });

  test('when the barcode Serie is invalid, then the barcode service\'s errors[] shape becomes permanent code 8', async () => {
    const err = await failure(client().generateBarcode({ serie: 'abc' }));
    expect(err).toMatchObject({ kind: 'permanent', status: 400, code: '8', message: 'Too many numbers in series' });
  });

  test('when PostNL answers 429 with Retry-After, then rate_limited with retryAfterMs; the next call succeeds', async () => {
    fake.failNext(1, { status: 429, retryAfter: 7 });
    const c = client();
    const err = await failure(c.generateBarcode());
    expect(err).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 7000 });
    await expect(c.generateBarcode()).resolves.toMatch(/^3SDEVC/);
  });

  test.each([500, 502, 503, 504] as const)('when PostNL answers %d, then retryable with the fault code; the retry succeeds', async (status) => {
    const c = client();
    const barcode = await c.generateBarcode();
    fake.failNext(1, { status, path: /label/ });
    const err = await failure(c.createLabel(labelBody(barcode)));
    expect(err).toMatchObject({ kind: 'retryable', status });
    expect(err.code).toMatch(/^messaging\./);
    await expect(c.createLabel(labelBody(barcode))).resolves.toMatchObject({ barcode });
    expect(fake.parcelCount()).toBe(1);
  });

  test('when the API key is wrong, then auth with the gateway\'s code, and nothing is created', async () => {
    const err = await failure(client({ apiKey: 'wrong' }).generateBarcode());
    expect(err).toMatchObject({ kind: 'auth', status: 401, code: 'oauth.v2.InvalidApiKey' });
    expect(fake.state.barcodesIssued).toEqual([]);
  });

  test('when the fake gets no apikey header at all, then the documented 401 body is read', async () => {
    const res = await fetch(`${fake.url}/shipment/v1_1/barcode`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: "Failed to resolve API Key variable 'request.header.apikey'", http_status_code: 401 });
  });

  test('when nothing listens, then a barcode GET is retryable', async () => {
    const err = await failure(client({ apiUrl: 'http://127.0.0.1:1' }).generateBarcode());
    expect(err.kind).toBe('retryable');
  });
});

describe('never twice: a label call that timed out after PostNL accepted it', () => {
  test('when the label call times out, then ambiguous; the status shows it landed; the retry with the same barcode makes no second parcel', async () => {
    const c = client({ timeoutMs: 300 });
    const barcode = await c.generateBarcode();
    fake.timeoutAfterAccept();
    const err = await failure(c.createLabel(labelBody(barcode)));
    expect(err).toMatchObject({ kind: 'ambiguous', code: 'timeout' });
    expect(fake.parcelCount()).toBe(1); // PostNL has it

    await expect(c.getStatusByBarcode(barcode)).resolves.toMatchObject({ found: true });
    const retry = await c.createLabel(labelBody(barcode));
    expect(retry.barcode).toBe(barcode);
    expect(retry.labelPdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(fake.parcelCount()).toBe(1);
    expect(fake.state.parcels.get(barcode)!.labelCalls).toBe(2);
  });

  test('when a label is posted WITHOUT a barcode twice, then the fake mints two parcels (why the barcode comes first)', async () => {
    const c = client();
    const body = labelBody('unused');
    delete (body.Shipments[0] as { Barcode?: string }).Barcode;
    await c.createLabel(body);
    await c.createLabel(body);
    expect(fake.parcelCount()).toBe(2);
  });
});

describe('P8 what leaves for PostNL', () => {
  test('when labels go out with and without track-and-trace mail, then every body path is in POSTNL_FIELDS', async () => {
    const c = client();
    await c.createLabel(labelBody(await c.generateBarcode(), false));
    await c.createLabel(labelBody(await c.generateBarcode(), true));
    const posts = fake.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(2);
    for (const r of posts) for (const p of jsonPaths(r.body)) expect(POSTNL_FIELDS).toContain(p);
  });

  test('when track-and-trace mail is off, then no email or phone reaches PostNL; when on, they do', async () => {
    const c = client();
    await c.createLabel(labelBody(await c.generateBarcode(), false));
    expect(JSON.stringify(fake.requests.at(-1)!.body)).not.toMatch(/Email|SMSNr|example\.com/);
    await c.createLabel(labelBody(await c.generateBarcode(), true));
    expect(fake.requests.at(-1)!.body).toMatchObject({ Shipments: [{ Contacts: [{ ContactType: '01', Email: 'ann.devries@example.com' }] }] });
  });

  test('when a label goes out, then no order contents or amounts are in any request (query or body)', async () => {
    const c = client();
    await c.createLabel(labelBody(await c.generateBarcode(), true));
    const wire = JSON.stringify(fake.requests.map((r) => [r.path, r.query, r.body]));
    for (const secret of ['Mok – blauw', 'MUG-BLUE', '28.63', '20.00', '4.90', '4.73', 'INV-4711', 'flat_rate', 'Keizersgracht']) {
      expect(wire).not.toContain(secret);
    }
  });
});
