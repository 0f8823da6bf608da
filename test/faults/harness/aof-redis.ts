import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { freePort } from '../../builders/private-redis.js';

/**
 * A redis-server of the test's own with AOF on (`appendfsync everysec`), as the README tells operators to run it:
 * a restart reloads what was written, so "Redis came back" means the same data minus at most the last second.
 * Stopped with SIGKILL by default — a crash, not a polite shutdown that would flush everything first.
 */
export interface AofRedis {
  port: number;
  url: string;
  running(): boolean;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and directory (the AOF is replayed). */
  start(): Promise<void>;
  /** A short-lived client for looking at the queue keys. */
  client(): Redis;
}

function spawnRedis(port: number, dir: string): Promise<ChildProcess> {
  const proc = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server on ${port} did not start:\n${output}`)), 15_000);
    proc.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        output = '';
        resolve(proc);
      }
    });
    proc.stderr!.resume();
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on ${port} exited with ${code}:\n${output}`));
    });
  });
}

export async function startAofRedis(dir: string): Promise<AofRedis> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  let proc: ChildProcess | null = await spawnRedis(port, dir);
  const running = () => proc !== null && proc.exitCode === null && proc.signalCode === null;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    running,
    async stop(signal = 'SIGKILL') {
      if (!running()) return;
      const exited = new Promise<void>((r) => proc!.once('exit', () => r()));
      proc!.kill(signal);
      await exited;
      proc = null;
    },
    async start() {
      if (!running()) proc = await spawnRedis(port, dir);
    },
    client() {
      const c = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 1, lazyConnect: false });
      c.on('error', () => undefined);
      return c;
    },
  };
}
