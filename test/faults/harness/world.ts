import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, SHOP, WEBHOOK_SECRET } from '../../setup/context.js';
import { type FakeSnelstart, startFakeSnelstart } from '../../fakes/snelstart.js';
import { type FakePostnl, startFakePostnl } from '../../fakes/postnl.js';
import { LEDGERS } from '../../processors/world.js';
import { type AofRedis, startAofRedis } from './aof-redis.js';
import { type FaultDatabase, createFaultDatabase } from './fault-db.js';
import { type Service, type ServiceKind, startService } from './services.js';

/**
 * Everything one fault test owns: a directory, a redis-server with AOF, a database, the Snelstart and PostNL fakes,
 * and the service processes it starts. Processors are configured through the same environment variables an operator
 * sets, so every test also pushes each paid order to both fakes and the proof can count what they received.
 */

function lastError(logFile: string): string {
  const line = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.startsWith('{"level":50') || l.startsWith('{"level":60')).pop();
  if (!line) return 'no error logged';
  const j = JSON.parse(line) as { msg?: string; err?: { type?: string; code?: string } };
  return `${j.msg ?? ''} (${j.err?.type ?? '?'} ${j.err?.code ?? ''})`.trim();
}

/** A service process that exited without the test asking it to; the supervisor started it again. */
export interface Crash {
  name: string;
  exit: string;
  /** The last error-level log line's message and error type/code (never a payload). */
  reason: string;
}

export interface FaultWorld {
  dir: string;
  redis: AofRedis;
  db: FaultDatabase;
  snelstart: FakeSnelstart;
  postnl: FakePostnl;
  services: Service[];
  /**
   * Crashes seen so far. Like docker-compose's `restart: unless-stopped`, the world restarts a crashed process
   * (same name, same port), so a test can still prove nothing was lost, and separately assert that nothing crashed.
   */
  crashes: Crash[];
  start(kind: ServiceKind, name: string, env?: Record<string, string>): Promise<Service>;
  /** Waits until every inbox row is processed and no push is pending; throws with the backlog after timeoutMs. */
  settled(expectedInbox: number, timeoutMs: number): Promise<void>;
  /** Stops the services and the fakes, drops the database, stops Redis; keeps the directory if the test failed. */
  close(failed: boolean): Promise<void>;
}

export async function startFaultWorld(o: { env?: Record<string, string> } = {}): Promise<FaultWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'woo-fault-'));
  const [redis, db, snelstart, postnl] = await Promise.all([
    startAofRedis(join(dir, 'redis')), createFaultDatabase(), startFakeSnelstart(), startFakePostnl(),
  ]);
  const env: Record<string, string> = {
    NODE_ENV: 'production', LOG_LEVEL: 'info', HOST: '127.0.0.1', DATA_DIR: join(dir, 'data'),
    DATABASE_URL: db.url, REDIS_URL: redis.url,
    WC_WEBHOOK_SECRET: WEBHOOK_SECRET, ADMIN_TOKEN, PSEUDONYM_KEY: 'fault-pseudonym-key-0123456789abcdef0123',
    WC_SOURCE_ALLOWLIST: SHOP, MIRROR_CONCURRENCY: '20', SHUTDOWN_TIMEOUT_MS: '5000',
    PROCESSORS_START_AT: '2020-01-01T00:00:00Z', PROCESSOR_TIMEOUT_MS: '5000',
    SNELSTART_API_URL: snelstart.url, SNELSTART_AUTH_URL: `${snelstart.url}/b2b/token`,
    SNELSTART_CLIENT_KEY: snelstart.state.clientKey, SNELSTART_SUBSCRIPTION_KEY: snelstart.state.subscriptionKey,
    SNELSTART_RELATION_ID: snelstart.collectiveRelationId, SNELSTART_RATE_PER_MINUTE: '6000',
    SNELSTART_LEDGER_HIGH: LEDGERS.high, SNELSTART_LEDGER_LOW: LEDGERS.low, SNELSTART_LEDGER_ZERO: LEDGERS.zero,
    POSTNL_API_URL: postnl.url, POSTNL_API_KEY: postnl.apiKey, POSTNL_CUSTOMER_CODE: postnl.customerCode,
    POSTNL_CUSTOMER_NUMBER: postnl.customerNumber, POSTNL_SENDER_NAME: 'Webwinkel BV', POSTNL_SENDER_STREET: 'Siriusdreef',
    POSTNL_SENDER_HOUSE_NR: '42', POSTNL_SENDER_POSTCODE: '2132WT', POSTNL_SENDER_CITY: 'Hoofddorp', POSTNL_RATE_PER_MINUTE: '6000',
    ...o.env,
  };
  const services: Service[] = [];
  const crashes: Crash[] = [];
  let closing = false;
  const launch = async (kind: ServiceKind, name: string, extra: Record<string, string>, port?: number): Promise<Service> => {
    const s = await startService(kind, name, dir, { ...env, ...extra }, port);
    services.push(s);
    if (closing) await s.stop(); // a restart that finished while the test was closing the world
    void s.exited.then(async (code) => {
      if (s.deliberate || closing) return;
      crashes.push({ name, exit: String(code ?? s.proc.signalCode), reason: lastError(s.logFile) });
      await launch(kind, name, extra, s.port || undefined).catch((err: Error) => crashes.push({ name, exit: 'restart failed', reason: err.message.split('\n')[0]! }));
    });
    return s;
  };
  try {
    // Migrations first (as before a rolling start), then the triggers the proof reads.
    await startService('migrate', 'migrate', dir, env);
    await db.installWriteLog();
  } catch (err) {
    await Promise.allSettled([snelstart.close(), postnl.close(), db.drop(), redis.stop('SIGTERM')]);
    throw err;
  }

  return {
    dir, redis, db, snelstart, postnl, services, crashes,
    start: (kind, name, extra = {}) => launch(kind, name, extra),
    async settled(expectedInbox, timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const [r] = await db.query<{ inbox: number; unprocessed: number; pushes: number; pending: number }>(`
          SELECT (SELECT count(*) FROM webhook_inbox)::int AS inbox,
                 (SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL)::int AS unprocessed,
                 (SELECT count(*) FROM processor_syncs)::int AS pushes,
                 (SELECT count(*) FROM processor_syncs WHERE status = 'pending')::int AS pending`);
        if (r!.inbox >= expectedInbox && r!.unprocessed === 0 && r!.pending === 0) return;
        if (Date.now() > until) throw new Error(`not settled after ${timeoutMs} ms: ${JSON.stringify(r)} (expected ${expectedInbox} inbox rows); logs in ${dir}`);
        await new Promise((res) => setTimeout(res, 250));
      }
    },
    async close(failed) {
      closing = true;
      await Promise.all(services.map((s) => s.stop(10_000)));
      await Promise.all([snelstart.close(), postnl.close()]);
      await db.drop();
      await redis.stop('SIGTERM');
      if (failed) console.error(`fault test failed: service logs kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One fault world per test file: started before its tests, closed after them. Its processes' logs are kept (and
 * their folder printed) unless every test reached `passed()`.
 */
export function useFaultWorld(o: { env?: Record<string, string> } = {}): { readonly w: FaultWorld; passed(): void } {
  let world: FaultWorld | undefined;
  let failed = true;
  beforeAll(async () => {
    world = await startFaultWorld(o);
  }, 60_000);
  afterAll(async () => world?.close(failed), 60_000);
  return {
    get w() {
      if (!world) throw new Error('the fault world did not start');
      return world;
    },
    passed() {
      failed = false;
    },
  };
}
