import { isNewer } from '../../src/mirror/staleness.js';

const sha = (s: string) => Buffer.from(s);
const stored = { modifiedAt: '2025-01-02T09:01:00.000Z', bodySha256: sha('a'), inboxId: 10 };

describe('staleness: out-of-order deliveries (pure)', () => {
  test('when nothing is stored, then the delivery applies', () => {
    expect(isNewer(null, { modifiedAt: null, bodySha256: sha('a'), inboxId: 1 })).toBe(true);
  });
  test('when the delivery is newer, then it applies', () => {
    expect(isNewer(stored, { modifiedAt: '2025-01-02T09:01:01.000Z', bodySha256: sha('a'), inboxId: 5 })).toBe(true);
  });
  test('when the delivery is older, then it is stale even if received later', () => {
    expect(isNewer(stored, { modifiedAt: '2025-01-02T09:00:59.000Z', bodySha256: sha('b'), inboxId: 99 })).toBe(false);
  });
  test('when same second and different body, then the later received wins', () => {
    expect(isNewer(stored, { modifiedAt: stored.modifiedAt, bodySha256: sha('b'), inboxId: 11 })).toBe(true);
    expect(isNewer(stored, { modifiedAt: stored.modifiedAt, bodySha256: sha('b'), inboxId: 9 })).toBe(false);
  });
  test('when same second and same body, then it is stale', () => {
    expect(isNewer(stored, { modifiedAt: stored.modifiedAt, bodySha256: sha('a'), inboxId: 11 })).toBe(false);
  });
});
