import type { FastifyInstance } from 'fastify';
import type { Pool } from '../platform/db.js';
import type { Metrics } from '../platform/metrics.js';
import type { QueueBackend } from '../platform/queues.js';
import { docs } from '../platform/openapi.js';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), ms).unref())]);

/** Liveness, readiness and Prometheus metrics: no auth, no personal data. */
export async function healthRoutes(app: FastifyInstance, opts: { pool: Pool; queueBackend: QueueBackend; metrics: Metrics; beforeScrape?: () => Promise<void> }) {
  const tags = ['health and metrics'];
  app.get('/healthz', docs({ summary: 'Liveness: the process answers (public)', tags, responses: { 200: { description: 'alive', example: { status: 'ok' } } } }),
    async () => ({ status: 'ok' }));

  app.get('/readyz', docs({
    summary: 'Readiness: Postgres and the job queue (Redis; or, without REDIS_URL, "queues" in Postgres) answer within 2 s (public)', tags,
    responses: { 200: { description: 'ready', example: { status: 'ready', checks: { postgres: 'ok', redis: 'ok' } } },
      503: { description: 'a dependency is down', example: { status: 'unavailable', checks: { postgres: 'ok', redis: 'down' } } } },
  }), async (_req, reply) => {
    const [pg, queue] = await Promise.allSettled([
      withTimeout(opts.pool.query('SELECT 1'), 2000),
      withTimeout(opts.queueBackend.ping(), 2000),
    ]);
    const queueKey = opts.queueBackend.kind === 'redis' ? 'redis' : 'queues';
    const checks = { postgres: pg.status === 'fulfilled' ? 'ok' : 'down', [queueKey]: queue.status === 'fulfilled' ? 'ok' : 'down' };
    const ready = pg.status === 'fulfilled' && queue.status === 'fulfilled';
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });

  app.get('/metrics', docs({
    summary: 'Prometheus metrics (Bearer METRICS_TOKEN); no personal data in labels', tags,
    responses: { 200: { description: 'Prometheus text format', type: 'text/plain',
      example: '# TYPE woo_webhook_deliveries_total counter\nwoo_webhook_deliveries_total{status="accepted",reason="order.created"} 42\n' } },
  }), async (_req, reply) => {
    await opts.beforeScrape?.().catch(() => undefined);
    return reply.type(opts.metrics.registry.contentType).send(await opts.metrics.registry.metrics());
  });
}
