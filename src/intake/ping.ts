import type { IncomingHttpHeaders } from 'node:http';

/**
 * WooCommerce's activation ping: a form body `webhook_id=<n>`, unsigned, with no X-WC-* headers. It must get
 * exactly 200 or saving the webhook fails in the shop's admin.
 */
export function isPing(headers: IncomingHttpHeaders, body: Buffer): boolean {
  if (Object.keys(headers).some((h) => h.startsWith('x-wc-'))) return false;
  return /^webhook_id=\d+$/.test(body.toString('latin1').trim());
}

export type MediaKind = 'json' | 'form' | 'other';

export function mediaKind(contentType: string | undefined): MediaKind {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  return 'other';
}
