import { ProcessorError } from '../types.js';

/**
 * Exact money for the accounting push: decimal text ↔ integer cents. Amounts are summed, split and compared in
 * cents only; a JSON number is made at the wire (`toAmount`) because the Snelstart schema types money as `number`.
 */

const DECIMAL = /^([+-])?(\d+)(?:\.(\d*))?$/;

/** '28.63' → 2863, '-5' → -500. More than two decimals round half away from zero (a shop set to 4 decimals). */
export function toCents(text: string): number {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new ProcessorError('snelstart', 'permanent', null, 'bad_amount', 'an order amount is not a decimal number');
  const [, sign, int = '0', frac = ''] = m;
  let cents = Number(int) * 100 + Number(`${frac}00`.slice(0, 2));
  if (frac.length > 2 && Number(frac[2]) >= 5) cents += 1; // only the third decimal decides half-up
  if (!Number.isSafeInteger(cents)) throw new ProcessorError('snelstart', 'permanent', null, 'bad_amount', 'an order amount is out of range');
  return sign === '-' ? -cents : cents;
}

/**
 * Cents → the JSON number Snelstart wants. `n / 100` is the double nearest to the exact decimal (one correctly
 * rounded division), so JSON.stringify prints exactly the two-decimal text: 2863 → 28.63, never 28.629999….
 */
export const toAmount = (cents: number): number => cents / 100;

const abs = (v: bigint) => (v < 0n ? -v : v);

/** round(a × b / c), half away from zero, without floats (BigInt: a × b may pass 2^53). */
export function mulDivRound(a: number, b: number, c: number): number {
  if (c === 0) throw new RangeError('division by zero');
  const n = BigInt(a) * BigInt(b);
  const d = BigInt(c);
  const q = (2n * abs(n) + abs(d)) / (2n * abs(d));
  return Number((n < 0n) !== (d < 0n) ? -q : q);
}

/**
 * Splits `total` cents over `weights` in proportion, the parts summing to `total` exactly (largest remainder:
 * floor every share, then give the cents left over to the largest fractions; ties go to the earlier weight).
 * When `total` equals the sum of the weights, every part equals its weight — a full split mirrors its source.
 */
export function apportion(total: number, weights: number[]): number[] {
  const sum = BigInt(weights.reduce((s, w) => s + w, 0));
  if (sum <= 0n) throw new RangeError('weights must sum to more than zero');
  const t = BigInt(total);
  const parts = weights.map((w) => {
    const n = t * BigInt(w);
    let q = n / sum;
    let r = n % sum;
    if (r < 0n) { q -= 1n; r += sum; } // floor, also for a negative product
    return { q, r };
  });
  let left = Number(t - parts.reduce((s, p) => s + p.q, 0n));
  const order = parts.map((p, i) => i).sort((i, j) => (parts[j]!.r > parts[i]!.r ? 1 : parts[j]!.r < parts[i]!.r ? -1 : i - j));
  for (const i of order) {
    if (left <= 0) break;
    parts[i]!.q += 1n;
    left -= 1;
  }
  return parts.map((p) => Number(p.q));
}
