import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** A redis-server of the test's own (own port, no persistence), for outage scenarios. */

export { freePort } from '../../src/platform/free-port.js';

/** A private, non-persistent redis-server; resolves once it accepts connections. */
export async function startRedis(port: number): Promise<ChildProcess> {
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server on ${port} did not start:\n${output}`)), 10_000);
    proc.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on ${port} exited with ${code}:\n${output}`));
    });
  });
  proc.stdout!.resume();
  proc.stderr!.resume();
  return proc;
}

export async function stopRedis(proc: ChildProcess | null, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill(signal);
  await exited;
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}


/**
 * Tests that stop and start a redis-server of their own need the binary. On a machine without Redis (the suite then
 * runs its queues on Postgres) they are skipped, and their title says why.
 */
function hasRedisServer(): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, 'redis-server')));
}
export const redisServerAvailable = hasRedisServer();
export const describeWithRedisServer = (title: string, fn: () => void): void =>
  redisServerAvailable ? describe(title, fn) : describe.skip(`${title} — skipped: needs the redis-server binary (not installed on this machine)`, fn);
