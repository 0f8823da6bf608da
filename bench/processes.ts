import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChildMessage } from './common.js';
import { settings } from './common.js';

export type ChildMode = 'app' | 'bare' | 'worker' | 'naive' | 'floor';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
export const PROFILE_DIR = fileURLToPath(new URL('../../bench/results/profiles/', import.meta.url));

export interface Child {
  proc: ChildProcess;
  /** Resolves with the next message of this type (rejects if the child reports an error or exits first). */
  next<T extends ChildMessage['type']>(type: T, timeoutMs?: number): Promise<Extract<ChildMessage, { type: T }>>;
  send(type: 'go' | 'stop'): void;
  /** Asks the child to shut down gracefully; kills it if it has not exited after timeoutMs. */
  stop(timeoutMs?: number): Promise<void>;
}

export function startChild(mode: ChildMode, env: Record<string, string>): Child {
  const execArgv = [...process.execArgv];
  if (settings.profile) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${mode}-${Date.now()}.cpuprofile`);
  }
  const proc = fork(CHILD, [mode], { env: { ...process.env, ...env }, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

  return {
    proc,
    next(type, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`${mode} process: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
        const onMessage = (m: ChildMessage) => {
          if (m.type === type) done(null, m);
          else if (m.type === 'error') done(new Error(`${mode} process failed: ${m.message}`));
        };
        const onExit = (code: number | null) => done(new Error(`${mode} process exited (${code}) before "${type}"`));
        function done(err: Error | null, m?: ChildMessage) {
          clearTimeout(timer);
          proc.off('message', onMessage);
          proc.off('exit', onExit);
          if (err) reject(err);
          else resolve(m as Extract<ChildMessage, { type: typeof type }>);
        }
        proc.on('message', onMessage);
        proc.once('exit', onExit);
      });
    },
    send(type) {
      proc.send({ type });
    },
    async stop(timeoutMs = 20_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      if (proc.connected) proc.send({ type: 'stop' });
      else proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
