import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Pool } from '../platform/db.js';
import type { Metrics } from '../platform/metrics.js';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), ms).unref())]);

/** Liveness, readiness and Prometheus metrics: no auth, no personal data. */
export async function healthRoutes(app: FastifyInstance, opts: { pool: Pool; redis: Redis; metrics: Metrics; beforeScrape?: () => Promise<void> }) {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const [pg, redis] = await Promise.allSettled([
      withTimeout(opts.pool.query('SELECT 1'), 2000),
      withTimeout(opts.redis.ping(), 2000),
    ]);
    const checks = { postgres: pg.status === 'fulfilled' ? 'ok' : 'down', redis: redis.status === 'fulfilled' ? 'ok' : 'down' };
    const ready = checks.postgres === 'ok' && checks.redis === 'ok';
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });

  app.get('/metrics', async (_req, reply) => {
    await opts.beforeScrape?.().catch(() => undefined);
    return reply.type(opts.metrics.registry.contentType).send(await opts.metrics.registry.metrics());
  });
}
