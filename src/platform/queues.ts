import { Queue, QueueEvents, Worker, createPostgresBackend, runMigrations, type DefaultJobOptions, type Processor, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { QueueName } from '../jobs.js';

/**
 * The one place where the job queue's backend is chosen and every BullMQ queue, worker and connection is built.
 * - Redis (REDIS_URL set): producers fail fast when Redis is down (the inbox keeps the delivery; the relay retries),
 *   workers wait patiently for Redis to return.
 * - PostgreSQL (REDIS_URL unset): BullMQ's Postgres backend on the service's own database, schema `bullmq`. Every
 *   queue, worker and event listener of the process shares ONE pg.Pool (each worker keeps one of its connections for
 *   LISTEN); see queuePoolSize for the connection budget.
 */

export const defaultJobOptions: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 5000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

export type QueueBackendKind = 'redis' | 'postgres';
export type WorkerSettings = Omit<WorkerOptions, 'connection' | 'prefix'>;

export interface QueueBackend {
  kind: QueueBackendKind;
  queue(name: QueueName): Queue;
  worker(name: QueueName, processor: Processor, opts: WorkerSettings): Worker;
  /** A blocking listener for job events (CLIs waiting for a job to finish). */
  events(name: QueueName): QueueEvents;
  /** False while a Redis producer connection is down: BullMQ would wait for it instead of failing. */
  isReady(): boolean;
  ping(): Promise<void>;
  /**
   * Cuts the workers' connection at a shutdown timeout, so the locks of jobs still running lapse and another worker
   * takes them over (Redis). The Postgres backend's locks lapse the same way once the pool closes.
   */
  cutWorkers(): void;
  /** Closes connections after every queue and worker built from this backend has been closed. */
  close(): Promise<void>;
}

/**
 * Connections of the shared queue pool: one LISTEN connection per worker (there is one worker per queue) plus these
 * many for queries. The README's connection budget adds this to the application pool.
 */
export const QUEUE_QUERY_CONNECTIONS = 8;
export const queuePoolSize = (): number => Object.keys(QueueName).length + QUEUE_QUERY_CONNECTIONS;
export const BULLMQ_SCHEMA = 'bullmq';

export function createQueueBackend(opts: { redisUrl: string | null; databaseUrl: string; prefix: string }): QueueBackend {
  return opts.redisUrl ? redisBackend(opts.redisUrl, opts.prefix) : postgresBackend(opts.databaseUrl);
}

/** BullMQ's Postgres schema is migrated explicitly at start (BullMQ never does it on its own). Idempotent, locked. */
export async function migrateQueueSchema(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await runMigrations(client, BULLMQ_SCHEMA);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function createProducerConnection(url: string): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on('error', () => undefined); // reconnects on its own; readiness and the relay report the outage
  return redis;
}

export function createWorkerConnection(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  return redis;
}

function redisBackend(url: string, prefix: string): QueueBackend {
  const producer = createProducerConnection(url);
  let workerConnection: Redis | null = null;
  const blocking: Redis[] = [];
  return {
    kind: 'redis',
    queue: (name) => new Queue(name, { connection: producer, prefix, defaultJobOptions }),
    worker(name, processor, settings) {
      workerConnection ??= createWorkerConnection(url);
      return new Worker(name, processor, { ...settings, connection: workerConnection, prefix });
    },
    events(name) {
      const connection = createWorkerConnection(url);
      blocking.push(connection);
      return new QueueEvents(name, { connection, prefix });
    },
    isReady: () => producer.status === 'ready',
    async ping() {
      await producer.ping();
    },
    cutWorkers() {
      workerConnection?.disconnect();
      workerConnection = null; // workers started later get a connection of their own
    },
    async close() {
      producer.disconnect();
      workerConnection?.disconnect();
      for (const c of blocking) c.disconnect();
    },
  };
}

function postgresBackend(databaseUrl: string): QueueBackend {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: queuePoolSize(),
    application_name: 'woo-companion-queues',
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
    keepAlive: true,
    // BullMQ's SQL names its functions unqualified; a pool we build ourselves must point search_path at its schema.
    options: `-c search_path=${BULLMQ_SCHEMA}`,
  });
  pool.on('error', () => undefined); // an idle connection lost (Postgres restart): the pool replaces it
  pool.setMaxListeners(64); // every queue and worker backend listens for the shared pool's errors
  // The Postgres-backed classes are the same classes with other type parameters; the rest of the code sees one type.
  return {
    kind: 'postgres',
    queue: (name) => new Queue(name, { connection: pool, defaultJobOptions }, createPostgresBackend) as unknown as Queue,
    worker: (name, processor, settings) =>
      new Worker(name, processor, { ...settings, connection: pool }, createPostgresBackend) as unknown as Worker,
    events: (name) => new QueueEvents(name, { connection: pool }, createPostgresBackend) as unknown as QueueEvents,
    isReady: () => true, // a failing query fails at once (connectionTimeoutMillis); nothing waits forever
    async ping() {
      await pool.query('SELECT 1');
    },
    cutWorkers: () => undefined,
    async close() {
      await pool.end().catch(() => undefined);
    },
  };
}

export function createQueues(backend: QueueBackend) {
  const make = (name: QueueName) => {
    const q = backend.queue(name);
    q.on('error', () => undefined);
    return q;
  };
  const queues = { mirror: make(QueueName.Mirror), maintenance: make(QueueName.Maintenance), sync: make(QueueName.Sync), mail: make(QueueName.Mail) };
  const push = { snelstart: make(QueueName.PushSnelstart), postnl: make(QueueName.PushPostnl), reviews: make(QueueName.PushReviews) };
  return {
    ...queues,
    push,
    backend,
    all: [...Object.values(queues), ...Object.values(push)],
    /**
     * BullMQ waits for a Redis connection that was never established instead of failing, even with the offline queue
     * off; producers check this first so a Redis that is down at start-up fails fast like one that went down.
     */
    isReady: () => backend.isReady(),
    async close() {
      await Promise.allSettled([...Object.values(queues), ...Object.values(push)].map((q) => q.close()));
    },
  };
}

export type Queues = ReturnType<typeof createQueues>;
