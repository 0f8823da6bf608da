import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Postgres refuses to run as root. When this process is root, the embedded server runs as the `postgres` OS user
 * (created only if missing), which must own its data directory and be able to reach it and the server's binaries.
 */

export interface RunAs {
  uid: number;
  gid: number;
  user: string;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

function lookup(user: string): RunAs | null {
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid, gid, user };
  } catch {
    return null;
  }
}

/** The `postgres` OS user, created (system account, no login, no home) when it does not exist yet. */
export function ensurePostgresUser(say: (msg: string) => void): RunAs {
  const existing = lookup('postgres');
  if (existing) return existing;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
  } catch (err) {
    throw new Error(`running as root, and no "postgres" OS user exists to run the embedded Postgres; creating one failed (${(err as Error).message}). Create it, run as another user, or set DATABASE_URL`);
  }
  const created = lookup('postgres');
  if (!created) throw new Error('created the "postgres" OS user but cannot look it up');
  say('created the system user "postgres" (no login, no home directory) to run the embedded Postgres: Postgres refuses to run as root');
  return created;
}

function canTraverse(path: string, who: RunAs): boolean {
  const st = statSync(path);
  if (st.uid === who.uid) return (st.mode & 0o100) !== 0;
  if (st.gid === who.gid) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}

/**
 * Every directory above `path` must be searchable by the user (the x bit only: nothing becomes listable or readable).
 * Returns the directories that had to be opened, so start-up can say so.
 */
export function ensureReachable(path: string, who: RunAs): string[] {
  const opened: string[] = [];
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    if (!canTraverse(dir, who)) {
      chmodSync(dir, statSync(dir).mode | 0o001);
      opened.push(dir);
    }
    if (dir === dirname(dir)) break;
  }
  return opened;
}

/** Hands a directory (not its parents) to the user, as initdb requires for the data directory. */
export function handOver(path: string, who: RunAs): void {
  chownSync(path, who.uid, who.gid);
}
