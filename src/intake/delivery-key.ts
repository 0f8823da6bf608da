import { hash } from 'node:crypto';

/**
 * The fingerprint that makes two deliveries "the same" (with source and topic): the SHA-256 of the body. A
 * `*.deleted` body is only `{"id":n}`, so trashing an order again after a restore would look like a repeat; for
 * those the Delivery-ID (webhook id + Unix second) is folded in. It never dedupes on its own: it only tells
 * apart identical id-only bodies sent at different seconds. One-shot hash(): no Hash object per delivery.
 */
export function deliveryFingerprint(body: Buffer, topic: string, deliveryId: string | undefined): Buffer {
  const bytes = topic.endsWith('.deleted') && deliveryId ? Buffer.concat([body, Buffer.from(`\u0000${deliveryId}`)]) : body;
  return hash('sha256', bytes, 'buffer');
}
