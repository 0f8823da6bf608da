import { readFileSync } from 'node:fs';
import type { Pool } from '../src/platform/db.js';

/**
 * CPU seconds of one pool's Postgres backends, read from /proc (Postgres on this machine), from each connection's
 * start until the end — unlike a machine-wide figure, it does not count the other work that shares the database
 * server. Call on a fresh pool; read() is cumulative. Null when /proc is unreadable. Ticks are USER_HZ = 100 per second.
 */
export function followPoolCpu(pool: Pool): { read: () => number | null; stop: () => void } {
  const ticks = (pid: number): number | null => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(f[11]) + Number(f[12]); // utime, stime
    } catch {
      return null;
    }
  };
  const backends = new Map<number, { first: number; last: number }>();
  let readable = true;
  const sample = () => {
    for (const [pid, b] of backends) b.last = ticks(pid) ?? b.last;
  };
  pool.on('connect', (client) => {
    const pid = (client as unknown as { processID: number }).processID;
    const t = ticks(pid);
    if (t === null) readable = false;
    else backends.set(pid, { first: t, last: t });
  });
  pool.on('remove', sample); // a connection closed by the pool: read its backend before it exits
  const timer = setInterval(sample, 500);
  timer.unref();
  return {
    read: () => {
      sample();
      return readable ? [...backends.values()].reduce((s, b) => s + b.last - b.first, 0) / 100 : null;
    },
    stop: () => clearInterval(timer),
  };
}
