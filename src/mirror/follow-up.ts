import type { InboxRow } from '../intake/inbox.repository.js';
import { type Delivery, PoisonPayloadError, classifyDelivery, isHandledTopic } from './delivery.js';
import type { MapOptions } from './map-order.js';

/** Work a delivery asks for after it is applied: the full resource, or a reconciliation (error bodies have no id). */
export type FollowUp = { kind: 'refetch'; resource: 'order' | 'customer'; wcId: number } | { kind: 'reconcile'; resource: 'order' | 'customer' };

/** A stored inbox row as a classified delivery; a body that is not JSON can never apply (poison). */
export function decodeRow(row: InboxRow, opts: MapOptions = {}): Delivery {
  if (!isHandledTopic(row.topic)) return { kind: 'ignored', reason: 'topic not handled' };
  let body: unknown;
  try {
    body = JSON.parse(row.body.toString('utf8'));
  } catch {
    throw new PoisonPayloadError('stored body is not JSON');
  }
  return classifyDelivery(row.topic, body, opts);
}

/** Id-only bodies are re-fetched; error bodies (no id) trigger a reconciliation. Pure. */
export function followUpFor(refetchEnabled: boolean, row: InboxRow, delivery: Delivery): FollowUp | undefined {
  if (!refetchEnabled) return undefined;
  if (delivery.kind === 'order-trashed') return { kind: 'refetch', resource: 'order', wcId: delivery.wcOrderId };
  if (delivery.kind === 'customer-deleted') return { kind: 'refetch', resource: 'customer', wcId: delivery.wcCustomerId };
  if (delivery.kind === 'rest-error') return { kind: 'reconcile', resource: row.topic.startsWith('customer.') ? 'customer' : 'order' };
  return undefined;
}
