import { readFileSync, readdirSync } from 'node:fs';
import type { Pool } from '../src/platform/db.js';

/**
 * Where the CPU goes during a measured window: the process under test, the Postgres backends serving the bench
 * database, and redis-server. Read from /proc (Linux, Postgres and Redis on this machine); on anything else the
 * figures are null. Ticks are USER_HZ = 100 per second, as on every mainstream Linux architecture.
 */

const TICK_SECONDS = 0.01;

function ticks(pid: number): number | null {
  try {
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

function findRedisPid(): number | null {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'redis-server') return Number(entry);
      } catch {
        // process went away
      }
    }
  } catch {
    // no /proc
  }
  return null;
}

async function backendPids(pool: Pool): Promise<number[]> {
  const { rows } = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  return rows.map((r) => r.pid);
}

export interface CpuSeconds {
  /** The process under test (API server or worker). */
  process: number | null;
  /** Postgres backends connected to the bench database. */
  postgres: number | null;
  /** redis-server, whoever else uses it. */
  redis: number | null;
  seconds: number;
}

/** Starts measuring; the returned function stops and reports CPU seconds per group. */
export async function meterCpu(pid: number | undefined, pool: Pool): Promise<() => Promise<CpuSeconds>> {
  const t0 = Date.now();
  const redis = findRedisPid();
  const proc0 = pid ? ticks(pid) : null;
  const redis0 = redis ? ticks(redis) : null;
  const pg0 = new Map<number, number>();
  for (const p of await backendPids(pool)) {
    const t = ticks(p);
    if (t !== null) pg0.set(p, t);
  }
  const pgAvailable = pg0.size > 0;
  return async () => {
    const proc1 = pid ? ticks(pid) : null;
    const redis1 = redis ? ticks(redis) : null;
    let pg = 0;
    for (const p of await backendPids(pool)) pg += (ticks(p) ?? 0) - (pg0.get(p) ?? 0);
    const s = (a: number | null, b: number | null) => (a !== null && b !== null ? (b - a) * TICK_SECONDS : null);
    return {
      process: s(proc0, proc1),
      postgres: pgAvailable ? pg * TICK_SECONDS : null,
      redis: s(redis0, redis1),
      seconds: (Date.now() - t0) / 1000,
    };
  };
}

/** "server 310 µs, Postgres 200 µs, Redis 60 µs" per unit of work. */
export function perUnit(cpu: CpuSeconds, units: number, processLabel: string): string {
  const us = (s: number | null) => (s === null ? 'n/a' : `${Math.round((s * 1e6) / units)} µs`);
  return `${processLabel} ${us(cpu.process)}, Postgres ${us(cpu.postgres)}, Redis ${us(cpu.redis)} (machine-wide)`;
}
