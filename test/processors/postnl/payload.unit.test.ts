import { ProcessorError } from '../../../src/processors/types.js';
import {
  POSTNL_FIELDS, POSTNL_PERSONAL_FIELDS, buildLabelRequest, postnlTimestamp,
} from '../../../src/processors/postnl/postnl.payload.js';
import { aPushOrder, anAddress, jsonPaths, shipmentConfig } from './push-order.js';

const NOW = new Date('2025-06-01T10:00:00Z');
const BARCODE = '3SDEVC903942795';
function thrown(f: () => unknown): ProcessorError {
  let err: unknown = null;
  try { f(); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(ProcessorError);
  return err as ProcessorError;
}

describe('MessageTimeStamp in Europe/Amsterdam', () => {
  test.each([
    ['2025-01-15T12:00:00Z', '15-01-2025 13:00:00'], // winter, UTC+1
    ['2025-07-15T12:00:00Z', '15-07-2025 14:00:00'], // summer, UTC+2
    ['2025-03-30T00:59:59Z', '30-03-2025 01:59:59'], // last second before the spring-forward jump
    ['2025-03-30T01:00:00Z', '30-03-2025 03:00:00'], // 02:00 local never exists
    ['2025-10-26T00:30:00Z', '26-10-2025 02:30:00'], // first 02:30 (CEST)
    ['2025-10-26T01:30:00Z', '26-10-2025 02:30:00'], // second 02:30 (CET)
    ['2025-12-31T23:00:00Z', '01-01-2026 00:00:00'], // midnight is 00, never 24; the date rolls over
  ])('when the instant is %s, then the stamp is %s', (iso, stamp) => {
    expect(postnlTimestamp(new Date(iso))).toBe(stamp);
  });

  test('when a stamp is made, then it matches PostNL\'s documented pattern', () => {
    expect(postnlTimestamp(NOW)).toMatch(/^[0-3]\d-[01]\d-[12]\d{3}\s[0-2]\d:[0-5]\d:[0-5]\d$/);
  });
});

describe('P8 label request: name and address only', () => {
  test('when an order is built, then the body is PostNL\'s label shape with the shipping address split', () => {
    const body = buildLabelRequest(aPushOrder(), BARCODE, shipmentConfig(), NOW);
    expect(body).toEqual({
      Customer: { CustomerCode: 'DEVC', CustomerNumber: '11223344', Address: {
        AddressType: '02', CompanyName: 'Mokkenwinkel', Street: 'Siriusdreef', HouseNr: '42', Zipcode: '2132WT', City: 'Hoofddorp', Countrycode: 'NL' } },
      Message: { MessageID: '4711', MessageTimeStamp: '01-06-2025 12:00:00', Printertype: 'GraphicFile|PDF' },
      Shipments: [{
        Addresses: [{ AddressType: '01', FirstName: 'Ann', Name: 'de Vries', Street: 'Oudegracht', HouseNr: '231', HouseNrExt: 'bis',
          Zipcode: '3511NK', City: 'Utrecht', Countrycode: 'NL' }],
        Barcode: BARCODE, Dimension: { Weight: 1200 }, ProductCodeDelivery: '3085', Reference: '4711',
      }],
    });
  });

  test('when the body is built, then every field path is listed in POSTNL_FIELDS', () => {
    const on = buildLabelRequest(aPushOrder(), BARCODE, shipmentConfig({ trackTraceMail: true }), NOW);
    const off = buildLabelRequest(aPushOrder(), BARCODE, shipmentConfig(), NOW);
    for (const p of [...jsonPaths(on), ...jsonPaths(off)]) expect(POSTNL_FIELDS).toContain(p);
    expect(POSTNL_PERSONAL_FIELDS).toEqual(expect.arrayContaining(['Shipments[].Addresses[].Name', 'Shipments[].Contacts[].Email']));
  });

  test('when track-and-trace mail is off, then no email, phone or Contacts leave', () => {
    const body = JSON.stringify(buildLabelRequest(aPushOrder(), BARCODE, shipmentConfig({ trackTraceMail: false }), NOW));
    expect(body).not.toMatch(/Contacts|Email|SMSNr|@example\.com|612345678/);
  });

  test('when track-and-trace mail is on, then the receiver email and phone go as Contacts 01', () => {
    const body = buildLabelRequest(aPushOrder(), BARCODE, shipmentConfig({ trackTraceMail: true }), NOW);
    expect(body.Shipments[0]!.Contacts).toEqual([{ ContactType: '01', Email: 'ann.devries@example.com', SMSNr: '+31612345678' }]);
  });

  test('when track-and-trace mail is on but the phone is unusable, then only the email goes', () => {
    const order = aPushOrder({ billing: anAddress({ phone: '12' }) });
    expect(buildLabelRequest(order, BARCODE, shipmentConfig({ trackTraceMail: true }), NOW).Shipments[0]!.Contacts)
      .toEqual([{ ContactType: '01', Email: 'ann.devries@example.com' }]);
  });

  test('when an order is built, then no order contents, amounts, company, invoice or person ids leave', () => {
    const body = JSON.stringify(buildLabelRequest(aPushOrder(), BARCODE, shipmentConfig({ trackTraceMail: true }), NOW));
    for (const secret of ['Mok – blauw', 'MUG-BLUE', '28.63', '20.00', '4.90', 'INV-4711', 'Mokkenwinkel B.V.', 'Keizersgracht', 'flat_rate']) {
      expect(body).not.toContain(secret);
    }
  });

  test('when the shipping address is empty, then the billing address is the receiver', () => {
    const order = aPushOrder({ shipping: anAddress({ firstName: '', lastName: '', address1: '', postcode: '', city: '', country: '' }) });
    const receiver = buildLabelRequest(order, BARCODE, shipmentConfig(), NOW).Shipments[0]!.Addresses[0]!;
    expect(receiver).toMatchObject({ Street: 'Keizersgracht', HouseNr: '1', Zipcode: '1015AA', City: 'Amsterdam' });
  });

  test('when the order id is long, then MessageID keeps its last 12 characters', () => {
    const body = buildLabelRequest(aPushOrder({ wcOrderId: 12345678901234 }), BARCODE, shipmentConfig(), NOW);
    expect(body.Message.MessageID).toBe('345678901234');
  });
});

describe('P8 addresses PostNL cannot take fail permanently, without the address in the reason', () => {
  test.each([
    [{ address1: 'Kerkstraat' }, 'address_no_house_number'],
    [{ address1: 'Kerkstraat 12 Utrecht' }, 'address_unrecognised'],
    [{ address1: 'Postbus 123' }, 'address_po_box'],
    [{ postcode: '35 11' }, 'zipcode_invalid'],
    [{ city: '' }, 'address_incomplete'],
    [{ lastName: '' }, 'receiver_name_missing'],
  ])('when the shipping address has %j, then ProcessorError permanent %s', (change, code) => {
    const order = aPushOrder({ shipping: anAddress(change), billing: anAddress({ lastName: '', firstName: '' }) });
    const err = thrown(() => buildLabelRequest(order, BARCODE, shipmentConfig(), NOW));
    expect(err).toMatchObject({ processor: 'postnl', kind: 'permanent', code });
    expect(err.message).not.toMatch(/Kerkstraat|Postbus 123|Utrecht|de Vries|35 11/);
  });
});
