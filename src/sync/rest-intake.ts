import { createHash } from 'node:crypto';
import type { Queryable } from '../platform/db.js';
import { insertDeliveries, type Origin } from '../intake/inbox.repository.js';
import type { RestItem } from '../woo/woo-pages.js';

/** Source recorded for deliveries fetched from the shop's REST API (webhooks record the shop's home URL). */
export const REST_SOURCE = 'rest-api';

/**
 * Resources read from the REST API enter the same pipeline as webhooks: the inbox (dedupe by body hash), the
 * relay, and the mirror worker (staleness). Returns how many were new to the inbox.
 */
export async function ingestResources(db: Queryable, resource: 'order' | 'customer', items: RestItem[], origin: Origin): Promise<number> {
  if (!items.length) return 0;
  const fresh = await insertDeliveries(
    db,
    items.map((it) => {
      const body = Buffer.from(JSON.stringify(it));
      return {
        source: REST_SOURCE, topic: `${resource}.updated`, webhookId: null, body,
        bodySha256: createHash('sha256').update(body).digest(), origin, resourceId: it.id,
      };
    }),
  );
  return fresh.filter((id) => id !== null).length;
}
