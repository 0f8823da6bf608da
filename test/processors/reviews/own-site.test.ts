import { createOwnReviewsClient, type OwnReviewsConfig } from '../../../src/processors/reviews/own-site.client.js';
import { REVIEWS_FIELDS } from '../../../src/processors/reviews/reviews.payload.js';
import type { InviteInput } from '../../../src/processors/reviews/reviews.types.js';
import { ProcessorError } from '../../../src/processors/types.js';
import { startFakeOwnReviews, type FakeOwnReviews } from '../../fakes/reviews-own.js';
import { FORBIDDEN_VALUES, RICH_CUSTOMER, fieldPaths } from './field-paths.js';

/** The own review site adapter against the fake site (the contract in own-site.client.ts). */

let fake: FakeOwnReviews;
beforeEach(async () => {
  fake = await startFakeOwnReviews();
});
afterEach(async () => {
  await fake.close();
});

const client = (o: Partial<OwnReviewsConfig> = {}) =>
  createOwnReviewsClient({ provider: 'own', apiUrl: fake.url, apiKey: fake.apiKey, timeoutMs: 5000, ...o });
const anneke: InviteInput = { firstName: 'Anneke', lastName: 'van der Berg', email: 'anneke@example.nl', orderRef: '10452' };

async function failure(p: Promise<unknown>): Promise<ProcessorError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProcessorError);
  return err as ProcessorError;
}

describe('P7 own review site: invitations', () => {
  test('when an invitation is sent, then one bearer-authenticated POST /invitations creates it and its id comes back', async () => {
    const res = await client().invite(anneke);
    expect(res).toEqual({ id: 'inv_1' });
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/invitations', status: 201 });
    expect(req!.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(req!.headers['content-type']).toMatch(/^application\/json/);
    expect(req!.body).toEqual({ name: 'Anneke van der Berg', email: 'anneke@example.nl', orderRef: '10452' });
    expect([...fake.state.invitations.values()]).toEqual([{ id: 'inv_1', ...(req!.body as object) }]);
    expect(fake.state.mailsSent).toBe(1);
  });

  test('when REVIEWS_API_URL ends in a slash, then the path is joined without a double slash', async () => {
    await client({ apiUrl: `${fake.url}/` }).invite(anneke);
    expect(fake.requests[0]!.path).toBe('/invitations');
  });

  test('when the same orderRef is sent again, then the site answers 200 with the same id and sends no second mail', async () => {
    const first = await client().invite(anneke);
    const second = await client().invite(anneke);
    expect(second).toEqual(first);
    expect(fake.requests.map((r) => r.status)).toEqual([201, 200]);
    expect(fake.state.invitations.size).toBe(1);
    expect(fake.state.mailsSent).toBe(1);
  });
});

describe('P7 own review site: failures are normalised, never carry personal data', () => {
  test('when the key is wrong, then an auth failure after one request, and the key is not in the message', async () => {
    const err = await failure(client({ apiKey: 'rk_wrong_key' }).invite(anneke));
    expect(err).toMatchObject({ processor: 'reviews', kind: 'auth', status: 401, code: 'unauthorized' });
    expect(err.message).not.toContain('rk_wrong_key');
    expect(fake.requests).toHaveLength(1);
    expect(fake.state.invitations.size).toBe(0);
  });

  test('when the site answers 429 with Retry-After: 30, then rate_limited with retryAfterMs 30000 and nothing stored', async () => {
    fake.failNext(1, { status: 429, retryAfter: 30 });
    const err = await failure(client().invite(anneke));
    expect(err).toMatchObject({ kind: 'rate_limited', status: 429, code: 'rate_limited', retryAfterMs: 30_000 });
    expect(fake.state.invitations.size).toBe(0);
    expect(await client().invite(anneke)).toEqual({ id: 'inv_1' });
  });

  test('when the site answers 503, then retryable (the job backs off) and nothing is stored', async () => {
    fake.failNext(1, { status: 503 });
    const err = await failure(client().invite(anneke));
    expect(err).toMatchObject({ kind: 'retryable', status: 503, code: 'server_error' });
    expect(fake.state.invitations.size).toBe(0);
  });

  test('when the site rejects the email (422), then permanent with the field name but not the address itself', async () => {
    const err = await failure(client().invite({ ...anneke, email: 'anneke@localhost' }));
    expect(err).toMatchObject({ kind: 'permanent', status: 422, code: 'validation_failed' });
    expect(err.message).toContain('(email)');
    expect(err.safeMessage).not.toMatch(/anneke|localhost|Berg/i);
  });

  test('when the input has no usable email or no name, then permanent before any request is made', async () => {
    const noEmail = await failure(client().invite({ ...anneke, email: ' ' }));
    const noName = await failure(client().invite({ ...anneke, firstName: '', lastName: '' }));
    expect([noEmail.code, noName.code]).toEqual(['invalid_email', 'missing_name']);
    expect([noEmail.kind, noName.kind, noEmail.status]).toEqual(['permanent', 'permanent', null]);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('P7 own review site: a timeout after the site accepted', () => {
  test('when the site stores the invitation but never answers, then ambiguous — and a re-send with the same orderRef is de-duplicated', async () => {
    fake.timeoutAfterAccept();
    const err = await failure(client({ timeoutMs: 300 }).invite(anneke));
    expect(err).toMatchObject({ kind: 'ambiguous', code: 'timeout', status: null });
    expect(fake.state.invitations.size).toBe(1); // it did land
    const again = await client().invite(anneke);
    expect(again).toEqual({ id: 'inv_1' });
    expect(fake.state.invitations.size).toBe(1);
    expect(fake.state.mailsSent).toBe(1);
  });

  test('when the site does not de-duplicate, then the same re-send creates a second invitation — why the job must know', async () => {
    await fake.close();
    fake = await startFakeOwnReviews({ dedupeByOrderRef: false });
    fake.timeoutAfterAccept();
    await failure(client({ timeoutMs: 300 }).invite(anneke));
    await client().invite(anneke);
    expect(fake.state.invitations.size).toBe(2);
    expect(fake.state.mailsSent).toBe(2);
  });
});

describe('P7 own review site: erasure (Art. 17/19 fan-out)', () => {
  test('when an email is erased, then POST /erasures answers 204 and every invitation for it is gone, others stay', async () => {
    await client().invite(anneke);
    await client().invite({ ...anneke, orderRef: '10460' });
    await client().invite({ firstName: 'Piet', lastName: 'Jansen', email: 'piet@example.nl', orderRef: '10461' });
    expect(await client().erase('Anneke@Example.nl')).toBe('erased');
    const req = fake.requests.at(-1)!;
    expect(req).toMatchObject({ method: 'POST', path: '/erasures', status: 204, body: { email: 'Anneke@Example.nl' } });
    expect(req.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect([...fake.state.invitations.values()].map((i) => i.email)).toEqual(['piet@example.nl']);
  });

  test('when the site holds nothing for the email, then erase still answers erased (204 reveals nothing)', async () => {
    expect(await client().erase('nobody@example.nl')).toBe('erased');
    expect(fake.requests.map((r) => r.status)).toEqual([204]);
  });

  test('when the erasure meets a 500, then retryable — erasure is idempotent, so the job may simply retry', async () => {
    fake.failNext(1, { status: 500 });
    const err = await failure(client().erase('anneke@example.nl'));
    expect(err).toMatchObject({ kind: 'retryable', status: 500 });
    expect(await client().erase('anneke@example.nl')).toBe('erased');
  });
});

describe('P7 only name, email and order reference leave for the own review site', () => {
  test('when a caller passes a whole customer record, then every request carries only REVIEWS_FIELDS.own and no address, phone or order contents', async () => {
    await client().invite(RICH_CUSTOMER as InviteInput);
    await client().erase(RICH_CUSTOMER.email);
    expect(fake.requests).toHaveLength(2);
    for (const req of fake.requests) {
      for (const path of fieldPaths(req.body)) expect(REVIEWS_FIELDS.own).toContain(path);
      const everything = JSON.stringify([req.path, req.query, req.headers, req.body]);
      for (const v of FORBIDDEN_VALUES) expect(everything).not.toContain(v);
      expect(req.query).toEqual({});
    }
    expect(fake.requests[0]!.body).toEqual({ name: 'Anneke van der Berg', email: RICH_CUSTOMER.email, orderRef: '10452' });
  });
});
