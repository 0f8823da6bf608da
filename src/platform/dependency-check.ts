import pg from 'pg';
import { Redis } from 'ioredis';

/**
 * Whether the services a process depends on answer: Postgres (`SELECT 1`) and, when the queues are in Redis, Redis
 * (`PING`), each within `timeoutMs`. Returns what does not answer, by name only (never a URL: it carries a password).
 * The worker container's health check (src/cli/healthcheck.ts): a worker that lost its database or queue is unhealthy.
 */
export async function unansweredDependencies(urls: { databaseUrl: string | null; redisUrl: string | null }, timeoutMs = 3000): Promise<string[]> {
  const within = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), timeoutMs).unref())]);
  const problems: string[] = [];
  if (urls.databaseUrl) {
    const client = new pg.Client({ connectionString: urls.databaseUrl, connectionTimeoutMillis: timeoutMs });
    try {
      await within(client.connect().then(() => client.query('SELECT 1')));
    } catch {
      problems.push('postgres');
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  if (urls.redisUrl) {
    const redis = new Redis(urls.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await within(redis.connect().then(() => redis.ping()));
    } catch {
      problems.push('redis');
    } finally {
      redis.disconnect();
    }
  }
  return problems;
}
