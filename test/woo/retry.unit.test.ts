import { backoffMs, retryAfterMs } from '../../src/woo/retry.js';

/** Retry timing for the shop's API: exponential backoff with jitter, and Retry-After as the shop sends it. */

describe('backoffMs', () => {
  test('when attempts follow each other, then the ceiling doubles from 0.5 s and the wait lies in its upper half', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(a, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect([1, 2, 3, 4].map((a) => backoffMs(a, () => 1))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffMs(2, () => 0.5)).toBe(750);
  });

  test('when many attempts have failed, then the wait is capped at 30 s', () => {
    expect(backoffMs(7, () => 1)).toBe(30_000);
    expect(backoffMs(50, () => 1)).toBe(30_000);
    expect(backoffMs(50, () => 0)).toBe(15_000);
  });

  test('when no random source is given, then Math.random keeps the wait inside the bounds', () => {
    for (let i = 0; i < 50; i++) {
      const w = backoffMs(3);
      expect(w).toBeGreaterThanOrEqual(1000);
      expect(w).toBeLessThanOrEqual(2000);
    }
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');

  test('when Retry-After is a number of seconds, then that many milliseconds (fractions too)', () => {
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs('1.5', now)).toBe(1500);
  });

  test('when Retry-After is an HTTP date, then the time until it; a date in the past is no wait', () => {
    expect(retryAfterMs('Sat, 01 Mar 2025 12:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs('Sat, 01 Mar 2025 11:59:00 GMT', now)).toBe(0);
  });

  test('when Retry-After asks for more than 5 minutes, then 5 minutes; a negative number is no wait', () => {
    expect(retryAfterMs('3600', now)).toBe(300_000);
    expect(retryAfterMs('Sun, 02 Mar 2025 12:00:00 GMT', now)).toBe(300_000);
    expect(retryAfterMs('-5', now)).toBe(0);
  });

  test('when Retry-After is absent or unreadable, then null (the caller falls back to backoff)', () => {
    expect(retryAfterMs(undefined, now)).toBeNull();
    expect(retryAfterMs('', now)).toBeNull();
    expect(retryAfterMs('soon', now)).toBeNull();
  });
});
