import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { hmacSha256, isValidSignature, sign, signingKey } from '../../src/intake/signature.js';
import { deliveryFingerprint } from '../../src/intake/delivery-key.js';
import { isPing, mediaKind } from '../../src/intake/ping.js';

describe('webhook signature (pure)', () => {
  test('when secret s3cr3t signs {"id":1}, then the documented vector results', () => {
    expect(sign('{"id":1}', 's3cr3t')).toBe('z1PTSunFKhGV0B2iDV3egGE8TThlQMRrvLklMBTdxQU=');
    expect(isValidSignature(Buffer.from('{"id":1}'), 'z1PTSunFKhGV0B2iDV3egGE8TThlQMRrvLklMBTdxQU=', 's3cr3t')).toBe(true);
  });
  test('when keys and bodies are arbitrary (empty, one block, longer than a block, non-ASCII), then the one-shot HMAC equals createHmac', () => {
    const secret = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constantFrom('', 'x'.repeat(64), 'y'.repeat(65)));
    fc.assert(fc.property(secret, fc.uint8Array({ maxLength: 3000 }), (key, bytes) => {
      const body = Buffer.from(bytes);
      expect(hmacSha256(signingKey(key), body)).toEqual(createHmac('sha256', key).update(body).digest());
    }), { seed: 20261126, numRuns: 3000 });
  });
  test('when bodies are arbitrary, then the fingerprint is the SHA-256 stored before the one-shot hash (existing inbox rows still dedupe)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.string({ maxLength: 30 }), (bytes, deliveryId) => {
      const body = Buffer.from(bytes);
      expect(deliveryFingerprint(body, 'order.updated', deliveryId)).toEqual(createHash('sha256').update(body).digest());
      const folded = createHash('sha256').update(body).update('\u0000').update(deliveryId).digest();
      expect(deliveryFingerprint(body, 'order.deleted', deliveryId)).toEqual(deliveryId ? folded : createHash('sha256').update(body).digest());
    }), { seed: 20261126, numRuns: 2000 });
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
