/** Retry timing for the shop's API (pure). */

/** Exponential backoff with full jitter: attempt 1 → up to 0.5 s, 2 → 1 s, 3 → 2 s … capped at 30 s. */
export function backoffMs(attempt: number, random = Math.random): number {
  const ceiling = Math.min(30_000, 500 * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. Capped at 5 minutes. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(300_000, Math.max(0, ms));
}
