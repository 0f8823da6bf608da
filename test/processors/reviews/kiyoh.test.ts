import { createKiyohClient, type KiyohConfig } from '../../../src/processors/reviews/kiyoh.client.js';
import { REVIEWS_FIELDS } from '../../../src/processors/reviews/reviews.payload.js';
import type { InviteInput } from '../../../src/processors/reviews/reviews.types.js';
import { ProcessorError } from '../../../src/processors/types.js';
import { startFakeKiyoh, type FakeKiyoh } from '../../fakes/kiyoh.js';
import { FORBIDDEN_VALUES, RICH_CUSTOMER, fieldPaths } from './field-paths.js';

/** The Kiyoh adapter against the fake Kiyoh invitation API (processors-facts §3.1). */

let fake: FakeKiyoh;
beforeEach(async () => {
  fake = await startFakeKiyoh();
});
afterEach(async () => {
  await fake.close();
});

const client = (o: Partial<KiyohConfig> = {}) =>
  createKiyohClient({ provider: 'kiyoh', baseUrl: fake.url, apiToken: fake.token, locationId: fake.locationId, timeoutMs: 5000, ...o });
const anneke: InviteInput = { firstName: 'Anneke', lastName: 'van der Berg', email: 'anneke@example.nl', orderRef: '10452' };

async function failure(p: Promise<unknown>): Promise<ProcessorError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProcessorError);
  return err as ProcessorError;
}

describe('P7 Kiyoh: invitations', () => {
  test('when an invitation is sent, then one POST /v1/invite/external with the publication token places it (no id comes back)', async () => {
    expect(await client().invite(anneke)).toEqual({ id: null });
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/v1/invite/external', status: 200 });
    expect(req!.headers['x-publication-api-token']).toBe(fake.token);
    expect(req!.headers.authorization).toBeUndefined();
    expect(req!.body).toEqual({
      location_id: fake.locationId, invite_email: 'anneke@example.nl', delay: 0, language: 'nl',
      first_name: 'Anneke', last_name: 'van der Berg', ref_code: '10452',
    });
    expect(fake.state.invites).toHaveLength(1);
  });

  test('when a language is configured, then the invitation is asked in that language', async () => {
    await client({ language: 'de' }).invite(anneke);
    expect(fake.state.invites[0]!.language).toBe('de');
  });

  test('when the same invitation is placed twice, then INVITATION_ALREADY_PLACED counts as success and Kiyoh holds one', async () => {
    await client().invite(anneke);
    expect(await client().invite(anneke)).toEqual({ id: null });
    expect(fake.requests.map((r) => r.status)).toEqual([200, 400]);
    expect(fake.requests[1]!.status).toBe(400); // the fake's answer really was an error body
    expect(fake.state.invites).toHaveLength(1);
  });
});

describe('P7 Kiyoh: failures are normalised, never carry personal data', () => {
  test('when the token is wrong, then auth with Kiyoh\'s INVALID_HASH code and the token is not in the message', async () => {
    const err = await failure(client({ apiToken: 'not-the-token' }).invite(anneke));
    expect(err).toMatchObject({ processor: 'reviews', kind: 'auth', status: 400, code: 'INVALID_HASH' });
    expect(err.safeMessage).not.toContain('not-the-token');
    expect(fake.state.invites).toHaveLength(0);
  });

  test('when the location id is not the token\'s, then auth too (a configuration error, not worth retrying)', async () => {
    const err = await failure(client({ locationId: '999' }).invite(anneke));
    expect(err).toMatchObject({ kind: 'auth', code: 'INVALID_HASH' });
  });

  test('when Kiyoh answers 429 with Retry-After: 60, then rate_limited with retryAfterMs 60000 and nothing placed', async () => {
    fake.failNext(1, { status: 429, retryAfter: 60 });
    const err = await failure(client().invite(anneke));
    expect(err).toMatchObject({ kind: 'rate_limited', status: 429, code: 'TOO_MANY_REQUESTS', retryAfterMs: 60_000 });
    expect(fake.state.invites).toHaveLength(0);
    expect(await client().invite(anneke)).toEqual({ id: null });
    expect(fake.state.invites).toHaveLength(1);
  });

  test('when Kiyoh answers 502, then retryable and nothing placed', async () => {
    fake.failNext(1, { status: 502 });
    const err = await failure(client().invite(anneke));
    expect(err).toMatchObject({ kind: 'retryable', status: 502, code: 'INTERNAL_SERVER_ERROR' });
    expect(fake.state.invites).toHaveLength(0);
  });

  test('when Kiyoh rejects the email, then permanent with its code and without the address in the message', async () => {
    const err = await failure(client().invite({ ...anneke, email: 'anneke@localhost' }));
    expect(err).toMatchObject({ kind: 'permanent', status: 400, code: 'INVALID_EMAIL' });
    expect(err.safeMessage).not.toMatch(/anneke|localhost/i);
  });

  test('when the input has no usable email, then permanent before any request', async () => {
    const err = await failure(client().invite({ ...anneke, email: '' }));
    expect(err).toMatchObject({ kind: 'permanent', status: null, code: 'invalid_email' });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('P7 Kiyoh: a timeout after Kiyoh accepted', () => {
  test('when Kiyoh places the invitation but never answers, then ambiguous — and a re-send is answered ALREADY_PLACED = success', async () => {
    fake.timeoutAfterAccept();
    const err = await failure(client({ timeoutMs: 300 }).invite(anneke));
    expect(err).toMatchObject({ kind: 'ambiguous', code: 'timeout' });
    expect(fake.state.invites).toHaveLength(1);
    expect(await client().invite(anneke)).toEqual({ id: null });
    expect(fake.state.invites).toHaveLength(1);
  });
});

describe('P7 Kiyoh: erasure (Art. 19) cannot be done by API', () => {
  test('when a person is erased, then manual_required, canErase is false, and no request is made at all', async () => {
    const c = client();
    expect(c.canErase).toBe(false);
    expect(await c.erase('anneke@example.nl')).toBe('manual_required');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('P7 only the Kiyoh invitation fields leave', () => {
  test('when a caller passes a whole customer record, then the request carries only REVIEWS_FIELDS.kiyoh and no address, phone or order contents', async () => {
    await client().invite(RICH_CUSTOMER as InviteInput);
    await client().erase(RICH_CUSTOMER.email);
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(fieldPaths(req!.body).sort()).toEqual([...REVIEWS_FIELDS.kiyoh].sort());
    const everything = JSON.stringify([req!.path, req!.query, req!.headers, req!.body]);
    for (const v of FORBIDDEN_VALUES) expect(everything).not.toContain(v);
    expect(req!.query).toEqual({});
    expect(req!.body).not.toHaveProperty('city'); // Kiyoh accepts a city; P7 does not allow sending it
  });
});
