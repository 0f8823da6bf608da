import type { z } from 'zod';
import { customerSchema, deletedSchema, orderSchema, restErrorSchema } from './wc.schemas.js';
import { type CustomerRecord, type MapOptions, type OrderRecord, mapCustomer, mapOrder } from './map-order.js';

/** What a stored webhook body means for the mirror. Pure: decided from the topic and the bytes alone. */
export type Delivery =
  | { kind: 'order'; restored: boolean; order: OrderRecord }
  | { kind: 'customer'; customer: CustomerRecord }
  | { kind: 'order-trashed'; wcOrderId: number }
  | { kind: 'customer-deleted'; wcCustomerId: number }
  | { kind: 'rest-error'; reason: string }
  | { kind: 'ignored'; reason: string };

/** A body that can never be applied; retrying will not help. Its message is safe to log (no values). */
export class PoisonPayloadError extends Error {
  get safeMessage(): string {
    return this.message;
  }
}

export const HANDLED_TOPICS = [
  'order.created', 'order.updated', 'order.deleted', 'order.restored',
  'customer.created', 'customer.updated', 'customer.deleted',
] as const;
export type HandledTopic = (typeof HANDLED_TOPICS)[number];
export const isHandledTopic = (t: string): t is HandledTopic => (HANDLED_TOPICS as readonly string[]).includes(t);

/** Lists what is wrong by path and code only: zod messages here never quote the offending value. */
function describe(err: z.ZodError): string {
  return err.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

function parseWith<T extends z.ZodType>(schema: T, body: unknown, what: string): z.output<T> {
  const r = schema.safeParse(body);
  if (!r.success) throw new PoisonPayloadError(`invalid ${what} payload: ${describe(r.error)}`);
  return r.data;
}

export function classifyDelivery(topic: HandledTopic, body: unknown, opts: MapOptions = {}): Delivery {
  const restError = restErrorSchema.safeParse(body);
  if (restError.success && typeof (body as { id?: unknown }).id !== 'number') {
    const status = restError.data.data?.status;
    return { kind: 'rest-error', reason: `WooCommerce sent a REST error instead of the resource: ${restError.data.code}${status ? ` (${status})` : ''}` };
  }
  switch (topic) {
    case 'order.deleted':
      return { kind: 'order-trashed', wcOrderId: parseWith(deletedSchema, body, topic).id };
    case 'customer.deleted':
      return { kind: 'customer-deleted', wcCustomerId: parseWith(deletedSchema, body, topic).id };
    case 'customer.created':
    case 'customer.updated':
      return { kind: 'customer', customer: mapCustomer(parseWith(customerSchema, body, 'customer')) };
    default: {
      const order = parseWith(orderSchema, body, 'order');
      // Block checkout creates `checkout-draft` orders that may never become real orders.
      if (order.status === 'checkout-draft') return { kind: 'ignored', reason: 'checkout-draft order' };
      return { kind: 'order', restored: topic === 'order.restored', order: mapOrder(order, opts) };
    }
  }
}
