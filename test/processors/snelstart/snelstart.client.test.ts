import { buildSalesBooking, buildCreditBooking } from '../../../src/processors/snelstart/booking.payload.js';
import { SNELSTART_FIELDS } from '../../../src/processors/snelstart/fields.js';
import { buildRelation } from '../../../src/processors/snelstart/relation.payload.js';
import { createSnelstartClient, type SnelstartClient, type SnelstartConfig } from '../../../src/processors/snelstart/snelstart.client.js';
import { ProcessorError } from '../../../src/processors/types.js';
import { startFakeSnelstart, type FakeSnelstart } from '../../fakes/snelstart.js';
import { PERSON, aMixedOrder, aPushOrder, anAddress, fieldPaths } from './push-order.js';

/** The Snelstart client against the fake B2B API: tokens, headers, lookups, failures, and what leaves (P9). */

let fake: FakeSnelstart;
const ledgers = { high: 'gb-8000', low: 'gb-8010', zero: 'gb-8020' };

beforeEach(async () => {
  fake = await startFakeSnelstart();
});
afterEach(async () => {
  await fake.close();
});

function client(o: Partial<SnelstartConfig> = {}): SnelstartClient {
  return createSnelstartClient({
    apiUrl: fake.url, authUrl: `${fake.url}/b2b/token`, clientKey: fake.state.clientKey,
    subscriptionKey: fake.state.subscriptionKey, timeoutMs: 2000, ...o,
  });
}
const api = () => fake.requests.filter((r) => r.path.startsWith('/v2/'));

async function failure(p: Promise<unknown>): Promise<ProcessorError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof ProcessorError)) throw new Error(`expected a ProcessorError, got ${String(err)}`);
  return err;
}

describe('happy path', () => {
  test('when an order is booked, then one token is fetched by form post and every call carries the token and the subscription key', async () => {
    const c = client();
    const order = aMixedOrder();
    expect(await c.findSalesInvoice(order.invoiceNumber)).toBeNull();
    const { id } = await c.createSalesBooking(buildSalesBooking(order, { ledgers, relationId: fake.collectiveRelationId }));
    expect(await c.findSalesInvoice(order.invoiceNumber)).toEqual({ bookingId: id });

    const [tokenReq, ...more] = fake.tokenRequests();
    expect(more).toHaveLength(0);
    expect(tokenReq!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(tokenReq!.body).toEqual({ grant_type: 'clientkey', clientkey: fake.state.clientKey });
    expect(api()).toHaveLength(3);
    for (const r of api()) {
      expect(r.headers['ocp-apim-subscription-key']).toBe(fake.state.subscriptionKey);
      expect(r.headers.authorization).toMatch(/^Bearer [0-9a-f]{32}$/);
    }
    expect(fake.state.bookings[0]).toMatchObject({ factuurnummer: 'WC-1001', factuurbedrag: 59.71 });
  });

  test("when an invoice number holds a quote, then the OData filter doubles it and the lookup still finds the booking", async () => {
    const c = client();
    const order = aPushOrder({ invoiceNumber: "WC-O'1" });
    const { id } = await c.createSalesBooking(buildSalesBooking(order, { ledgers, relationId: fake.collectiveRelationId }));
    expect(await c.findSalesInvoice("WC-O'1")).toEqual({ bookingId: id });
    expect(await c.findSalesInvoice('WC-O')).toBeNull();
    expect(api().at(-1)!.query.$filter).toBe("Factuurnummer eq 'WC-O'");
    expect(api().at(-2)!.query.$filter).toBe("Factuurnummer eq 'WC-O''1'");
  });

  test('when a person gets their own relation, then it is found by relatiecode and the country GUID is loaded once', async () => {
    const c = client();
    expect(await c.findRelationByCode(42)).toBeNull();
    const nl = await c.countryId('nl');
    expect(await c.countryId('NL')).toBe(nl);
    const { id } = await c.createRelation(buildRelation({ code: 42, billing: anAddress() }, nl));
    expect(await c.findRelationByCode(42)).toEqual({ id });
    expect(await c.findRelationByCode(1)).toEqual({ id: fake.collectiveRelationId });
    expect(api().filter((r) => r.path === '/v2/landen')).toHaveLength(1);
    expect((await failure(c.countryId('XX'))).code).toBe('unknown_country');
  });
});

describe('tokens: cached, refreshed once, one request in flight', () => {
  test('when five calls start together, then exactly one token is requested', async () => {
    const c = client();
    await Promise.all([1, 2, 3, 4, 5].map((n) => c.findRelationByCode(n)));
    expect(fake.tokenRequests()).toHaveLength(1);
  });

  test('when the token runs out on the server mid-run, then one refresh serves five concurrent calls and all succeed', async () => {
    const c = client();
    await c.findRelationByCode(1);
    fake.expireTokens();
    const found = await Promise.all([1, 1, 1, 1, 1].map((n) => c.findRelationByCode(n)));
    expect(found).toEqual(Array(5).fill({ id: fake.collectiveRelationId }));
    expect(fake.tokenRequests()).toHaveLength(2);
  });

  test('when the clock passes expires_in minus 60 s, then a new token is fetched before the call, not after a 401', async () => {
    let now = 1_000_000;
    const c = client({ now: () => now });
    await c.findRelationByCode(1);
    now += (3599 - 61) * 1000;
    await c.findRelationByCode(1);
    expect(fake.tokenRequests()).toHaveLength(1);
    now += 2000;
    await c.findRelationByCode(1);
    expect(fake.tokenRequests()).toHaveLength(2);
    expect(api().every((r) => r.headers.authorization !== undefined)).toBe(true);
    expect(fake.requests.filter((r) => r.path.startsWith('/v2/'))).toHaveLength(3); // no 401 round trips
  });

  test('when the API answers 401 twice, then the client refreshed once and fails with auth', async () => {
    const c = client();
    fake.failNext(2, { status: 401 });
    const e = await failure(c.findRelationByCode(1));
    expect([e.kind, e.status]).toEqual(['auth', 401]);
    expect(fake.tokenRequests()).toHaveLength(2);
    expect(api()).toHaveLength(2);
  });

  test('when the API answers 401 once, then the retry with a fresh token succeeds — a POST included, stored once', async () => {
    const c = client();
    fake.failNext(1, { status: 401, path: /verkoopboekingen/ });
    await c.createSalesBooking(buildSalesBooking(aPushOrder(), { ledgers, relationId: fake.collectiveRelationId }));
    expect(fake.state.bookings).toHaveLength(1);
    expect(fake.tokenRequests()).toHaveLength(2);
  });

  test('when the subscription key is wrong, then it fails with auth at once, without a pointless token refresh', async () => {
    const e = await failure(client({ subscriptionKey: 'wrong' }).findRelationByCode(1));
    expect([e.kind, e.code]).toEqual(['auth', 'subscription_key']);
    expect(fake.tokenRequests()).toHaveLength(1);
  });

  test('when the koppelsleutel is wrong, then the token request fails with auth and no API call is made', async () => {
    const e = await failure(client({ clientKey: 'nope' }).findRelationByCode(1));
    expect([e.kind, e.code]).toEqual(['auth', 'invalid_grant']);
    expect(api()).toHaveLength(0);
  });
});

describe('failures the push job decides on', () => {
  test('when Snelstart answers 429 with Retry-After, then the failure is rate_limited with retryAfterMs', async () => {
    const c = client();
    fake.failNext(1, { status: 429, retryAfter: 7 });
    const e = await failure(c.findSalesInvoice('WC-1'));
    expect([e.kind, e.status, e.retryAfterMs]).toEqual(['rate_limited', 429, 7000]);
    fake.failNext(1, { status: 429, retryAfter: 3, noHeader: true });
    expect((await failure(c.findSalesInvoice('WC-1'))).retryAfterMs).toBe(3000); // from APIM's "Try again in 3 seconds"
    expect(await c.findSalesInvoice('WC-1')).toBeNull(); // the next attempt goes through
  });

  test.each([500, 502, 503] as const)('when Snelstart answers %i, then the failure is retryable and the next attempt succeeds', async (status) => {
    const c = client();
    fake.failNext(1, { status });
    const body = buildSalesBooking(aPushOrder(), { ledgers, relationId: fake.collectiveRelationId });
    const e = await failure(c.createSalesBooking(body));
    expect([e.kind, e.status]).toEqual(['retryable', status]);
    await c.createSalesBooking(body);
    expect(fake.state.bookings).toHaveLength(1);
  });

  test('when a relation fails validation, then the failure is permanent with the errorCode and no personal data', async () => {
    const c = client();
    const nl = await c.countryId('NL');
    const e = await failure(c.createRelation(buildRelation({ code: 42, billing: anAddress({ postcode: '1015 A' }) }, nl)));
    expect([e.kind, e.status, e.code]).toEqual(['permanent', 400, 'REL-0021']);
    const raw = JSON.stringify(fake.requests.at(-1)) + e.safeMessage;
    expect(raw).toContain('1015 A'); // the fake did see it…
    for (const pd of [PERSON.firstName, PERSON.lastName, '1015']) expect(e.safeMessage).not.toContain(pd); // …the error keeps none of it
    const named = await failure(c.createRelation({ ...buildRelation({ code: 43, billing: anAddress() }, nl), naam: ' ' }));
    expect([named.kind, named.code, named.message]).toEqual(['permanent', 'invalid_fields', 'Snelstart rejected the request: invalid relatie.Naam']);
  });

  test('when a booking does not balance or names an unknown relation, then it is refused with the errorCode', async () => {
    const c = client();
    const body = buildSalesBooking(aPushOrder(), { ledgers, relationId: fake.collectiveRelationId });
    expect((await failure(c.createSalesBooking({ ...body, factuurbedrag: 29.21 }))).code).toBe('BOE-0040');
    expect((await failure(c.createSalesBooking({ ...body, klant: { id: 'c0ffee00-0000-0000-0000-000000000000' } }))).code).toBe('BOE-0010');
    expect(fake.state.bookings).toHaveLength(0);
  });

  test.each([['never comes', undefined], ['comes after the client gave up', 450]])('when the booking is stored but the answer %s, then the failure is ambiguous and the lookup finds it (no duplicate)', async (_when, answerAfterMs) => {
    const c = client({ timeoutMs: 300 });
    const order = aPushOrder();
    const body = buildSalesBooking(order, { ledgers, relationId: fake.collectiveRelationId });
    fake.timeoutAfterAccept(answerAfterMs);
    const e = await failure(c.createSalesBooking(body));
    expect([e.kind, e.code]).toEqual(['ambiguous', 'timeout']);
    // What the push job does before any retry:
    const found = await c.findSalesInvoice(order.invoiceNumber);
    expect(found).toEqual({ bookingId: fake.state.bookings[0]!.id });
    if (answerAfterMs) await new Promise((r) => setTimeout(r, answerAfterMs)); // let the late 201 go out to a closed socket
    expect(fake.state.bookings).toHaveLength(1);
  });
});

describe('P9: what leaves for Snelstart', () => {
  test('when a relation, a booking and a credit booking are pushed, then no email or phone is in any request and only listed fields leave', async () => {
    const c = client();
    const order = aMixedOrder();
    const { id: relationId } = await c.createRelation(buildRelation({ code: order.personId, billing: order.billing }, await c.countryId(order.billing.country)));
    await c.createSalesBooking(buildSalesBooking(order, { ledgers, relationId }));
    await c.createSalesBooking(buildCreditBooking(order, { refundId: 3, total: '-5.00' }, { ledgers, relationId }));
    const posted = fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v2/'));
    expect(posted.map((r) => r.path)).toEqual(['/v2/relaties', '/v2/verkoopboekingen', '/v2/verkoopboekingen']);
    expect(posted.flatMap((r) => fieldPaths(r.body)).filter((p) => !SNELSTART_FIELDS.includes(p))).toEqual([]);
    const everything = JSON.stringify(fake.requests.map((r) => [r.path, r.query, r.body]));
    expect(everything).not.toContain(PERSON.email);
    expect(everything).not.toContain('example.com');
    expect(everything).not.toContain(PERSON.phone);
    expect(everything).not.toMatch(/e-?mail|telefoon/i);
  });
});

describe('the fake itself behaves like the gateway', () => {
  test('when the subscription key is missing or $top exceeds 500, then it answers as APIM and OData do', async () => {
    const noKey = await fetch(`${fake.url}/v2/relaties`);
    expect([noKey.status, ((await noKey.json()) as { message: string }).message]).toEqual([401, expect.stringMatching(/missing subscription key/)]);
    const token = ((await (await fetch(`${fake.url}/b2b/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'clientkey', clientkey: fake.state.clientKey }) })).json()) as { access_token: string }).access_token;
    const headers = { authorization: `Bearer ${token}`, 'Ocp-Apim-Subscription-Key': fake.state.subscriptionKey };
    const big = await fetch(`${fake.url}/v2/relaties?$top=501`, { headers });
    expect(big.status).toBe(400);
    const wrongCase = await fetch(`${fake.url}/v2/verkoopfacturen?$filter=${encodeURIComponent("factuurnummer eq 'x'")}`, { headers });
    expect(((await wrongCase.json()) as { Message: string }).Message).toMatch(/Could not find a property named 'factuurnummer'/);
  });
});
