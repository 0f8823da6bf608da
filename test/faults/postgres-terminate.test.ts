import { useFaultWorld } from './harness/world.js';
import { paidOrders, resendUnanswered, stream } from './harness/stream.js';
import { proveExactlyOnce } from './harness/proof.js';

/**
 * Every Postgres backend of the service is terminated (pg_terminate_backend: what a failover, a restart or an admin
 * does to live connections) three times while deliveries stream in and the worker applies and pushes them. Intake
 * may answer 503 for a delivery caught mid-INSERT (it was not stored); the shop sends those again. Everything the
 * service answered 200 for must end up mirrored once, and each order pushed once. A process that crashes is restarted
 * (as docker-compose's restart policy would) and counted; the test asserts none did.
 */

const fault = useFaultWorld();

test('when Postgres backends are terminated while the worker runs, then after recovery every delivery is mirrored once and every order pushed once', async () => {
  const { w } = fault;
  const api = await w.start('api', 'api');
  await w.start('worker', 'worker');

  const deliveries = paidOrders(400, 'pgterm', { updateEvery: 5 });
  const terminations: Promise<number>[] = [];
  const first = await stream(deliveries, {
    perSecond: 40, targets: [api.url],
    at: (i) => {
      if (i === 120 || i === 240 || i === 360) terminations.push(w.db.terminateBackends());
    },
  });
  const terminated = await Promise.all(terminations);
  // Each round hit the service's connections (pool clients of the API and the worker, relay, push locks).
  expect(terminated.every((n) => n > 0)).toBe(true);

  const refused = first.filter((s) => s.status !== 200);
  const sent = await resendUnanswered(first, api.url);
  expect(sent.filter((s) => s.status !== 200)).toEqual([]);
  // A delivery answered 503 was not stored: sent again it is accepted, never a duplicate of a stored one.
  expect(sent.filter((s, i) => first[i]!.status !== 200 && s.answer !== 'accepted')).toEqual([]);

  await w.settled(deliveries.length, 90_000);
  const proof = await proveExactlyOnce(w, sent);
  expect(proof.orders).toBe(400);
  console.log('postgres-terminate', JSON.stringify({ ...proof, terminated, refused: refused.length, crashes: w.crashes }));
  // Every checkout of a pool client carries an 'error' listener (src/platform/db.ts checkout()): a terminated backend
  // fails the statement in flight, never the process — no process crashed, lost connections were replaced.
  expect(w.crashes).toEqual([]);
  fault.passed();
});
