import { describeSnelstartError, retryAfterFromBody } from '../../../src/processors/snelstart/errors.js';
import { SNELSTART_FIELDS, SNELSTART_RELATION_FIELDS } from '../../../src/processors/snelstart/fields.js';
import { apportion, mulDivRound, toAmount, toCents } from '../../../src/processors/snelstart/money.js';
import { buildRelation } from '../../../src/processors/snelstart/relation.payload.js';
import { odataString } from '../../../src/processors/snelstart/snelstart.client.js';
import { tokenUrl } from '../../../src/processors/snelstart/token.js';
import { ProcessorError } from '../../../src/processors/types.js';
import { PERSON, anAddress, fieldPaths } from './push-order.js';

/** The relation builder, error normalisation and exact money helpers. */

describe('buildRelation (P9: name and address, no email)', () => {
  test('when a consumer is sent, then naam and vestigingsAdres are all that leave — email and phone stay home', () => {
    const body = buildRelation({ code: 42, billing: anAddress({ address2: '2 hoog', postcode: '1015aa' }) }, 'land-nl');
    expect(body).toEqual({
      relatiesoort: ['Klant'], relatiecode: 42, naam: 'Ann Lee',
      vestigingsAdres: { straat: 'Keizersgracht 1 2 hoog', postcode: '1015AA', plaats: 'Amsterdam', land: { id: 'land-nl' } },
    });
    expect(JSON.stringify(body)).not.toContain(PERSON.email);
    expect(JSON.stringify(body)).not.toContain(PERSON.phone);
    expect(fieldPaths(body).sort()).toEqual([...SNELSTART_RELATION_FIELDS].sort());
  });

  test('when the street line holds the house number and extension, then straat keeps it whole (Snelstart has no number field)', () => {
    expect(buildRelation({ code: 1, billing: anAddress({ address1: 'Laan van Meerdervoort 1-A' }) }, 'x').vestigingsAdres.straat).toBe('Laan van Meerdervoort 1-A');
  });

  test('when the billing address has a company, then the relation is the company; a given name overrides both', () => {
    expect(buildRelation({ code: 1, billing: anAddress({ company: 'Lee Design B.V.' }) }, 'x').naam).toBe('Lee Design B.V.');
    expect(buildRelation({ code: 1, name: '  A.  Lee ', billing: anAddress() }, 'x').naam).toBe('A. Lee');
  });

  test('when there is no name at all or the code is not an int32, then no relation is built', () => {
    expect(() => buildRelation({ code: 1, billing: anAddress({ firstName: '', lastName: ' ' }) }, 'x')).toThrow(ProcessorError);
    expect(() => buildRelation({ code: 2 ** 31, billing: anAddress() }, 'x')).toThrow(/int32/);
  });

  test('when the register reads SNELSTART_FIELDS, then it holds the relation and booking paths, no email or phone', () => {
    expect(SNELSTART_FIELDS).toContain('vestigingsAdres.straat');
    expect(SNELSTART_FIELDS).toContain('boekingsregels[].bedrag');
    expect(SNELSTART_FIELDS.filter((f) => /mail|telefoon|phone/i.test(f))).toEqual([]);
  });
});

describe('describeSnelstartError: the three body shapes, no personal data kept', () => {
  test.each([
    ['an errorCode array', 400, [{ errorCode: 'REL-0021', message: "Postcode '1015 A' is ongeldig voor relatie 'Ann Lee'", details: null }], 'REL-0021', /REL-0021/],
    ['a modelState object', 400, { message: 'The request is invalid.', modelState: { 'relatie.Naam': ["'Ann Lee' is te lang"] } }, 'invalid_fields', /relatie\.Naam/],
    ['a PascalCase ModelState', 400, { Message: 'x', ModelState: { 'verkoopBoeking.Btw[0].BtwSoort': ['Error converting value "Ann"'] } }, 'invalid_fields', /Btw\[0\]\.BtwSoort/],
    ['an OData {Message}', 400, { Message: "Could not find a property named 'Ann Lee' on type 'X'." }, 'bad_request', /rejected/],
    ['a 404 {message}', 404, { message: "Relatie 'Ann Lee' niet gevonden" }, 'not_found', /does not know/],
    ['a 403 scope error', 403, { Message: 'Indien niet de juiste scopes in het token aanwezig zijn' }, 'forbidden', /scope/],
    ['APIM subscription key', 401, { statusCode: 401, message: 'Access denied due to invalid subscription key.' }, 'subscription_key', /subscription key/],
    ['a 500 HTML page', 500, '<html>Ann Lee</html>', 'server_error', /500/],
  ])('when Snelstart answers %s, then the code and a fixed message are kept', (_shape, status, body, code, message) => {
    const e = describeSnelstartError(status, body);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.message).not.toMatch(/Ann|Lee|1015/);
  });

  test('when an errorCode or field name is not a plain identifier, then it is dropped rather than echoed', () => {
    expect(describeSnelstartError(400, [{ errorCode: 'Ann Lee <ann.lee@example.com>' }])).toEqual({ code: 'bad_request', message: 'Snelstart rejected the request' });
    expect(describeSnelstartError(400, { modelState: { 'ann.lee@example.com': ['x'] } }).message).not.toContain('ann');
  });

  test('when APIM says "Try again in 7 seconds", then that is the retry delay', () => {
    expect(retryAfterFromBody({ statusCode: 429, message: 'Rate limit is exceeded. Try again in 7 seconds.' })).toBe(7000);
    expect(retryAfterFromBody({ message: 'busy' })).toBeNull();
  });
});

describe('exact money', () => {
  test.each([['28.63', 2863], ['-5', -500], ['0.1', 10], ['12.345', 1235], ['-12.345', -1235], ['0.1049', 10], [' 7.00 ', 700]])('when %s is read, then it is %i cents', (text, cents) => {
    expect(toCents(text)).toBe(cents);
  });

  test('when a text is not a decimal, then it is refused', () => {
    expect(() => toCents('1,50')).toThrow(ProcessorError);
  });

  test('when cents go to the wire, then JSON prints exactly two decimals', () => {
    expect(JSON.stringify([2863, 10, -1, 123456789].map(toAmount))).toBe('[28.63,0.1,-0.01,1234567.89]');
  });

  test('when an amount is apportioned, then the parts sum exactly and a full split mirrors the weights', () => {
    expect(apportion(1000, [3086, 1635, 1250])).toEqual([517, 274, 209]);
    expect(apportion(5971, [3086, 1635, 1250])).toEqual([3086, 1635, 1250]);
    expect(apportion(1, [1, 1, 1])).toEqual([1, 0, 0]);
    expect(mulDivRound(517, 536, 3086)).toBe(90);
    expect(mulDivRound(-5, 1, 2)).toBe(-3);
  });
});

describe('wire details', () => {
  test("when an invoice number holds a quote, then OData gets it doubled ('' inside '…')", () => {
    expect(odataString("WC-O'Brien")).toBe("'WC-O''Brien'");
  });

  test('when SNELSTART_AUTH_URL is a bare host or the token URL, then both reach /b2b/token', () => {
    expect(tokenUrl('https://auth.snelstart.nl')).toBe('https://auth.snelstart.nl/b2b/token');
    expect(tokenUrl('https://auth.snelstart.nl/b2b/token/')).toBe('https://auth.snelstart.nl/b2b/token');
  });
});
