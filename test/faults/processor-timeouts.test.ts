import { useFaultWorld } from './harness/world.js';
import { paidOrders, stream } from './harness/stream.js';
import { proveExactlyOnce } from './harness/proof.js';

/**
 * Snelstart and PostNL store what they were sent but the answer never reaches us (or arrives after our timeout):
 * the most dangerous processor fault, because the retry cannot tell "not done" from "done, answer lost". Snelstart
 * has no idempotency key, so the push must find its booking by invoice number; a PostNL label call must reuse the
 * barcode it stored before the call, or it becomes a second parcel. Runs the all-in-one process (`npm start`).
 */

const HANGS = 6;
const fault = useFaultWorld({ env: { PROCESSOR_TIMEOUT_MS: '1000' } });

const bookingPosts = () => fault.w.snelstart.requests.filter((r) => r.method === 'POST' && r.path === '/v2/verkoopboekingen').length;

test('when Snelstart and PostNL time out after accepting, then each order is booked once and shipped as one parcel', async () => {
  const { w } = fault;
  const app = await w.start('all', 'all-in-one');

  // PostNL: the next HANGS label calls store the parcel and never answer.
  w.postnl.timeoutAfterAccept(HANGS);
  // Snelstart hangs one create at a time: arm, wait until a create consumed it, arm again. Half of them answer
  // after the client gave up (a late 201 on a socket already closed), half never.
  let armed = 0;
  const arming = (async () => {
    while (armed < HANGS) {
      const before = bookingPosts();
      w.snelstart.timeoutAfterAccept(armed % 2 ? 2500 : undefined);
      armed++;
      while (bookingPosts() === before) await new Promise((r) => setTimeout(r, 20));
    }
  })();

  const deliveries = paidOrders(60, 'timeouts', { updateEvery: 4 });
  const sent = await stream(deliveries, { perSecond: 20, targets: [app.url] });
  expect(sent.filter((s) => s.status !== 200)).toEqual([]);
  await arming;

  await w.settled(deliveries.length, 60_000);
  expect(w.crashes).toEqual([]);
  const proof = await proveExactlyOnce(w, sent);
  expect(proof.orders).toBe(60);
  // Every hang happened and was retried: the label calls that got no answer were made again with the same barcode.
  expect(proof.labelCalls).toBe(60 + HANGS);
  expect(w.postnl.state.barcodesIssued).toHaveLength(60);
  const [retried] = await w.db.query<{ snelstart: number; postnl: number }>(`
    SELECT count(*) FILTER (WHERE processor = 'snelstart' AND attempts >= 2)::int AS snelstart,
           count(*) FILTER (WHERE processor = 'postnl' AND attempts >= 2)::int AS postnl
    FROM processor_syncs`);
  expect(retried).toEqual({ snelstart: HANGS, postnl: HANGS });
  console.log('processor-timeouts', JSON.stringify({ ...proof, retried }));
  fault.passed();
});
