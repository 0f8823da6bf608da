import { sign } from '../../src/intake/signature.js';
import { SHOP, WEBHOOK_SECRET } from '../setup/context.js';

/** PHP's json_encode as WordPress calls it: `/` → `\/`, non-ASCII → \uXXXX. The signature covers these bytes. */
export function phpJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface DeliveryOptions {
  topic: string;
  source?: string;
  secret?: string;
  signature?: string | null;
  contentType?: string;
}

/** A signed WooCommerce delivery as light-my-request options for app.inject(). */
export function aDelivery(body: unknown, o: DeliveryOptions) {
  const payload = typeof body === 'string' ? body : phpJson(body);
  const headers: Record<string, string> = {
    'content-type': o.contentType ?? 'application/json',
    'user-agent': 'WooCommerce/10.3.4 Hookshot (WordPress/6.8.1)',
    'x-wc-webhook-source': o.source ?? SHOP,
    'x-wc-webhook-topic': o.topic,
    'x-wc-webhook-resource': o.topic.split('.')[0]!,
    'x-wc-webhook-event': o.topic.split('.')[1] ?? '',
    'x-wc-webhook-id': '7',
    'x-wc-webhook-delivery-id': 'b1946ac92492d2347c6235b4d2611184',
  };
  const signature = o.signature === undefined ? sign(payload, o.secret ?? WEBHOOK_SECRET) : o.signature;
  if (signature !== null) headers['x-wc-webhook-signature'] = signature;
  return { method: 'POST' as const, url: '/webhooks/woocommerce', headers, payload };
}
