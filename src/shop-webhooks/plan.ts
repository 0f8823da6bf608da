import { z } from 'zod';
import { HANDLED_TOPICS } from '../mirror/delivery.js';

/** Pure: which webhooks the shop must have for this service, and how its current set compares. */

export const WEBHOOK_PATH = '/webhooks/woocommerce';

export interface ExistingWebhook {
  id: number;
  status: string;
  topic: string;
  delivery_url: string;
  api_version?: string;
}

export type WebhookState = 'ok' | 'missing' | 'paused' | 'disabled' | 'mismatch';

export interface TopicReport {
  topic: string;
  state: WebhookState;
  webhookId: number | null;
}

export function deliveryUrl(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '') + WEBHOOK_PATH;
}

const sameUrl = (a: string, b: string) => a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();

/**
 * For each handled topic: our webhook (delivery URL = ours) and its state. With no public URL configured, any
 * webhook pointing at a path ending in /webhooks/woocommerce counts as ours.
 */
export function assess(existing: ExistingWebhook[], publicUrl: string | null): TopicReport[] {
  const ours = existing.filter((w) => (publicUrl ? sameUrl(w.delivery_url, deliveryUrl(publicUrl)) : /\/webhooks\/woocommerce\/?$/.test(w.delivery_url)));
  return HANDLED_TOPICS.map((topic) => {
    const candidates = ours.filter((w) => w.topic === topic);
    const w = candidates.find((c) => c.status === 'active') ?? candidates[0];
    if (!w) return { topic, state: 'missing', webhookId: null };
    if (w.status === 'paused') return { topic, state: 'paused', webhookId: w.id };
    if (w.status === 'disabled') return { topic, state: 'disabled', webhookId: w.id };
    if (w.status !== 'active' || (w.api_version && w.api_version !== 'wp_api_v3')) return { topic, state: 'mismatch', webhookId: w.id };
    return { topic, state: 'ok', webhookId: w.id };
  });
}

/** The body that creates or repairs our webhook for a topic (our secret, API v3, active). */
export function desiredWebhook(topic: string, publicUrl: string, secret: string) {
  return { name: `woo-companion ${topic}`, topic, delivery_url: deliveryUrl(publicUrl), secret, api_version: 'wp_api_v3', status: 'active' };
}

const repairAnswer = z.object({ id: z.number().int().positive(), status: z.string(), topic: z.string(), delivery_url: z.string() });

/**
 * The id our webhook has now, read from the shop's answer to a create or update — or null when that answer does not
 * show the webhook we asked for, active: then nothing is claimed as repaired and the next check looks again.
 */
export function repairedWebhookId(answer: unknown, wanted: ReturnType<typeof desiredWebhook>): number | null {
  const a = repairAnswer.safeParse(answer);
  if (!a.success) return null;
  const { id, status, topic, delivery_url: url } = a.data;
  return status === 'active' && topic === wanted.topic && sameUrl(url, wanted.delivery_url) ? id : null;
}
