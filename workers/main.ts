import closeWithGrace from 'close-with-grace';
import { startRuntimeOrExit } from '../src/bootstrap.js';
import { createDeps } from '../src/deps.js';
import { safeError } from '../src/platform/logger.js';
import { startWorkers } from './start.js';

/** Worker process (`npm run start:worker`): every queue's workers, the schedulers, and a relay safety net. */
const { config, log } = await startRuntimeOrExit('worker');
const deps = createDeps(config, log);
const workers = await startWorkers(deps);
deps.relay.start();

closeWithGrace({ delay: config.shutdownTimeoutMs + 5000 }, async ({ signal, err }) => {
  if (err) log.error({ err: safeError(err) }, 'worker shutting down after an error');
  else log.info({ signal }, 'worker shutting down');
  await workers.close();
  await deps.close();
});
