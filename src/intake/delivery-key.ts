import { createHash } from 'node:crypto';

/**
 * The fingerprint that makes two deliveries "the same" (with source and topic): the SHA-256 of the body. A
 * `*.deleted` body is only `{"id":n}`, so trashing an order again after a restore would look like a repeat; for
 * those the Delivery-ID (webhook id + Unix second) is folded in. It never dedupes on its own: it only tells
 * apart identical id-only bodies sent at different seconds.
 */
export function deliveryFingerprint(body: Buffer, topic: string, deliveryId: string | undefined): Buffer {
  const h = createHash('sha256').update(body);
  if (topic.endsWith('.deleted') && deliveryId) h.update('\u0000').update(deliveryId);
  return h.digest();
}
