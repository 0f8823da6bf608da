import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../setup/context.js';
import { freePort } from '../builders/private-redis.js';
import { unansweredDependencies } from '../../src/platform/dependency-check.js';

/** The worker container's health check: healthy while its Postgres and Redis answer; what does not is named. */
describe('worker health check', () => {
  test('when Postgres and Redis answer, then nothing is reported; queues in Postgres need no Redis', async () => {
    expect(await unansweredDependencies({ databaseUrl: TEST_DATABASE_URL, redisUrl: TEST_REDIS_URL })).toEqual([]);
    expect(await unansweredDependencies({ databaseUrl: TEST_DATABASE_URL, redisUrl: null })).toEqual([]);
  });

  test('when either does not answer, then it is named — by name only, never its URL', async () => {
    const closed = await freePort();
    const problems = await unansweredDependencies({
      databaseUrl: `postgres://woo:secret-pw@127.0.0.1:${closed}/woo`, redisUrl: `redis://:secret-pw@127.0.0.1:${closed}`,
    }, 1000);
    expect(problems).toEqual(['postgres', 'redis']);
    expect(JSON.stringify(problems)).not.toContain('secret-pw');
  });
});
