import { captureLogs } from '../setup/log-capture.js';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { createPool } from '../../src/platform/db.js';
import { createLogger } from '../../src/platform/logger.js';
import { testConfig } from '../setup/context.js';

/** Port 1 on loopback: nothing listens there, so connections are refused at once. */
export const CLOSED_POSTGRES_URL = 'postgres://postgres@127.0.0.1:1/unreachable';
export const CLOSED_REDIS_URL = 'redis://127.0.0.1:1';

export interface OfflineApp {
  app: FastifyInstance;
  deps: Deps;
  logs: string[];
  close(): Promise<void>;
}

/**
 * The real app wired to a Postgres (and optionally a Redis) that cannot be reached, for outage behaviour.
 * Nothing is mocked: the pool and the Redis client really try to connect and are refused.
 */
export async function createOfflineApp(o: { redisDown?: boolean } = {}): Promise<OfflineApp> {
  const config = testConfig(o.redisDown ? { redisUrl: CLOSED_REDIS_URL } : {});
  const logs: string[] = [];
  const log = createLogger('debug', captureLogs(logs));
  const pool = createPool(CLOSED_POSTGRES_URL, { max: 2 });
  const deps = createDeps(config, log, { pool });
  const app = await buildApp(deps);
  await app.ready();
  return {
    app, deps, logs,
    async close() {
      await app.close();
      await deps.close();
      await pool.end();
    },
  };
}
