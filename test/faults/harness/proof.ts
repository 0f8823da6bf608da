import { readFileSync } from 'node:fs';
import type { FaultWorld } from './world.js';
import type { Sent } from './stream.js';

/**
 * The counts every fault test ends with. "Once" is read from committed effects, not from the service's own claims:
 * the triggers of fault-db.ts (each recorded outcome, each order write), the mirror's rows, and what the processor
 * fakes hold. Returns the figures so a test can log them and add its own expectations.
 */

export interface Proof {
  answered200: number;
  inboxRows: number;
  orders: number;
  orderWrites: number;
  outcomes: Record<string, number>;
  bookings: number;
  bookingPosts: number;
  parcels: number;
  labelCalls: number;
}

export async function proveExactlyOnce(w: FaultWorld, sent: Sent[]): Promise<Proof> {
  const accepted = sent.filter((s) => s.status === 200);
  // Every order with at least one delivery answered 200 must be mirrored, at the newest version answered 200.
  const newest = new Map<number, Sent>();
  for (const s of accepted) if (!newest.has(s.wcOrderId) || newest.get(s.wcOrderId)!.modified < s.modified) newest.set(s.wcOrderId, s);
  const ids = [...newest.keys()];

  // 1. Each delivery answered 200 "accepted" is one inbox row; each processed once, with one recorded outcome.
  const inbox = await w.db.query<{ id: number; outcome: string | null; recorded: number }>(`
    SELECT i.id, i.outcome, (SELECT count(*) FROM fault_inbox_outcomes f WHERE f.inbox_id = i.id)::int AS recorded
    FROM webhook_inbox i ORDER BY i.id`);
  expect(inbox).toHaveLength(accepted.filter((s) => s.answer === 'accepted').length);
  expect(inbox.filter((r) => r.recorded !== 1)).toEqual([]);
  const outcomes: Record<string, number> = {};
  for (const r of inbox) outcomes[r.outcome ?? 'unprocessed'] = (outcomes[r.outcome ?? 'unprocessed'] ?? 0) + 1;
  expect(Object.keys(outcomes).filter((k) => k !== 'applied' && k !== 'stale')).toEqual([]);

  // 2. No delivery written twice: an order row carries the inbox id of the delivery that wrote it.
  const writes = await w.db.query<{ inbox_id: number; n: number; outcome: string | null }>(`
    SELECT f.inbox_id, count(*)::int AS n, max(i.outcome) AS outcome
    FROM fault_order_writes f LEFT JOIN webhook_inbox i ON i.id = f.inbox_id GROUP BY f.inbox_id`);
  expect(writes.filter((r) => r.n !== 1 || r.outcome !== 'applied')).toEqual([]);

  // 3. One order row per order answered 200 (and no other), at its newest version, with its one product line.
  const orders = await w.db.query<{ wc_order_id: number; modified: string; emails: number; lines: number; status: string }>(`
    SELECT o.wc_order_id, to_char(o.date_modified_gmt AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS modified, o.status,
           (SELECT count(*) FROM person_emails e WHERE e.person_id = o.person_id)::int AS emails,
           (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id AND l.kind = 'product')::int AS lines
    FROM orders o`);
  expect(orders.map((o) => o.wc_order_id).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
  const wrong = orders.filter((o) => o.modified !== newest.get(o.wc_order_id)!.modified || o.lines !== 1 || o.emails !== 1);
  expect(wrong).toEqual([]);

  // 4. Each order pushed once: one done booking and one done shipment per order, matching what the fakes hold.
  const syncs = await w.db.query<{ wc_order_id: number; number: string; processor: string; status: string; external_id: string | null }>(`
    SELECT o.wc_order_id, o.number, s.processor, s.status, s.external_id FROM processor_syncs s JOIN orders o ON o.id = s.order_id`);
  expect(syncs.filter((s) => s.status !== 'done')).toEqual([]);
  const bookingsOf = new Map<string, { id: unknown }[]>();
  for (const b of w.snelstart.state.bookings) bookingsOf.set(String(b.factuurnummer), [...(bookingsOf.get(String(b.factuurnummer)) ?? []), b as { id: unknown }]);
  const bookingPosts = w.snelstart.requests.filter((r) => r.method === 'POST' && r.path === '/v2/verkoopboekingen');
  const parcels = [...w.postnl.state.parcels.values()];
  const badPushes: string[] = [];
  for (const o of orders) {
    const mine = syncs.filter((s) => s.wc_order_id === o.wc_order_id);
    const booking = mine.filter((s) => s.processor === 'snelstart');
    const shipment = mine.filter((s) => s.processor === 'postnl');
    const booked = bookingsOf.get(`WC-${o.wc_order_id}`) ?? [];
    const shipped = parcels.filter((p) => p.reference === String(o.wc_order_id));
    if (booking.length !== 1 || booked.length !== 1 || booking[0]!.external_id !== booked[0]!.id) badPushes.push(`${o.wc_order_id}: ${booked.length} bookings`);
    if (shipment.length !== 1 || shipped.length !== 1 || shipment[0]!.external_id !== shipped[0]!.barcode) badPushes.push(`${o.wc_order_id}: ${shipped.length} parcels`);
  }
  expect(badPushes).toEqual([]);
  expect(w.snelstart.state.bookings).toHaveLength(orders.length);
  expect(bookingPosts).toHaveLength(orders.length); // looked up before every create: never posted twice
  expect(w.postnl.parcelCount()).toBe(orders.length);

  // 5. P1: whatever went wrong, no log line of any process carries a customer's email address.
  const emails = new Set(sent.map((s) => s.email));
  for (const s of w.services) {
    const log = readFileSync(s.logFile, 'utf8');
    expect([...emails].filter((e) => log.includes(e))).toEqual([]);
  }

  const orderWrites = writes.reduce((n, r) => n + r.n, 0);
  return {
    answered200: accepted.length, inboxRows: inbox.length, orders: orders.length, orderWrites, outcomes,
    bookings: w.snelstart.state.bookings.length, bookingPosts: bookingPosts.length, parcels: w.postnl.parcelCount(),
    labelCalls: w.postnl.requests.filter((r) => r.path === '/shipment/v2_2/label').length,
  };
}
