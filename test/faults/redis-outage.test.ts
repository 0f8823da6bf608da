import { useFaultWorld } from './harness/world.js';
import { paidOrders, stream } from './harness/stream.js';
import { proveExactlyOnce } from './harness/proof.js';

/**
 * Redis crashes (SIGKILL: no final AOF rewrite, the last second of writes may be gone) in the middle of a steady
 * stream of deliveries, stays down for 30 s, and comes back on the same port from its AOF. Intake answers 200 from
 * Postgres alone the whole time; the relay re-relays what Redis may have lost; workers reconnect by themselves.
 */

const OUTAGE_MS = 30_000;
const fault = useFaultWorld();

test('when Redis is down for 30 s during a steady stream, then every delivery is answered 200 and mirrored once, and every order pushed once', async () => {
  const { w } = fault;
  const api = await w.start('api', 'api');
  await w.start('worker', 'worker');

  // 10 deliveries/s for 45 s: 7.5 s with Redis, 30 s without, 7.5 s after it returned.
  const deliveries = paidOrders(375, 'redis', { updateEvery: 5 });
  const perSecond = deliveries.length / 45;
  let outage: Promise<void> | null = null;
  const readiness: number[] = [];
  let downAt = 0;
  let upAt = 0;
  let completedAfterRestart = 0;
  const sent = await stream(deliveries, {
    perSecond, targets: [api.url],
    at: (_i, elapsed) => {
      if (!outage && elapsed >= 7_500) {
        downAt = Date.now();
        outage = (async () => {
          await w.redis.stop('SIGKILL');
          await new Promise((r) => setTimeout(r, 10_000));
          readiness.push((await fetch(`${api.url}/readyz`)).status); // the API says Redis is down…
          await new Promise((r) => setTimeout(r, OUTAGE_MS - 10_000));
          await w.redis.start();
          upAt = Date.now();
          const redis = w.redis.client();
          completedAfterRestart = await redis.zcard('woo:mirror:completed'); // the AOF brought the queue back
          redis.disconnect();
        })();
      }
    },
  });
  await outage;
  expect(upAt - downAt).toBeGreaterThanOrEqual(OUTAGE_MS);
  expect(readiness).toEqual([503]);
  expect(completedAfterRestart).toBeGreaterThan(0);
  expect(sent.filter((s) => s.status !== 200)).toEqual([]); // …but intake never failed

  await w.settled(deliveries.length, 90_000);
  const recoveredInMs = Date.now() - upAt;
  expect(w.crashes).toEqual([]);
  const proof = await proveExactlyOnce(w, sent);
  expect(proof.orders).toBe(375);
  console.log('redis-outage', JSON.stringify({ ...proof, recoveredInMs, completedAfterRestart }));
  fault.passed();
});
