/** Pure progress arithmetic for long runs: percentage, rate and ETA, and a one-line terminal bar. */

export interface Progress {
  phase: 'orders' | 'customers' | 'trash' | 'done';
  processed: number;
  total: number; // best estimate: the shop's X-WP-Total for the phases seen so far
  percent: number;
  ratePerSecond: number;
  etaSeconds: number | null;
}

/** `resumedFrom`: items already processed before this run started (they do not count towards the rate). */
export function progressOf(phase: Progress['phase'], processed: number, total: number, elapsedMs: number, resumedFrom = 0): Progress {
  const ratePerSecond = elapsedMs > 0 ? ((processed - resumedFrom) * 1000) / elapsedMs : 0;
  const remaining = Math.max(0, total - processed);
  return {
    phase, processed, total,
    percent: total > 0 ? Math.min(100, Math.round((processed / total) * 1000) / 10) : phase === 'done' ? 100 : 0,
    ratePerSecond: Math.round(ratePerSecond * 10) / 10,
    etaSeconds: ratePerSecond > 0 ? Math.round(remaining / ratePerSecond) : null,
  };
}

const clock = (s: number | null) => (s === null ? '--:--' : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`);

/** e.g. `orders    [#########-----------]  45.0%  4500/10000  812.3/s  ETA 0:06` */
export function renderBar(p: Progress, width = 30): string {
  const filled = Math.round((p.percent / 100) * width);
  return `${p.phase.padEnd(9)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.percent.toFixed(1).padStart(5)}%  ${p.processed}/${p.total}  ${p.ratePerSecond}/s  ETA ${clock(p.etaSeconds)}`;
}
