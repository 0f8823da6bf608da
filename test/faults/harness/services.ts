import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../builders/private-redis.js';

/**
 * The real, built service as child processes — exactly what an operator runs: `node dist/src/main.js api`,
 * `node dist/workers/main.js`, or `node dist/src/main.js` (all in one). Output goes to a log file per process in
 * the test's directory (kept when a test fails), and the proof reads those files for personal data.
 */

// Jest runs these files as CommonJS (see jest.faults.config.cjs), so __dirname is defined.
const ROOT = join(__dirname, '..', '..', '..');
const ENTRY = { api: ['dist/src/main.js', 'api'], worker: ['dist/workers/main.js'], all: ['dist/src/main.js'], migrate: ['dist/src/main.js', 'migrate'] } as const;
export type ServiceKind = keyof typeof ENTRY;

export interface Service {
  name: string;
  kind: ServiceKind;
  /** http://127.0.0.1:<port> for api and all; '' for a worker. */
  url: string;
  proc: ChildProcess;
  logFile: string;
  port: number;
  /** True once the test stopped or killed it on purpose (any other exit is a crash). */
  deliberate: boolean;
  alive(): boolean;
  /** SIGKILL: no shutdown hook runs, jobs stay active in the queue, open transactions are rolled back. */
  kill(): Promise<void>;
  /** SIGTERM and wait (the graceful shutdown); SIGKILL if it takes longer than timeoutMs. */
  stop(timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, proc: ChildProcess, logFile: string, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${what}: process exited (${proc.exitCode ?? proc.signalCode}); log ${logFile}:\n${tail(logFile)}`);
    if (Date.now() > until) throw new Error(`${what}: not ready after ${timeoutMs} ms; log ${logFile}:\n${tail(logFile)}`);
    await sleep(100);
  }
}

export function tail(logFile: string, lines = 30): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts a service and resolves once it is ready: an API answers /readyz 200, a worker logged "workers started". */
export async function startService(kind: ServiceKind, name: string, dir: string, env: Record<string, string>, fixedPort?: number): Promise<Service> {
  const port = kind === 'api' || kind === 'all' ? fixedPort ?? await freePort() : 0;
  const logFile = join(dir, `${name}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  // cwd is the test's directory: a developer's .env in the repository must not leak into the run.
  const proc = spawn(process.execPath, ENTRY[kind].map((a, i) => (i === 0 ? join(ROOT, a) : a)), {
    cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.pipe(out, { end: false });
  let seen = '';
  let workersStarted = false;
  proc.stdout!.on('data', (chunk: Buffer) => {
    seen = seen.slice(-200) + chunk.toString();
    workersStarted ||= seen.includes('"msg":"workers started"');
  });
  proc.stderr!.pipe(out, { end: false });
  // 'close' comes after the process exited and its output ended: the log file is complete once this resolves.
  const exited = new Promise<number | null>((resolve) => proc.once('close', (code) => out.end(() => resolve(code))));
  const url = port ? `http://127.0.0.1:${port}` : '';
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  const service: Service = {
    name, kind, url, proc, logFile, port, alive, exited, deliberate: false,
    async kill() {
      service.deliberate = true;
      if (!alive()) return;
      proc.kill('SIGKILL');
      await exited;
    },
    async stop(timeoutMs = 15_000) {
      service.deliberate = true;
      if (!alive()) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
  if (kind === 'migrate') {
    const code = await exited;
    if (code !== 0) throw new Error(`migrate exited with ${code}:\n${tail(logFile)}`);
    return service;
  }
  try {
    if (url) {
      await waitUntil(`${name} /readyz`, async () => (await fetch(`${url}/readyz`).catch(() => null))?.status === 200, proc, logFile);
    }
    if (kind !== 'api') await waitUntil(`${name} workers`, () => workersStarted, proc, logFile);
  } catch (err) {
    await service.kill();
    throw err;
  }
  return service;
}
