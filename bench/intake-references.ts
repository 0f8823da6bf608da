import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createBatcher } from '../src/platform/batcher.js';
import type { Pool } from '../src/platform/db.js';
import { REDIS_URL } from './common.js';
import { WEBHOOK_SECRET } from './fixtures.js';

/**
 * Two reference servers that put the intake figure in context, measured in the same run (bench/child.ts runs them):
 *
 * naive — the "naive verify-parse-`queue.add`": HMAC check, JSON.parse, one BullMQ add per request. It never
 *         touches Postgres, so a 200 from it promises nothing durable; the issue quotes it at ~26 % of bare Fastify.
 * floor — the least any intake can do that keeps "a 200 means committed to Postgres": HMAC check, JSON.parse, then
 *         the same micro-batching into one INSERT … ON CONFLICT per batch, into a table of (id, key, body) with a
 *         single unique index. No source/topic checks, no metrics, no logs, no relay, no security headers.
 *
 * Neither is a design to ship; they bound what the 40 % target asks of this machine.
 */

function server(): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  return app;
}

/** The HMAC of the body if the signature matches it, else null. */
function verified(body: Buffer, signature: string | string[] | undefined): Buffer | null {
  const mac = createHmac('sha256', WEBHOOK_SECRET).update(body).digest();
  const sig = Buffer.from(String(signature ?? ''), 'base64');
  return sig.length === mac.length && timingSafeEqual(sig, mac) ? mac : null;
}

export function naiveServer(queuePrefix: string): { app: FastifyInstance; close(): Promise<void> } {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('naive-intake', { connection, prefix: queuePrefix });
  const app = server();
  app.post('/webhooks/woocommerce', async (req, reply) => {
    const body = req.body as Buffer;
    if (!verified(body, req.headers['x-wc-webhook-signature'])) return reply.status(401).send({ error: 'invalid_signature' });
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return reply.status(400).send({ error: 'invalid_json' });
    }
    await queue.add('delivery', parsed, { removeOnComplete: true });
    return reply.status(200).send({ status: 'accepted' });
  });
  return {
    app,
    async close() {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      connection.disconnect();
    },
  };
}

export async function floorServer(pool: Pool): Promise<FastifyInstance> {
  await pool.query('CREATE TABLE IF NOT EXISTS floor_inbox (id bigserial PRIMARY KEY, key bytea NOT NULL UNIQUE, body bytea NOT NULL)');
  const sql = (n: number) => `INSERT INTO floor_inbox (key, body) VALUES ${Array.from({ length: n }, (_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ')}
    ON CONFLICT (key) DO NOTHING RETURNING key`;
  // The service's own batcher settings (src/intake/intake.service.ts), so batch sizes match.
  const batcher = createBatcher<{ key: Buffer; body: Buffer }, boolean>({
    maxSize: 200, concurrency: 4, minBatch: 8,
    run: async (items) => {
      const { rows } = await pool.query<{ key: Buffer }>({ name: `floor_${items.length}`, text: sql(items.length), values: items.flatMap((i) => [i.key, i.body]) });
      const fresh = new Set(rows.map((r) => r.key.toString('latin1')));
      return items.map((i) => fresh.has(i.key.toString('latin1')));
    },
  });
  const app = server();
  // Dropped on close, as the naive server obliterates its queue: autovacuum on ~70,000 left-over rows would share the
  // cores with the next server's run.
  app.addHook('onClose', async () => {
    await pool.query('DROP TABLE IF EXISTS floor_inbox');
  });
  app.post('/webhooks/woocommerce', async (req, reply) => {
    const body = req.body as Buffer;
    const mac = verified(body, req.headers['x-wc-webhook-signature']);
    if (!mac) return reply.status(401).send({ error: 'invalid_signature' });
    try {
      JSON.parse(body.toString('utf8'));
    } catch {
      return reply.status(400).send({ error: 'invalid_json' });
    }
    return reply.status(200).send({ status: (await batcher.add({ key: mac, body })) ? 'accepted' : 'duplicate' });
  });
  return app;
}
