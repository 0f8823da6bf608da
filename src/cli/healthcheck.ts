import { loadDotEnv } from '../config.js';
import { unansweredDependencies } from '../platform/dependency-check.js';

/**
 * `node dist/src/cli/healthcheck.js`: the worker container's health check (docker-compose.yml). Exit 0 when its
 * Postgres and Redis answer, 1 naming what does not (the worker has no HTTP port of its own to ask).
 */
loadDotEnv();
const problems = await unansweredDependencies({ databaseUrl: process.env.DATABASE_URL || null, redisUrl: process.env.REDIS_URL || null });
if (problems.length) console.error(`woo-companion worker: not answering: ${problems.join(', ')}`);
process.exit(problems.length ? 1 : 0);
