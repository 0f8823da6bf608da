import { splitDutchAddress } from '../../../src/processors/postnl/address.js';

/** One-line Dutch/Belgian addresses → PostNL's Street / HouseNr / HouseNrExt. */

type Row = [address1: string, address2: string, street: string, houseNumber: string, ext: string];
const TABLE: Row[] = [
  ['Kerkstraat 12a', '', 'Kerkstraat', '12', 'a'],
  ['Kerkstraat 12 a', '', 'Kerkstraat', '12', 'a'],
  ['Kerkstraat 12A', '', 'Kerkstraat', '12', 'A'],
  ['Oudegracht 231-bis', '', 'Oudegracht', '231', 'bis'],
  ['Oudegracht 231 bis', '', 'Oudegracht', '231', 'bis'],
  ['Laan van Meerdervoort 1-A', '', 'Laan van Meerdervoort', '1', 'A'],
  ['Laan 1940-1945 12', '', 'Laan 1940-1945', '12', ''],
  ['2e Hugo de Grootstraat 14 II', '', '2e Hugo de Grootstraat', '14', 'II'],
  ['Plein 1992 3', '', 'Plein 1992', '3', ''],
  ['Van Baerlestraat 27-hs', '', 'Van Baerlestraat', '27', 'hs'],
  ['Straat 10 bus 2', '', 'Straat', '10', 'bus 2'],
  ['Rue de la Loi 16 bte 3', '', 'Rue de la Loi', '16', 'bte 3'],
  ['Kerkstraat', '12a', 'Kerkstraat', '12', 'a'],
  ['Kerkstraat', '12 bus 3', 'Kerkstraat', '12', 'bus 3'],
  ['Kerkstraat 12', 'bis', 'Kerkstraat', '12', 'bis'],
  ['Kerkstraat 12', 'c/o Jansen', 'Kerkstraat', '12', ''],
  ['  Kerkstraat   12 ', '', 'Kerkstraat', '12', ''],
  ['Kerkstraat 12 - a', '', 'Kerkstraat', '12', 'a'],
  ['Kerkstraat\u00a012\ta', '', 'Kerkstraat', '12', 'a'],
  ['Kerkstraat12a', '', 'Kerkstraat', '12', 'a'],
  ['Kerkstraat nr. 12', '', 'Kerkstraat', '12', ''],
  ['Kerkstraat, 12', '', 'Kerkstraat', '12', ''],
  ['Prinsengracht 263 2hg', '', 'Prinsengracht', '263', '2hg'],
  ['Prinsengracht 263 1 hoog', '', 'Prinsengracht', '263', '1 hoog'],
  ['Prinsengracht 263-3', '', 'Prinsengracht', '263', '3'],
  ['Prinsengracht 263 2', '', 'Prinsengracht', '263', '2'],
  ['Kerkstraat 007', '', 'Kerkstraat', '7', ''],
  ['Postbus 123', '', 'Postbus', '123', ''],
  ['12 Rue de la Paix', '', 'Rue de la Paix', '12', ''],
];

describe('P8 splitting Dutch one-line addresses', () => {
  test.each(TABLE)('when the lines are %j + %j, then street %j, number %j, extension %j', (a1, a2, street, nr, ext) => {
    expect(splitDutchAddress(a1, a2)).toEqual({ ok: true, street, houseNumber: nr, houseNumberExt: ext, poBox: street === 'Postbus' });
  });

  test('when the table is counted, then it covers at least 15 real-world forms', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(15);
  });

  test('when the street is a Postbus, then it splits but is flagged as a PO box', () => {
    expect(splitDutchAddress('Postbus 123')).toMatchObject({ ok: true, poBox: true });
    expect(splitDutchAddress('Antwoordnummer 4567')).toMatchObject({ ok: true, poBox: true });
    expect(splitDutchAddress('Postbusweg 3')).toMatchObject({ ok: true, poBox: false });
  });

  test.each([
    ['', '', 'empty'],
    ['   ', '  ', 'empty'],
    ['Kerkstraat', '', 'no_house_number'],
    ['Kerkstraat', 'achterom', 'no_house_number'],
    ['Kerkstraat 12 Amsterdam', '', 'unrecognised'],
    ['Kerkstraat 123456', '', 'unrecognised'],
  ])('when the lines are %j + %j, then no split, reason %s', (a1, a2, reason) => {
    expect(splitDutchAddress(a1, a2)).toEqual({ ok: false, reason });
  });

  test('when a split fails, then the reason is a fixed word that carries nothing of the address', () => {
    const r = splitDutchAddress('Geheimstraat 12 Geheimstad');
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toMatch(/Geheim|12/);
  });
});
