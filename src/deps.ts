import type { Logger } from 'pino';
import type { Config } from './config.js';
import { type Pool, createPool } from './platform/db.js';
import { createMetrics } from './platform/metrics.js';
import { createProducerConnection, createQueues } from './platform/queues.js';
import { createIntakeService } from './intake/intake.service.js';
import { createRelay } from './intake/relay.js';
import { createMirrorService } from './mirror/mirror.service.js';

/** Composition root shared by the API and the workers. Tests pass their own pool (schema per file). */
export function createDeps(config: Config, log: Logger, overrides: { pool?: Pool } = {}) {
  const pool = overrides.pool ?? createPool(config.databaseUrl, { max: 20 });
  const metrics = createMetrics();
  const redis = createProducerConnection(config.redisUrl);
  const queues = createQueues(redis, config.queuePrefix);
  const relay = createRelay({ pool, queues, log: log.child({ component: 'relay' }), metrics });
  const intake = createIntakeService({ pool, metrics, onCommitted: () => void relay.kick() });
  const mirror = createMirrorService({ pool, policyVersion: config.policyVersion, log: log.child({ component: 'mirror' }), metrics });

  return {
    config, log, pool, metrics, redis, queues, relay, intake, mirror,
    /** Closes what createDeps opened, after the HTTP server and workers have stopped. */
    async close() {
      await relay.stop();
      await queues.close();
      redis.disconnect();
      if (!overrides.pool) await pool.end();
    },
  };
}

export type Deps = ReturnType<typeof createDeps>;
