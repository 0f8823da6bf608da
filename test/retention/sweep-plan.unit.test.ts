import { parseEnv } from '../../src/config.js';
import {
  MAX_RECONCILIATION_LAG_SECONDS, amsterdamDate, cutoffOf, interlockReasons, retainUntil, type MirrorHealth,
} from '../../src/retention/sweep-plan.js';

/** P13: the pure rules of the retention sweep — the two-year cutoff, the Dutch fiscal date, the safety interlock. */

const at = (iso: string) => new Date(iso);
const DAY = 86_400_000;

describe('P13 cutoffOf (two years of inactivity)', () => {
  const created = at('2025-06-01T03:00:00Z');
  const cutoff = cutoffOf(created, 730);
  /** The sweep's rule (sweep.repository.ts DUE): due iff last activity < cutoff; exactly at the cutoff is kept. */
  const due = (lastActivity: Date) => lastActivity.getTime() < cutoff.getTime();

  test('when a sweep is created, then the cutoff is exactly 730 × 24 h earlier (not two calendar years)', () => {
    expect(cutoff.toISOString()).toBe('2023-06-02T03:00:00.000Z'); // 2024 is a leap year: 730 days ≠ 2 years
    expect(created.getTime() - cutoff.getTime()).toBe(730 * DAY);
  });

  test('when the last activity is 730 days + 1 s ago, then the person is due; at exactly 730 days or 1 s less, kept', () => {
    expect(due(new Date(created.getTime() - 730 * DAY - 1000))).toBe(true);
    expect(due(new Date(created.getTime() - 730 * DAY))).toBe(false);
    expect(due(new Date(created.getTime() - 730 * DAY + 1000))).toBe(false);
  });

  test('when the window spans a DST change, then the cutoff is still an exact UTC duration', () => {
    const c = cutoffOf(at('2025-03-30T12:00:00Z'), 1); // Amsterdam moved to summer time that night
    expect(c.toISOString()).toBe('2025-03-29T12:00:00.000Z');
    expect(cutoffOf(created, 0).getTime()).toBe(created.getTime());
  });

  test('when the cutoff is computed, then the sweep creation date is not modified', () => {
    const d = at('2025-06-01T03:00:00Z');
    cutoffOf(d, 730);
    expect(d.toISOString()).toBe('2025-06-01T03:00:00.000Z');
  });
});

describe('P13 amsterdamDate (fiscal terms end on a Dutch date)', () => {
  test.each([
    ['2025-01-15T22:59:59Z', '2025-01-15'], // winter, UTC+1
    ['2025-01-15T23:00:00Z', '2025-01-16'],
    ['2025-07-15T21:59:59Z', '2025-07-15'], // summer, UTC+2
    ['2025-07-15T22:00:00Z', '2025-07-16'],
    ['2025-03-29T23:00:00Z', '2025-03-30'], // night before spring-forward: still UTC+1
    ['2025-03-30T21:59:59Z', '2025-03-30'], // after spring-forward: UTC+2
    ['2025-03-30T22:00:00Z', '2025-03-31'],
    ['2025-10-25T22:00:00Z', '2025-10-26'], // before fall-back: UTC+2
    ['2025-10-26T22:59:59Z', '2025-10-26'], // after fall-back: UTC+1
    ['2025-10-26T23:00:00Z', '2025-10-27'],
    ['2024-02-29T12:00:00Z', '2024-02-29'],
  ])('when it is %s UTC, then the Amsterdam date is %s', (iso, date) => {
    expect(amsterdamDate(at(iso))).toBe(date);
  });
});

describe('P13 retainUntil (end of the fiscal year + legal term, Art. 52 AWR)', () => {
  test('when an invoice is dated 31 Dec 23:30 UTC, then it is already the next fiscal year in Amsterdam', () => {
    expect(retainUntil(at('2024-12-31T23:30:00Z'), 7)).toBe('2032-12-31');
    expect(retainUntil(at('2024-12-31T22:59:59Z'), 7)).toBe('2031-12-31');
  });

  test('when the default term of 7 years applies, then it ends on 31 December of year + 7', () => {
    const { fiscalRetentionYears, retention } = parseEnv({ DATABASE_URL: 'postgres://x@127.0.0.1/db', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect({ fiscalRetentionYears, inactiveDays: retention.inactiveDays, maxFraction: retention.maxFraction })
      .toEqual({ fiscalRetentionYears: 7, inactiveDays: 730, maxFraction: 0.2 });
    expect(retainUntil(at('2025-06-15T10:00:00Z'), fiscalRetentionYears)).toBe('2032-12-31');
    expect(retainUntil(at('2025-01-01T00:00:00Z'), 7)).toBe('2032-12-31');
    expect(retainUntil(at('2025-12-31T22:59:59Z'), 7)).toBe('2032-12-31');
  });

  test('when a longer term is configured, then the year moves with it', () => {
    expect(retainUntil(at('2025-06-15T10:00:00Z'), 10)).toBe('2035-12-31');
  });
});

describe('P13 interlockReasons (the sweep only previews when the mirror may be incomplete)', () => {
  const healthy: MirrorHealth = { webhooksNotDelivering: [], reconciliationLagSeconds: 3600 };

  test('when the mirror is healthy and few are due, then nothing blocks', () => {
    expect(interlockReasons(healthy, 1, 100, 0.2)).toEqual([]);
  });

  test('when a webhook of ours is not delivering, then webhook_disabled', () => {
    expect(interlockReasons({ ...healthy, webhooksNotDelivering: ['order.updated:disabled'] }, 0, 100, 0.2)).toEqual(['webhook_disabled']);
  });

  test('when reconciliation lags over 24 h, then reconciliation_lag; at exactly 24 h, not', () => {
    expect(interlockReasons({ ...healthy, reconciliationLagSeconds: MAX_RECONCILIATION_LAG_SECONDS + 1 }, 0, 100, 0.2)).toEqual(['reconciliation_lag']);
    expect(interlockReasons({ ...healthy, reconciliationLagSeconds: 24 * 3600 }, 0, 100, 0.2)).toEqual([]);
  });

  test('when reconciliation never ran, then reconciliation_never_ran', () => {
    expect(interlockReasons({ ...healthy, reconciliationLagSeconds: null }, 0, 100, 0.2)).toEqual(['reconciliation_never_ran']);
  });

  test('when health is unknown (webhooks-only mode), then it does not block', () => {
    expect(interlockReasons({ webhooksNotDelivering: null, reconciliationLagSeconds: undefined }, 1, 100, 0.2)).toEqual([]);
  });

  test('when the due fraction is exactly the maximum, then it runs; above it, too_many_due', () => {
    expect(interlockReasons(healthy, 20, 100, 0.2)).toEqual([]);
    expect(interlockReasons(healthy, 3, 10, 0.3)).toEqual([]);
    expect(interlockReasons(healthy, 7, 100, 0.07)).toEqual([]);
    expect(interlockReasons(healthy, 21, 100, 0.2)).toEqual(['too_many_due']);
    expect(interlockReasons(healthy, 50, 100, 0.2)).toEqual(['too_many_due']);
    expect(interlockReasons(healthy, 1, 3, 0.2)).toEqual(['too_many_due']);
  });

  test('when there is nobody at all, then too_many_due does not divide by zero', () => {
    expect(interlockReasons(healthy, 0, 0, 0.2)).toEqual([]);
  });

  test('when everything is wrong at once, then every reason is listed', () => {
    expect(interlockReasons({ webhooksNotDelivering: ['order.created:paused'], reconciliationLagSeconds: 90_000 }, 9, 10, 0.2))
      .toEqual(['webhook_disabled', 'reconciliation_lag', 'too_many_due']);
  });
});
