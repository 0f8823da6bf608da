import { useFaultWorld } from './harness/world.js';
import { paidOrders, post, stream } from './harness/stream.js';
import { proveExactlyOnce } from './harness/proof.js';

/**
 * The scale-out shape: two API processes and two worker processes on one Redis and one Postgres. Deliveries are
 * split across both APIs (an update may reach the other API than its order's creation), and some deliveries reach
 * both APIs at once, as a load balancer retrying after a slow answer would send them.
 */

const fault = useFaultWorld();

test('when two APIs and two workers share Redis and Postgres, then every delivery answered 200 is mirrored once and pushed once', async () => {
  const { w } = fault;
  const [apiA, apiB] = await Promise.all([w.start('api', 'api-a'), w.start('api', 'api-b')]);
  await Promise.all([w.start('worker', 'worker-a'), w.start('worker', 'worker-b')]);

  const deliveries = paidOrders(400, 'scale', { updateEvery: 5 });
  const sent = await stream(deliveries, { perSecond: 80, targets: [apiA!.url, apiB!.url] });
  // The same bytes to both APIs at the same moment: one stores it, the other answers duplicate.
  const twice = paidOrders(20, 'twice');
  const pairs = await Promise.all(twice.map((d) => Promise.all([post(apiA!.url, d), post(apiB!.url, d)])));
  expect(pairs.map((p) => p.map((s) => s.answer).sort().join('+'))).toEqual(twice.map(() => 'accepted+duplicate'));

  const all = [...sent, ...pairs.flat()];
  expect(all.filter((s) => s.status !== 200)).toEqual([]);
  await w.settled(deliveries.length + twice.length, 60_000);
  expect(w.crashes).toEqual([]);
  const proof = await proveExactlyOnce(w, all);
  expect(proof.orders).toBe(420);
  console.log('scale-out', JSON.stringify(proof));

  // The proof itself can fail: each kind of evidence of "twice" or "lost", planted on purpose, is caught.
  const bookings = w.snelstart.state.bookings;
  bookings.push({ ...bookings[0]! }); // a booking made twice
  await expect(proveExactlyOnce(w, all)).rejects.toThrow();
  bookings.pop();
  await w.db.query('INSERT INTO fault_order_writes (wc_order_id, inbox_id, op) SELECT wc_order_id, inbox_id, op FROM fault_order_writes LIMIT 1');
  await expect(proveExactlyOnce(w, all)).rejects.toThrow(); // a delivery written twice
  await w.db.query('DELETE FROM fault_order_writes WHERE ctid = (SELECT max(ctid) FROM fault_order_writes)');
  const lost = { ...all[0]!, wcOrderId: 999_999, answer: 'accepted' };
  await expect(proveExactlyOnce(w, [...all, lost])).rejects.toThrow(); // a delivery answered 200 but never mirrored
  await expect(proveExactlyOnce(w, all)).resolves.toEqual(proof);
  fault.passed();
});
