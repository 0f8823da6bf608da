import { createHash, createHmac } from 'node:crypto';
import { subjectKeyer } from '../../src/erasure/subject-key.js';

/** P14b: the subject key is the only identifier that survives erasure, so it must not be reversible by guessing. */

const KEY = 'test-pseudonym-key-0123456789abcdef0123';
const keyOf = subjectKeyer(KEY);

describe('P14b subject key = HMAC-SHA256(PSEUDONYM_KEY, normalised email)', () => {
  test('when a key is made, then it is 32 bytes', () => {
    const k = keyOf('fenna@example.com');
    expect(Buffer.isBuffer(k)).toBe(true);
    expect(k).toHaveLength(32);
  });

  test('when a key is made, then it is the keyed HMAC, not a plain sha256 of the email', () => {
    const k = keyOf('fenna@example.com');
    expect(k.equals(createHmac('sha256', KEY).update('fenna@example.com').digest())).toBe(true);
    expect(k.equals(createHash('sha256').update('fenna@example.com').digest())).toBe(false);
    expect(k.equals(createHash('sha256').update(KEY + 'fenna@example.com').digest())).toBe(false);
  });

  test.each([['FENNA@Example.COM'], ['  fenna@example.com '], ['\tFenna@EXAMPLE.com\n']])(
    'when the email is written as %p, then the key equals the normalised one', (raw) => {
      expect(keyOf(raw).equals(keyOf('fenna@example.com'))).toBe(true);
    });

  test('when the emails differ, then the keys differ', () => {
    expect(keyOf('fenna@example.com').equals(keyOf('fenna@example.org'))).toBe(false);
    expect(keyOf('fenna+shop@example.com').equals(keyOf('fenna@example.com'))).toBe(false);
  });

  test('when PSEUDONYM_KEY differs, then the same email gets a different key', () => {
    const other = subjectKeyer('another-pseudonym-key-0123456789abcdef');
    expect(other('fenna@example.com').equals(keyOf('fenna@example.com'))).toBe(false);
  });

  test('when the same keyer is asked twice, then the key is stable', () => {
    expect(keyOf('fenna@example.com').toString('hex')).toBe(subjectKeyer(KEY)('fenna@example.com').toString('hex'));
  });

  test('when the email has non-ASCII characters, then they are hashed as UTF-8', () => {
    expect(keyOf('zoë@例え.jp').equals(createHmac('sha256', KEY).update(Buffer.from('zoë@例え.jp', 'utf8')).digest())).toBe(true);
  });
});
