import { isValidSignature, sign } from '../../src/intake/signature.js';
import { isPing, mediaKind } from '../../src/intake/ping.js';

describe('webhook signature (pure)', () => {
  test('when secret s3cr3t signs {"id":1}, then the documented vector results', () => {
    expect(sign('{"id":1}', 's3cr3t')).toBe('z1PTSunFKhGV0B2iDV3egGE8TThlQMRrvLklMBTdxQU=');
    expect(isValidSignature(Buffer.from('{"id":1}'), 'z1PTSunFKhGV0B2iDV3egGE8TThlQMRrvLklMBTdxQU=', 's3cr3t')).toBe(true);
  });
  test('when one byte differs (a re-serialised \\/), then the signature fails', () => {
    const signed = sign('{"url":"https:\\/\\/shop"}', 's3cr3t');
    expect(isValidSignature(Buffer.from('{"url":"https://shop"}'), signed, 's3cr3t')).toBe(false);
  });
  test('when the header is missing, truncated or not base64, then it fails without throwing', () => {
    const body = Buffer.from('{"id":1}');
    expect(isValidSignature(body, undefined, 's3cr3t')).toBe(false);
    expect(isValidSignature(body, 'z1PTSunFKhGV0B2iDV3egGE8', 's3cr3t')).toBe(false);
    expect(isValidSignature(body, '!!!', 's3cr3t')).toBe(false);
  });
  test('when the right signature comes with anything after it (two headers joined, trailing text), then it fails', () => {
    const body = Buffer.from('{"id":1}');
    const right = 'z1PTSunFKhGV0B2iDV3egGE8TThlQMRrvLklMBTdxQU=';
    expect(isValidSignature(body, ` ${right} `, 's3cr3t')).toBe(true);
    for (const header of [`${right}, AAAA`, `${right}AAAA`, `${right}=`, `AAAA, ${right}`, right.replace('=', '')]) {
      expect([header, isValidSignature(body, header, 's3cr3t')]).toEqual([header, false]);
    }
  });
  test('when the ping comes as a form body without X-WC headers, then it is the ping', () => {
    expect(isPing({ 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from('webhook_id=12'))).toBe(true);
    expect(isPing({ 'x-wc-webhook-topic': 'order.created' }, Buffer.from('webhook_id=12'))).toBe(false);
    expect(isPing({}, Buffer.from('webhook_id=12&x=1'))).toBe(false);
  });
  test('when content types vary in case and parameters, then JSON and form are recognised', () => {
    expect(mediaKind('Application/JSON; charset=UTF-8')).toBe('json');
    expect(mediaKind('application/x-www-form-urlencoded; charset=UTF-8')).toBe('form');
    expect(mediaKind('text/plain')).toBe('other');
    expect(mediaKind(undefined)).toBe('other');
  });
});
