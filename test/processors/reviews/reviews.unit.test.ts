import { createReviewsClient } from '../../../src/processors/reviews/reviews.client.js';
import {
  REVIEWS_FIELDS, REVIEWS_REQUEST_FIELDS, fullName, inviteProblem, kiyohErrorCode, kiyohInvitePayload, kiyohOk, ownError,
  ownErasurePayload, ownInvitePayload,
} from '../../../src/processors/reviews/reviews.payload.js';
import { RICH_CUSTOMER, fieldPaths } from './field-paths.js';

/** The pure builders and error readers of the review clients. */

const input = { firstName: ' Anneke ', lastName: 'van  der Berg ', email: ' anneke@example.nl ', orderRef: ' 10452 ' };

describe('P7 own review site payload: name, email and order reference only', () => {
  test('when first and last name are given, then the name is the two joined with single spaces, trimmed', () => {
    expect(fullName(' Anneke ', 'van  der Berg ')).toBe('Anneke van der Berg');
    expect(fullName('', 'Berg')).toBe('Berg');
    expect(fullName('Anneke', '')).toBe('Anneke');
  });

  test('when the input carries address, phone and order lines, then the invite body has exactly name, email, orderRef', () => {
    const body = ownInvitePayload(RICH_CUSTOMER);
    expect(body).toEqual({ name: 'Anneke van der Berg', email: 'anneke.vdberg@example.nl', orderRef: '10452' });
    expect(fieldPaths(body).sort()).toEqual([...REVIEWS_FIELDS.own].sort());
  });

  test('when values carry stray spaces, then they are trimmed before they leave', () => {
    expect(ownInvitePayload(input)).toEqual({ name: 'Anneke van der Berg', email: 'anneke@example.nl', orderRef: '10452' });
    expect(ownErasurePayload(' anneke@example.nl ')).toEqual({ email: 'anneke@example.nl' });
  });

  test('when REVIEWS_FIELDS.own is compared with the per-request lists, then it is exactly their union', () => {
    const union = new Set(Object.values(REVIEWS_REQUEST_FIELDS.own).flat());
    expect([...union].sort()).toEqual([...REVIEWS_FIELDS.own].sort());
  });
});

describe('P7 Kiyoh payload', () => {
  test('when both names are known, then the body carries the documented Kiyoh fields, delay 0, and nothing else', () => {
    const body = kiyohInvitePayload(RICH_CUSTOMER, { locationId: '1051234', language: 'nl' });
    expect(body).toEqual({
      location_id: '1051234', invite_email: 'anneke.vdberg@example.nl', delay: 0, language: 'nl',
      first_name: 'Anneke', last_name: 'van der Berg', ref_code: '10452',
    });
    expect(fieldPaths(body).sort()).toEqual([...REVIEWS_FIELDS.kiyoh].sort());
  });

  test('when a name part is empty, then that field is left out rather than sent empty', () => {
    const body = kiyohInvitePayload({ ...input, firstName: '  ', lastName: '' }, { locationId: '7', language: 'de' });
    expect(body).not.toHaveProperty('first_name');
    expect(body).not.toHaveProperty('last_name');
    expect(body).toMatchObject({ location_id: '7', language: 'de', invite_email: 'anneke@example.nl', ref_code: '10452' });
  });
});

describe('inputs that can never make an invitation', () => {
  test.each([
    [{ email: '' }, true, 'invalid_email'],
    [{ email: 'anneke at example.nl' }, true, 'invalid_email'],
    [{ orderRef: '  ' }, true, 'missing_order_ref'],
    [{ firstName: '', lastName: ' ' }, true, 'missing_name'],
    [{ firstName: '', lastName: ' ' }, false, null],
    [{}, true, null],
  ])('when the input is %j (name required: %s), then the problem is %s', (patch, needsName, problem) => {
    expect(inviteProblem({ ...input, ...patch }, needsName)).toBe(problem);
  });
});

describe('error bodies reduced to what is safe to log', () => {
  test('when the own site names fields, then only field names we send are kept and the code must be snake_case', () => {
    expect(ownError({ error: 'validation_failed', fields: ['email', 'anneke@example.nl', 'phone'] }))
      .toEqual({ code: 'validation_failed', fields: ['email'] });
    expect(ownError({ error: 'Invalid email anneke@example.nl' })).toEqual({ code: null, fields: [] });
    expect(ownError('<html>502 Bad Gateway</html>')).toEqual({ code: null, fields: [] });
  });

  test('when Kiyoh answers an error, then detailedError[0].errorCode wins over the top errorCode; free text is dropped', () => {
    expect(kiyohErrorCode({ httpCode: 400, errorCode: 'BAD_REQUEST', detailedError: [{ errorCode: 'INVITATION_ALREADY_PLACED', message: 'x' }] }))
      .toBe('INVITATION_ALREADY_PLACED');
    expect(kiyohErrorCode({ httpCode: 500, errorCode: 'INTERNAL_SERVER_ERROR' })).toBe('INTERNAL_SERVER_ERROR');
    expect(kiyohErrorCode({ detailedError: [{ errorCode: 'bad email anneke@example.nl' }] })).toBeNull();
    expect(kiyohErrorCode(null)).toBeNull();
    expect(kiyohOk({ code: 'OK' })).toBe(true);
    expect(kiyohOk({ code: 'ok' })).toBe(false);
  });
});

describe('createReviewsClient picks the adapter by REVIEWS_PROVIDER', () => {
  test('when the provider is own, then the client can erase and carries the own-site fields', () => {
    const c = createReviewsClient({ provider: 'own', apiUrl: 'http://127.0.0.1:1', apiKey: 'k', timeoutMs: 1000 });
    expect([c.provider, c.canErase, c.fields]).toEqual(['own', true, REVIEWS_FIELDS.own]);
  });

  test('when the provider is kiyoh, then the client cannot erase and carries the Kiyoh fields', () => {
    const c = createReviewsClient({ provider: 'kiyoh', apiToken: 't', locationId: '1', timeoutMs: 1000 });
    expect([c.provider, c.canErase, c.fields]).toEqual(['kiyoh', false, REVIEWS_FIELDS.kiyoh]);
  });

  test('when the provider is unknown, then the factory throws instead of guessing', () => {
    expect(() => createReviewsClient({ provider: 'trustpilot' } as never)).toThrow(/unknown REVIEWS_PROVIDER/);
  });
});
