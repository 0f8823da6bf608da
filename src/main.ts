import closeWithGrace from 'close-with-grace';
import { startRuntimeOrExit, startupBanner } from './bootstrap.js';
import { createDeps } from './deps.js';
import { buildApp } from './app.js';
import { safeError } from './platform/logger.js';
import { startWorkers } from '../workers/start.js';

/**
 * `node dist/src/main.js [all|api|migrate]` — `npm start` runs everything in one process (migrations, API,
 * workers, schedulers); `npm run start:api` the API alone; `npm run migrate` only the migrations.
 * With DATABASE_URL and REDIS_URL unset, `npm start` is zero-setup mode: embedded Postgres, queues in Postgres.
 */
const mode = process.argv[2] ?? 'all';
if (mode !== 'all' && mode !== 'api' && mode !== 'migrate') {
  console.error(`woo-companion: unknown mode "${mode}" (expected all, api or migrate)`);
  process.exit(2);
}

const { config, log, embedded } = await startRuntimeOrExit(mode);
if (mode === 'migrate') {
  await embedded?.stop();
  process.exit(0);
}

const deps = createDeps(config, log);
const app = await buildApp(deps);
const workers = mode === 'all' ? await startWorkers(deps) : null;
deps.relay.start();

closeWithGrace({ delay: config.shutdownTimeoutMs + 5000 }, async ({ signal, err }) => {
  if (err) log.error({ err: safeError(err) }, 'shutting down after an error');
  else log.info({ signal }, 'shutting down');
  await app.close(); // stop accepting; in-flight requests finish; pending inbox inserts commit
  await deps.relay.stop(); // hands the last commits' ids to the queue (or back to the inbox) before the long wait below
  await workers?.close();
  await deps.close();
  await embedded?.stop(); // last: everything above still needed the database
});

const address = await app.listen({ port: config.port, host: config.host }).catch((err: NodeJS.ErrnoException) => {
  // Name the variables to fix; the rethrow then shuts down gracefully (close-with-grace) and exits non-zero.
  const why = err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'ENOTFOUND' || err.code === 'EADDRNOTAVAIL' ? 'no such local address' : err.code ?? 'error';
  console.error(`woo-companion: cannot listen on HOST=${config.host} PORT=${config.port}: ${why}`);
  throw err;
});
if (mode === 'all') process.stderr.write(`${startupBanner(config, embedded, address)}\n`);
