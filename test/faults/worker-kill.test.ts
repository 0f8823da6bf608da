import { useFaultWorld } from './harness/world.js';
import { paidOrders, stream } from './harness/stream.js';
import { proveExactlyOnce } from './harness/proof.js';

/**
 * A worker process is killed with SIGKILL while it holds mirror jobs (and push jobs) mid-batch: no shutdown hook, its
 * open transaction is rolled back by Postgres, its jobs stay "active" in Redis with locks nobody renews. A second
 * worker process, started after the kill, finds them through BullMQ's stalled-job check and runs them again. The kill
 * lands while Snelstart and PostNL have accepted a push whose answer the dead worker never saw.
 */

const fault = useFaultWorld();

const ACTIVE = ['mirror', 'push-snelstart', 'push-postnl'];
const bookingRequests = () => fault.w.snelstart.requests.filter((r) => r.method === 'POST' && r.path === '/v2/verkoopboekingen');
const labelRequests = () => fault.w.postnl.requests.filter((r) => r.path === '/shipment/v2_2/label');
const bookingPosts = () => bookingRequests().length;
const labelCalls = () => labelRequests().length;

test('when a worker is killed mid-batch, then another worker takes over its stalled jobs and every delivery is mirrored once and pushed once', async () => {
  const { w } = fault;
  const api = await w.start('api', 'api');
  const first = await w.start('worker', 'worker-1');
  const redis = w.redis.client();

  let takeover: Promise<void> | null = null;
  const atKill: Record<string, number> = {};
  let killedAt = 0;
  const hung = { barcode: '', invoice: '' };
  const deliveries = paidOrders(500, 'kill', { updateEvery: 5 });
  const sent = await stream(deliveries, {
    perSecond: 60, targets: [api.url],
    at: (i) => {
      if (i !== 200) return;
      takeover = (async () => {
        // Kill while Snelstart and PostNL hold a request they accepted but have not answered (stored: a booking, a
        // parcel) and while the worker provably holds mirror jobs (they are in the queue's active list).
        const [posts, labels] = [bookingPosts(), labelCalls()];
        w.snelstart.timeoutAfterAccept();
        w.postnl.timeoutAfterAccept(1);
        const until = Date.now() + 10_000;
        const ready = async () => bookingPosts() > posts && labelCalls() > labels && (await redis.llen('woo:mirror:active')) > 0;
        while (!(await ready()) && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
        atKill.acceptedUnanswered = Number(bookingPosts() > posts) + Number(labelCalls() > labels);
        hung.barcode = (labelRequests()[labels]?.body as { Shipments: { Barcode: string }[] } | undefined)?.Shipments[0]?.Barcode ?? '';
        hung.invoice = (bookingRequests()[posts]?.body as { factuurnummer?: string } | undefined)?.factuurnummer ?? '';
        await first.kill();
        killedAt = Date.now();
        for (const q of ACTIVE) atKill[q] = await redis.llen(`woo:${q}:active`);
        const [r] = await w.db.query<{ unprocessed: number }>('SELECT count(*)::int AS unprocessed FROM webhook_inbox WHERE processed_at IS NULL');
        atKill.unprocessedInbox = r!.unprocessed;
        await w.start('worker', 'worker-2');
      })();
    },
  });
  await takeover;
  redis.disconnect();
  expect(first.proc.signalCode).toBe('SIGKILL');
  expect(atKill.mirror).toBeGreaterThan(0); // jobs were left active by the dead worker: the takeover is real
  expect(atKill.acceptedUnanswered).toBe(2); // a booking and a parcel stored, their answers never reached the worker
  expect(sent.filter((s) => s.status !== 200)).toEqual([]);

  // BullMQ's lock (30 s) must lapse and a stalled check (every 30 s) must see it: up to about a minute.
  await w.settled(deliveries.length, 120_000);
  const recoveredInMs = Date.now() - killedAt;
  expect(w.crashes).toEqual([]);
  const proof = await proveExactlyOnce(w, sent);
  expect(proof.orders).toBe(500);
  // The unanswered label call was made again by the second worker with the barcode stored before it: one parcel.
  expect(w.postnl.state.parcels.get(hung.barcode)?.labelCalls).toBe(2);
  // The unanswered booking was found by its invoice number instead of being posted again.
  expect(bookingRequests().filter((r) => (r.body as { factuurnummer?: string }).factuurnummer === hung.invoice)).toHaveLength(1);
  console.log('worker-kill', JSON.stringify({ ...proof, atKill, recoveredInMs }));
  fault.passed();
});
