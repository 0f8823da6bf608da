import { OVERLAP_SECONDS, advance, fromWooGmt, nextCursor, queryAfter, toWooGmt } from '../../src/reconcile/watermark.js';

/** WooCommerce's modified_after: strictly greater-than, second-granular, and a `Z` suffix is misread as local time. */

const at = (gmt: string) => ({ date_modified_gmt: gmt });
/** n items one second apart, starting at start (UTC digits). */
const spread = (start: string, n: number) =>
  Array.from({ length: n }, (_, i) => at(toWooGmt(new Date(Date.parse(`${start}Z`) + i * 1000))));

describe('toWooGmt / fromWooGmt', () => {
  test('when a date is written for WooCommerce, then UTC digits without milliseconds or zone designator', () => {
    expect(toWooGmt(new Date('2025-03-01T12:34:56.789Z'))).toBe('2025-03-01T12:34:56');
  });

  test('when a *_gmt string is read, then it is taken as UTC; fractions and garbage are handled', () => {
    expect(fromWooGmt('2025-03-01T12:00:00')?.toISOString()).toBe('2025-03-01T12:00:00.000Z');
    expect(fromWooGmt('2025-03-01T12:00:00.500')?.toISOString()).toBe('2025-03-01T12:00:00.000Z');
    expect(fromWooGmt(null)).toBeNull();
    expect(fromWooGmt(1740830400)).toBeNull();
    expect(fromWooGmt('2025-03-01')).toBeNull();
    expect(fromWooGmt('2025-13-45T99:99:99')).toBeNull();
  });
});

describe('queryAfter', () => {
  test('when asked for a watermark, then 60 s earlier, floored to the second, and never with a Z suffix', () => {
    expect(OVERLAP_SECONDS).toBe(60);
    const q = queryAfter(new Date('2025-03-01T12:00:00.750Z'));
    expect(q).toBe('2025-03-01T11:59:00');
    expect(q).not.toMatch(/Z|[+-]\d{2}:?\d{2}$/);
    expect(q).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  });

  test('when the overlap is given, then it is used; across midnight the date rolls back', () => {
    expect(queryAfter(new Date('2025-03-01T00:00:30Z'), 60)).toBe('2025-02-28T23:59:30');
    expect(queryAfter(new Date('2025-03-01T12:00:00Z'), 0)).toBe('2025-03-01T12:00:00');
  });

  test('when many watermarks are tried, then none yields a zone designator', () => {
    for (let t = Date.parse('2025-01-01T00:00:00Z'); t < Date.parse('2025-12-31T00:00:00Z'); t += 777_777_777) {
      expect(queryAfter(new Date(t))).not.toContain('Z');
    }
  });
});

describe('advance', () => {
  test('when items are newer, then the watermark moves to the newest date_modified_gmt', () => {
    const w = new Date('2025-03-01T12:00:00Z');
    expect(advance(w, [at('2025-03-01T12:00:05'), at('2025-03-01T12:01:00'), at('2025-03-01T12:00:30')]).toISOString())
      .toBe('2025-03-01T12:01:00.000Z');
  });

  test('when items are older, unreadable or absent, then the watermark never moves back', () => {
    const w = new Date('2025-03-01T12:00:00Z');
    expect(advance(w, [at('2025-02-01T00:00:00'), { date_modified_gmt: null }, {}]).getTime()).toBe(w.getTime());
    expect(advance(w, []).getTime()).toBe(w.getTime());
  });
});

describe('nextCursor (keyset paging on modified)', () => {
  const perPage = 100;

  test('when a page is not full, then there is no next page', () => {
    expect(nextCursor({ after: '2025-03-01T11:59:00', page: 1 }, spread('2025-03-01T12:00:00', 99), perPage)).toBeNull();
    expect(nextCursor({ after: '2025-03-01T11:59:00', page: 3 }, [], perPage)).toBeNull();
  });

  test('when a full page spans several seconds, then page 1 again from one second before its newest item', () => {
    const items = spread('2025-03-01T12:00:00', 100); // newest 12:01:39
    expect(nextCursor({ after: '2025-03-01T11:59:00', page: 1 }, items, perPage)).toEqual({ after: '2025-03-01T12:01:38', page: 1 });
  });

  test('when a full page shares one second and the query already starts just before it, then the next page of the same query', () => {
    const items = Array.from({ length: 100 }, () => at('2025-03-01T12:00:00'));
    expect(nextCursor({ after: '2025-03-01T11:59:59', page: 1 }, items, perPage)).toEqual({ after: '2025-03-01T11:59:59', page: 2 });
    expect(nextCursor({ after: '2025-03-01T11:59:59', page: 2 }, items, perPage)).toEqual({ after: '2025-03-01T11:59:59', page: 3 });
  });

  test('when a full page shares one second reached from an earlier query, then it first restarts just before that second', () => {
    const items = Array.from({ length: 100 }, () => at('2025-03-01T12:00:00'));
    expect(nextCursor({ after: '2025-03-01T11:00:00', page: 1 }, items, perPage)).toEqual({ after: '2025-03-01T11:59:59', page: 1 });
  });

  test('when pages are followed to the end, then every item is seen and the paging stops', () => {
    // 250 orders: 120 in one second, then 130 one second apart; the shop answers modified_after strictly.
    const all = [...Array.from({ length: 120 }, () => '2025-03-01T12:00:00'), ...spread('2025-03-01T12:00:01', 130).map((i) => i.date_modified_gmt)]
      .map((m, i) => ({ id: i + 1, date_modified_gmt: m }));
    const seen = new Set<number>();
    let cursor: { after: string; page: number } | null = { after: '2025-03-01T11:59:00', page: 1 };
    let requests = 0;
    while (cursor && requests < 50) {
      const { after, page } = cursor;
      const items = all.filter((o) => o.date_modified_gmt > after).slice((page - 1) * perPage, page * perPage);
      items.forEach((o) => seen.add(o.id));
      cursor = nextCursor(cursor, items, perPage);
      requests++;
    }
    expect(cursor).toBeNull();
    expect(seen.size).toBe(250);
    expect(requests).toBeLessThan(10);
  });
});
