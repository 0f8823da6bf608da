import fc from 'fast-check';
import { anonymiseAddress } from '../../src/erasure/anonymise.js';
import type { Address } from '../../src/mirror/wc.schemas.js';
import { useMigratedSchema } from '../setup/context.js';

/**
 * P14b: the set-based erasure (SQL anonymise_address, migrations/0015_inline_anonymise_address.sql) and the pure anonymiser
 * (src/erasure/anonymise.ts) must leave the same record behind, or the mirror and the shop would disagree.
 */

const db = useMigratedSchema();

const EMPTY: Address = {
  firstName: '', lastName: '', company: '', address1: '', address2: '', city: '', state: '', postcode: '', country: '', email: '', phone: '',
};
const addresses: Address[] = [
  EMPTY,
  { firstName: 'Fenna', lastName: 'Visser', company: 'Visser BV', address1: 'Keizersgracht 1', address2: '2 hoog', city: 'Amsterdam',
    state: 'NH', postcode: '1015 AA', country: 'NL', email: 'fenna@example.com', phone: '+31 6 12345678' },
  { ...EMPTY, firstName: 'Zoë', lastName: 'Ørsted-Ünal', city: 'Zürich', country: 'CH', phone: '(555) 555-5555' },
  { ...EMPTY, firstName: '李', lastName: '小龍', address1: '北京市朝阳区 8号', phone: '+86 10 6552 9999' },
  { ...EMPTY, firstName: 'Ana 😀', lastName: "O'Brien \"Jr\"", company: 'Back\\slash & Co', postcode: 'SW1A 1AA', country: 'GB' },
  { ...EMPTY, phone: '0031-(0)20.123 45 67 ext. 12' },
  { ...EMPTY, phone: 'no digits here' },
  { ...EMPTY, phone: ' ', city: ' ', email: ' ' },
  { ...EMPTY, email: 'FENNA@Example.COM', state: 'CA', country: 'US' },
  { ...EMPTY, address1: 'Straße 5\nHinterhaus', postcode: '10115' },
];

/** One round trip for the whole table; the result keeps the input order. */
async function sqlAnonymise(rows: unknown[]): Promise<unknown[]> {
  const { rows: out } = await db.pool.query<{ out: unknown }>(
    `SELECT anonymise_address(a) AS out FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(a, i) ORDER BY i`,
    [JSON.stringify(rows)],
  );
  return out.map((r) => r.out);
}

describe('P14b anonymise_address (SQL) is the twin of anonymiseAddress (TS)', () => {
  test('when a table of varied addresses is anonymised in SQL, then every row equals the TypeScript result', async () => {
    const sql = await sqlAnonymise(addresses);
    expect(sql).toHaveLength(addresses.length);
    addresses.forEach((a, i) => expect({ row: i, value: sql[i] }).toEqual({ row: i, value: anonymiseAddress(a) }));
    // the table really exercises the rules (a sanity check that the comparison is not vacuous)
    expect(sql[1]).toMatchObject({ firstName: '[deleted]', email: 'deleted@site.invalid', phone: '+00 0 00000000', state: '', country: '' });
    expect(sql[0]).toEqual(EMPTY);
  });

  test('when keys are missing (older rows), then SQL leaves them missing and the present ones equal the TypeScript result', async () => {
    const partials: Partial<Address>[] = [
      {},
      { firstName: 'Fenna' },
      { phone: '(555) 555-5555', country: 'NL' },
      { email: 'fenna@example.com', city: '' },
      { address1: 'Keizersgracht 1', postcode: '1015 AA', state: 'NH' },
    ];
    const sql = await sqlAnonymise(partials);
    partials.forEach((p, i) => {
      const ts = anonymiseAddress({ ...EMPTY, ...p });
      const expected = Object.fromEntries(Object.keys(p).map((k) => [k, ts[k as keyof Address]]));
      expect({ row: i, value: sql[i] }).toEqual({ row: i, value: expected });
    });
  });

  test('when the billing address of the fiscal archive (no email/phone keys) is anonymised, then it matches too', async () => {
    const printed = { address1: 'Keizersgracht 1', address2: '', postcode: '1015 AA', city: 'Amsterdam', state: 'NH', country: 'NL' };
    const [sql] = await sqlAnonymise([printed]);
    expect(sql).toEqual({ address1: '[deleted]', address2: '', postcode: '[deleted]', city: '[deleted]', state: '', country: '' });
  });

  test('when the value is NULL or an empty object, then it is returned as is', async () => {
    const { rows } = await db.pool.query(`SELECT anonymise_address(NULL) AS n, anonymise_address('{}'::jsonb) AS e`);
    expect(rows[0]).toEqual({ n: null, e: {} });
  });

  test('when an address is anonymised, then Postgres inlines the function (no per-row function call in the plan)', async () => {
    // An un-inlinable SQL function costs more per row than the rest of an order's anonymising UPDATE (0015).
    const { rows } = await db.pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN VERBOSE SELECT anonymise_address(a) FROM jsonb_array_elements('[{"city":"Zürich"}]') AS t(a)`);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/array_remove/);
    expect(plan).not.toMatch(/anonymise_address\(/);
  });

  test('when arbitrary objects are anonymised, then the inlined address rule equals the general rule it falls back on', async () => {
    const KEYS = ['firstName', 'lastName', 'company', 'address1', 'address2', 'city', 'postcode', 'state', 'country', 'email', 'phone'];
    const text = fc.oneof(fc.string(), fc.constant(''), fc.stringMatching(/^[+() 0-9a-z.-]{0,20}$/));
    // The inlined rule's own inputs: address keys only, text values only (any subset of the keys).
    const address = fc.dictionary(fc.constantFrom(...KEYS), text, { maxKeys: 11 });
    // Everything else, which must take the general rule: other keys, null, numbers, booleans, nested objects.
    const value = fc.oneof(text, fc.constant(null), fc.integer(), fc.boolean(), fc.array(text, { maxLength: 2 }),
      fc.dictionary(fc.constantFrom('a', 'b'), fc.string(), { maxKeys: 2 }));
    const key = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.constantFrom('extra', 'Email', 'meta') });
    const sample = [
      ...fc.sample(address, { numRuns: 300, seed: 1126 }),
      ...fc.sample(fc.dictionary(key, value, { maxKeys: 12 }), { numRuns: 300, seed: 1127 }),
    ];
    const { rows } = await db.pool.query<{ fast: unknown; general: unknown }>(
      `SELECT anonymise_address(a) AS fast, anonymise_json_strings(a) AS general
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(a, i) ORDER BY i`, [JSON.stringify(sample)]);
    expect(rows).toHaveLength(sample.length);
    rows.forEach((r, i) => expect({ i, in: sample[i], out: r.fast }).toEqual({ i, in: sample[i], out: r.general }));
    // both paths really ran: address-shaped objects with text values (inlined rule) and others (general rule)
    const inlined = (o: Record<string, unknown>) => Object.entries(o).every(([k, v]) => KEYS.includes(k) && typeof v === 'string');
    expect(sample.filter((o) => inlined(o) && Object.keys(o).length > 3).length).toBeGreaterThan(100);
    expect(sample.filter((o) => !inlined(o)).length).toBeGreaterThan(100);
  });
});
