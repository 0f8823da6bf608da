/**
 * Pure rules for reading "what changed since" from WooCommerce. Its modified_after filter is strictly greater
 * than, has one-second resolution, and a `Z` suffix is misread as the shop's local time — so we send UTC digits
 * without a suffix, and step back a little so nothing modified in the boundary second is missed.
 */

/** How far reconciliation looks back before its watermark. */
export const OVERLAP_SECONDS = 60;

/** 2025-03-01T12:00:00.000Z → 2025-03-01T12:00:00 (UTC digits, no zone designator). */
export function toWooGmt(d: Date): string {
  return d.toISOString().slice(0, 19);
}

/** WooCommerce's *_gmt strings carry no zone: they are UTC. */
export function fromWooGmt(s: unknown): Date | null {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(s)) return null;
  const d = new Date(`${s.slice(0, 19)}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The modified_after to send for a watermark: overlapSeconds earlier, floored to the second. */
export function queryAfter(watermark: Date, overlapSeconds = OVERLAP_SECONDS): string {
  return toWooGmt(new Date(Math.floor(watermark.getTime() / 1000) * 1000 - overlapSeconds * 1000));
}

/** The latest date_modified_gmt among items, or the current watermark if none is later. */
export function advance(watermark: Date, items: Record<string, unknown>[]): Date {
  let max = watermark.getTime();
  for (const it of items) {
    const d = fromWooGmt(it.date_modified_gmt);
    if (d && d.getTime() > max) max = d.getTime();
  }
  return new Date(max);
}

/**
 * The next page to read. Keyset paging on the modified date survives orders moving while we page: restart at
 * page 1 from just before the newest date seen. Only when a whole page shares one second do we page deeper.
 */
export function nextCursor(cursor: { after: string; page: number }, items: Record<string, unknown>[], perPage: number): { after: string; page: number } | null {
  if (items.length < perPage) return null;
  const newest = advance(new Date(0), items);
  const after = toWooGmt(new Date(newest.getTime() - 1000));
  return after === cursor.after ? { after, page: cursor.page + 1 } : { after, page: 1 };
}
