import { aDelivery } from '../../builders/webhooks.js';
import { anOrder } from '../../builders/woocommerce.js';

/**
 * Realistic signed WooCommerce deliveries posted over HTTP to the running API processes at a steady rate.
 * Paid orders (processing, shipped by PostNL) so each calls for one Snelstart booking and one PostNL parcel; every
 * `updateEvery`-th order is delivered again later as order.updated (completed, a minute newer), so the proof can
 * check the mirror kept the newest version of each order.
 */

export interface Sent {
  wcOrderId: number;
  topic: 'order.created' | 'order.updated';
  /** date_modified_gmt of this version. */
  modified: string;
  email: string;
  body: unknown;
  /** HTTP status, or 0 when the request itself failed (connection refused, reset). */
  status: number;
  /** The JSON answer's status: accepted, duplicate, ignored… */
  answer: string;
  target: string;
}

export type Delivery = Omit<Sent, 'status' | 'answer' | 'target'>;

export function paidOrders(n: number, tag: string, o: { updateEvery?: number } = {}): Delivery[] {
  const out: Delivery[] = [];
  // Each update goes out 20 deliveries after its order's creation, as a shop's later change would.
  const dueAt = new Map<number, Delivery[]>();
  for (let i = 0; i < n; i++) {
    const email = `fault-${tag}-${i}@example.com`;
    const order = anOrder({ email, first_name: 'Fenna', last_name: `Faultline${i}`, modified: '2025-03-01T10:00:00', total: '29.63' });
    out.push({ wcOrderId: order.id, topic: 'order.created', modified: '2025-03-01T10:00:00', email, body: order });
    if (o.updateEvery && i % o.updateEvery === 0) {
      const later = { ...order, status: 'completed', date_modified: '2025-03-01T10:01:00', date_modified_gmt: '2025-03-01T10:01:00' };
      const at = Math.min(i + 20, n - 1);
      dueAt.set(at, [...(dueAt.get(at) ?? []), { wcOrderId: order.id, topic: 'order.updated', modified: '2025-03-01T10:01:00', email, body: later }]);
    }
    out.push(...(dueAt.get(i) ?? []));
  }
  return out;
}

/** Posts one delivery; never throws (a refused connection is status 0). */
export async function post(target: string, d: Delivery): Promise<Sent> {
  const req = aDelivery(d.body, { topic: d.topic });
  try {
    const res = await fetch(`${target}${req.url}`, { method: 'POST', headers: req.headers, body: req.payload, signal: AbortSignal.timeout(20_000) });
    const text = await res.text();
    let answer = '';
    try { answer = String((JSON.parse(text) as { status?: unknown; error?: unknown }).status ?? (JSON.parse(text) as { error?: unknown }).error ?? ''); } catch { answer = text.slice(0, 40); }
    return { ...d, status: res.status, answer, target };
  } catch (err) {
    return { ...d, status: 0, answer: (err as Error).name, target };
  }
}

export interface StreamOptions {
  /** Deliveries per second, spread evenly. */
  perSecond: number;
  /** Round-robin over these API base URLs. */
  targets: string[];
  /** Called before delivery i is sent (at its scheduled moment); may start a fault. */
  at?: (i: number, elapsedMs: number) => void;
}

/** Sends every delivery at its scheduled moment (requests overlap freely); resolves with every answer. */
export async function stream(deliveries: Delivery[], o: StreamOptions): Promise<Sent[]> {
  const started = Date.now();
  const pending: Promise<Sent>[] = [];
  for (const [i, d] of deliveries.entries()) {
    const due = started + (i * 1000) / o.perSecond;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    o.at?.(i, Date.now() - started);
    pending.push(post(o.targets[i % o.targets.length]!, d));
  }
  return Promise.all(pending);
}

/** Sends again (to the first target) every delivery that was not answered 200 until each is, as a retrying shop would. */
export async function resendUnanswered(sent: Sent[], target: string, rounds = 10): Promise<Sent[]> {
  let result = sent;
  for (let round = 0; round < rounds && result.some((s) => s.status !== 200); round++) {
    result = await Promise.all(result.map((s) => (s.status === 200 ? s : post(target, s))));
    if (result.some((s) => s.status !== 200)) await new Promise((r) => setTimeout(r, 1000));
  }
  return result;
}
