import fc from 'fast-check';
import { readJson, scanJson } from '../../src/intake/json-scan.js';

/**
 * The intake decides "is this JSON?" and reads the top-level id with scanJson instead of JSON.parse. It must agree
 * with `JSON.parse(bytes.toString('utf8'))` on every input: the property runs below compare both on valid JSON of
 * every shape, on near-misses made by mutating valid JSON, on arbitrary text and on arbitrary bytes.
 */
function reference(b: Buffer): { valid: boolean; id: number | null } {
  try {
    const v: unknown = JSON.parse(b.toString('utf8'));
    const id = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as { id?: unknown }).id : undefined;
    return { valid: true, id: typeof id === 'number' ? id : null };
  } catch {
    return { valid: false, id: null };
  }
}
const agrees = (b: Buffer) => {
  expect(scanJson(b)).toEqual(reference(b));
  expect(readJson(b)).toEqual(reference(b)); // what the intake uses: the scan, confirmed by JSON.parse before a 400
};
const SEED = { seed: 20261126 };

describe('scanJson agrees with JSON.parse', () => {
  test('when the body is valid JSON of any shape (objects with ids, nesting, unicode, whitespace), then both accept it and read the same id', () => {
    const ws = fc.constantFrom('', ' ', '\n', '\t', '\r\n', '  ');
    const withId = fc.record({ id: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.jsonValue()) }, { requiredKeys: [] });
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), withId, fc.tuple(withId, fc.jsonValue()).map(([a, b]) => ({ ...a, ...(b as object) }))), ws, ws, fc.integer({ min: 0, max: 2 }),
      (value, before, after, indent) => agrees(Buffer.from(before + JSON.stringify(value, null, indent) + after))), { ...SEED, numRuns: 4000 });
    fc.assert(fc.property(fc.json(), (text) => agrees(Buffer.from(text))), { ...SEED, numRuns: 4000 });
  });

  test('when valid JSON is damaged by one inserted, removed or replaced character, then both decide alike', () => {
    const damaged = fc.tuple(fc.json({ maxDepth: 3 }), fc.nat(), fc.constantFrom('insert', 'remove', 'replace'),
      fc.constantFrom(...'{}[]":,\\/ \t\n\r\f0123456789-+.eEtrufalsn\u0000\u001f\u00a0\ufeffx'.split('')))
      .map(([text, at, how, ch]) => {
        const k = text.length ? at % text.length : 0;
        return how === 'insert' ? text.slice(0, k) + ch + text.slice(k) : how === 'remove' ? text.slice(0, k) + text.slice(k + 1) : text.slice(0, k) + ch + text.slice(k + 1);
      });
    fc.assert(fc.property(damaged, (text) => agrees(Buffer.from(text))), { ...SEED, numRuns: 20000 });
  });

  test('when the body is arbitrary text or bytes, then both decide alike', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => agrees(Buffer.from(text))), { ...SEED, numRuns: 5000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 60 }), (bytes) => agrees(Buffer.from(bytes))), { ...SEED, numRuns: 5000 });
    const jsonish = fc.string({ unit: fc.constantFrom(...'{}[]":,\\ 0123456789-.eEtrufalsnid'.split('')), maxLength: 40 });
    fc.assert(fc.property(jsonish, (text) => agrees(Buffer.from(text))), { ...SEED, numRuns: 20000 });
  });

  test.each([
    ['', false], [' ', false], ['\ufeff{}', false], ['{}\u00a0', false], ['\f1', false], ['01', false], ['1.', false], ['-', false], ['1e', false],
    ['1e+', false], ['.5', false], ['+1', false], ['tru', false], ['nul', false], ['"\u0001"', false], ['"\\x"', false], ['"\\u12G4"', false],
    ['{"a" 1}', false], ['{"a":1,}', false], ['[1,]', false], ['{,}', false], ['[1 2]', false], ['{"a":1}}', false], ['"abc', false],
    ['0', true], ['-0.5e-7', true], ['"\\u00e9\\/\\"\\\\"', true], ['[[[]]]', true], ['"\u007f"', true],
  ])('when the body is %j, then valid is %s (as JSON.parse says)', (text, valid) => {
    expect(scanJson(Buffer.from(text)).valid).toBe(valid);
    agrees(Buffer.from(text));
  });

  test('when the top-level id is escaped, repeated, nested or not a number, then the id is JSON.parse\'s', () => {
    for (const text of ['{"\\u0069d":7}', '{"id":1,"id":2}', '{"id":3,"id":"x"}', '{"id":{"id":4}}', '{"a":{"id":5}}', '[{"id":6}]',
      '{"id":[]}', '{"id":1e2}', '{"id":-0}', '{"id":9007199254740993}', '{"i\\u0064":8,"x":[{"id":9}]}']) agrees(Buffer.from(text));
  });

  test('when nesting is very deep or a string holds invalid UTF-8, then both still agree', () => {
    agrees(Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`));
    agrees(Buffer.from(`{"a":${'['.repeat(5000)}1${']'.repeat(4999)}}`));
    agrees(Buffer.concat([Buffer.from('{"id":5,"name":"'), Buffer.from([0xc0, 0xff, 0xe9]), Buffer.from('"}')]));
    agrees(Buffer.concat([Buffer.from('{"id":5}'), Buffer.from([0xc0])]));
  });
});
