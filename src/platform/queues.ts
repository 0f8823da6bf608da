import { Queue, type DefaultJobOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueName } from '../jobs.js';

/**
 * Every BullMQ queue and Redis connection is built here (a later issue adds BullMQ's Postgres backend).
 * Two profiles: producers fail fast when Redis is down (the inbox keeps the delivery; the relay retries),
 * workers wait patiently for Redis to return.
 */

export const defaultJobOptions: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 5000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

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

export function createQueues(connection: Redis, prefix: string) {
  const make = (name: QueueName) => {
    const q = new Queue(name, { connection, prefix, defaultJobOptions });
    q.on('error', () => undefined);
    return q;
  };
  const queues = { mirror: make(QueueName.Mirror), maintenance: make(QueueName.Maintenance), sync: make(QueueName.Sync), mail: make(QueueName.Mail) };
  const push = { snelstart: make(QueueName.PushSnelstart), postnl: make(QueueName.PushPostnl), reviews: make(QueueName.PushReviews) };
  return {
    ...queues,
    push,
    all: [...Object.values(queues), ...Object.values(push)],
    /**
     * BullMQ waits for a connection that was never established instead of failing, even with the offline queue
     * off; producers check this first so a Redis that is down at start-up fails fast like one that went down.
     */
    isReady: () => connection.status === 'ready',
    async close() {
      await Promise.allSettled([...Object.values(queues), ...Object.values(push)].map((q) => q.close()));
    },
  };
}

export type Queues = ReturnType<typeof createQueues>;
