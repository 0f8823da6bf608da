import Fastify, { type FastifyInstance } from 'fastify';
import type { ChildMessage } from './common.js';

/** The service's modules, loaded only by the modes that run it: the bare process stays bare (its RSS is a baseline). */
async function service() {
  const [{ createDeps }, { buildApp }, { createLogger }, { startWorkers }, { benchConfig, schemaPool }] = await Promise.all([
    import('../src/deps.js'), import('../src/app.js'), import('../src/platform/logger.js'), import('../workers/start.js'), import('./common.js'),
  ]);
  return { createDeps, buildApp, createLogger, startWorkers, benchConfig, schemaPool };
}

/**
 * The processes under test, started by bench/run.ts with fork() so the load generator never shares their event
 * loop (it still shares the machine's cores):
 *   app    — the real API (buildApp + createDeps) on 127.0.0.1:<random>; no workers; the relay runs as in start:api
 *            unless BENCH_INTAKE_RELAY=0.
 *   bare   — a bare Fastify route that reads the same body as raw bytes and answers 200.
 *   naive, floor — the reference servers of bench/intake-references.ts.
 *   worker — relay + BullMQ worker(s) as `npm run start:worker` runs them, started when the parent says "go".
 * Each reports over IPC and shuts down gracefully on "stop".
 */

const mode = process.argv[2];
const schema = process.env.BENCH_SCHEMA ?? '';
const prefix = process.env.BENCH_QUEUE_PREFIX ?? '';
const send = (m: ChildMessage) => process.send?.(m);

function onceMessage(type: string): Promise<void> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if ((m as { type?: string }).type === type) {
        process.off('message', on);
        resolve();
      }
    };
    process.on('message', on);
  });
}

async function bare(): Promise<void> {
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/webhooks/woocommerce', async (req, reply) => {
    const body = req.body as Buffer;
    return reply.status(200).send({ status: 'accepted', bytes: body.length });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  send({ type: 'listening', port: (app.server.address() as { port: number }).port });
  await onceMessage('stop');
  await app.close();
}

async function api(): Promise<void> {
  const { createDeps, buildApp, createLogger, benchConfig, schemaPool } = await service();
  const config = benchConfig(prefix);
  const log = createLogger(config.logLevel);
  const pool = schemaPool(schema, 20);
  const deps = createDeps(config, log, { pool });
  const app = await buildApp(deps);
  if (process.env.BENCH_INTAKE_RELAY !== '0') deps.relay.start();
  await app.listen({ port: 0, host: '127.0.0.1' });
  send({ type: 'listening', port: (app.server.address() as { port: number }).port });
  await onceMessage('stop');
  await app.close();
  await deps.close();
  await pool.end();
}

async function worker(): Promise<void> {
  const { createDeps, createLogger, startWorkers, benchConfig, schemaPool } = await service();
  const config = benchConfig(prefix);
  const log = createLogger(config.logLevel);
  const pool = schemaPool(schema, 20);
  const deps = createDeps(config, log, { pool });
  await pool.query('SELECT 1'); // connect before the clock starts
  send({ type: 'started' });
  await onceMessage('go');
  send({ type: 'starting' });
  const workers = await startWorkers(deps, { schedules: false });
  deps.relay.start();
  await onceMessage('stop');
  await workers.close();
  await deps.close();
  await pool.end();
}

async function reference(kind: 'naive' | 'floor'): Promise<void> {
  const { naiveServer, floorServer } = await import('./intake-references.js');
  const { schemaPool } = await import('./common.js');
  const pool = kind === 'floor' ? schemaPool(schema, 20) : null;
  const naive = kind === 'naive' ? naiveServer(prefix) : null;
  const app = naive ? naive.app : await floorServer(pool!);
  await app.listen({ port: 0, host: '127.0.0.1' });
  send({ type: 'listening', port: (app.server.address() as { port: number }).port });
  await onceMessage('stop');
  await app.close();
  await naive?.close();
  await pool?.end();
}

const run = { app: api, bare, worker, naive: () => reference('naive'), floor: () => reference('floor') }[mode ?? ''];
if (!run) {
  console.error(`bench/child: unknown mode "${mode}"`);
  process.exit(2);
}
run()
  .then(() => {
    send({ type: 'closed' });
    process.disconnect?.();
  })
  .catch((err: unknown) => {
    send({ type: 'error', message: (err as Error).stack ?? String(err) });
    process.exitCode = 1;
    process.disconnect?.();
  });
