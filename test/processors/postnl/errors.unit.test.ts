import { postnlProblemOf, safeText, shipmentErrorsOf, warningCodesOf } from '../../../src/processors/postnl/postnl.errors.js';

/** Every error shape PostNL and its Apigee gateway answer with (processors-facts §2.8). */

describe('PostNL error shapes', () => {
  test.each([
    ['labelling Errors[]', 400,
      { Errors: [{ Error: 'Validation failed for shipment: 3SDEVC949511897', Code: '1280202', Description: 'Incorrect address specified in address type Sender' }] },
      { code: '1280202', message: 'Incorrect address specified in address type Sender' }],
    ['barcode errors[]', 400, { errors: [{ ErrorMsg: 'Too many numbers in series', ErrorNumber: '8' }] },
      { code: '8', message: 'Too many numbers in series' }],
    ['confirming ResponseShipments[].Errors', 400,
      { ResponseShipments: [{ Barcode: '3SDEVC1', Errors: [{ Code: '1280999', Description: 'Shipment not confirmable' }], Warnings: [] }] },
      { code: '1280999', message: 'Shipment not confirmable' }],
    ['generic ErrorCode', 400, { ErrorCode: '3000', ErrorDescription: 'Request format is invalid' }, { code: '3000', message: 'Request format is invalid' }],
    ['Error.ErrorMessage', 400, { Error: { ErrorMessage: 'Something broke' } }, { code: 'error', message: 'Something broke' }],
    ['Apigee fault', 500, { fault: { faultstring: 'Unexpected token in object literal', detail: { errorcode: 'steps.json.Bad' } } },
      { code: 'steps.json.Bad', message: 'Unexpected token in object literal' }],
    ['gateway 429', 429, { message: 'Too many requests. Rate limit exceeded!', http_status_code: 429 },
      { code: 'http_429', message: 'Too many requests. Rate limit exceeded!' }],
    ['gateway 401', 401, { message: "Failed to resolve API Key variable 'request.header.apikey'", http_status_code: 401 },
      { code: 'http_401', message: 'Failed to resolve API Key variable …' }],
    ['an array body', 400, [{ Code: '42', Description: 'In an array' }], { code: '42', message: 'In an array' }],
    ['an HTML page', 502, '<html>Bad gateway</html>', { code: 'http_502', message: 'PostNL answered HTTP 502' }],
    ['no body', 503, '', { code: 'http_503', message: 'PostNL answered HTTP 503' }],
  ])('when the body is %s, then code and message are read', (_name, status, body, want) => {
    expect(postnlProblemOf(body, status)).toEqual(want);
  });

  test('when several errors come, then the first code and up to three distinct descriptions are kept', () => {
    const body = { Errors: [1, 2, 3, 4].map((i) => ({ Code: `C${i}`, Description: `D${i}` })) };
    expect(postnlProblemOf(body, 400)).toEqual({ code: 'C1', message: 'D1; D2; D3' });
  });

  test('when a description echoes personal data in quotes or an email, then it is cut out', () => {
    expect(safeText('Zipcode "3511 NK" unknown for ann@example.com')).toBe('Zipcode … unknown for …');
    expect(postnlProblemOf({ Errors: [{ Code: '1', Description: "Name 'de Vries' too long" }] }, 400).message).toBe('Name … too long');
  });

  test('when a 200 carries warnings, then their codes are read (top level and per shipment)', () => {
    const body = { Warnings: [{ Code: 'W1' }], ResponseShipments: [{ Warnings: [{ Code: '1280103', Description: 'Address is unknown' }] }] };
    expect(warningCodesOf(body)).toEqual(['W1', '1280103']);
    expect(warningCodesOf({ ResponseShipments: [{ Warnings: [] }] })).toEqual([]);
  });

  test('when a 200 carries shipment errors, then they are found; when it carries none, then null', () => {
    expect(shipmentErrorsOf({ ResponseShipments: [{ Errors: [{ Code: 'E1', Description: 'bad' }] }] })).toEqual({ code: 'E1', message: 'bad' });
    expect(shipmentErrorsOf({ ResponseShipments: [{ Errors: [] }] })).toBeNull();
  });
});
