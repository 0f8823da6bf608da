/** The fake shop's webhooks: the stored rows, deliveries and pings as WC_Webhook sends them, and the REST resource. */
import { createHash, createHmac, randomInt } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  REST, byKeys, gmtStamp, gmtToLocal, invalidParam, param, readPaging, sendJson, sendPage, wcError, type WooApp,
} from './woocommerce-http.js';

export type WebhookStatus = 'active' | 'paused' | 'disabled';
export interface FakeWebhook {
  id: number; name: string; status: WebhookStatus; topic: string; delivery_url: string; secret: string;
  api_version: string; failure_count: number; date_created_gmt: string; date_modified_gmt: string;
}
export type Outcome = number | 'error';
export interface Delivery { webhookId: number; topic: string; status: Outcome }
export interface Ping { webhookId: number; url: string; status: Outcome }

export const HOOKSHOT_UA = 'WooCommerce/10.3.4 Hookshot (WordPress/6.8.1)';
const TIMEOUT_MS = 5000;
const STATUSES: WebhookStatus[] = ['active', 'paused', 'disabled'];
const API_VERSIONS = ['wp_api_v1', 'wp_api_v2', 'wp_api_v3', 'legacy_v3'];
const HOOKS: Record<string, string[]> = {
  'coupon.created': ['woocommerce_process_shop_coupon_meta', 'woocommerce_new_coupon'],
  'coupon.updated': ['woocommerce_process_shop_coupon_meta', 'woocommerce_update_coupon'],
  'coupon.deleted': ['wp_trash_post'], 'coupon.restored': ['untrashed_post'],
  'customer.created': ['user_register', 'woocommerce_created_customer', 'woocommerce_new_customer'],
  'customer.updated': ['profile_update', 'woocommerce_update_customer'],
  'customer.deleted': ['delete_user'], 'customer.restored': [],
  'order.created': ['woocommerce_new_order'],
  'order.updated': ['woocommerce_update_order', 'woocommerce_order_refunded', 'woocommerce_delete_order_refund'],
  'order.deleted': ['wp_trash_post', 'woocommerce_trash_order'],
  'order.restored': ['untrashed_post', 'woocommerce_untrash_order'],
  'product.created': ['woocommerce_process_product_meta', 'woocommerce_new_product', 'woocommerce_new_product_variation'],
  'product.updated': ['woocommerce_process_product_meta', 'woocommerce_update_product', 'woocommerce_update_product_variation'],
  'product.deleted': ['wp_trash_post'], 'product.restored': ['untrashed_post'],
};
/** wc_is_webhook_valid_topic() for the built-in resources and events. */
export const isValidTopic = (topic: unknown): topic is string => typeof topic === 'string' && topic in HOOKS;
const isHttpUrl = (u: unknown): u is string => typeof u === 'string' && /^https?:\/\/[^\s/?#]+/i.test(u) && URL.canParse(u);
/** wp_specialchars_decode($secret, ENT_QUOTES), applied before hashing. */
const decodeSecret = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')
  .replace(/&#0?39;/g, "'").replace(/&amp;/g, '&');
const PASSWORD_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()-_ []{}<>~`+=,.;:/?|';

/** A POST with `agent: false` (WP sends `Connection: close`), no redirects followed, a 5 s timeout; the status or 'error'. */
function post(url: string, body: string, headers: Record<string, string>, ca: string): Promise<Outcome> {
  return new Promise((resolve) => {
    if (!URL.canParse(url)) return resolve('error');
    const u = new URL(url);
    const opts = { method: 'POST', agent: false as const, timeout: TIMEOUT_MS,
      headers: { ...headers, connection: 'close', 'content-length': String(Buffer.byteLength(body)) } };
    const onResponse = (res: http.IncomingMessage) => {
      res.resume();
      resolve(res.statusCode ?? 'error');
    };
    let req: http.ClientRequest;
    if (u.protocol === 'https:') req = https.request(u, { ...opts, ca: [...rootCertificates, ca] }, onResponse);
    else if (u.protocol === 'http:') req = http.request(u, opts, onResponse);
    else return resolve('error');
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve('error'));
    req.end(body);
  });
}

export interface WebhookInput { name?: unknown; status?: unknown; topic?: unknown; delivery_url?: unknown; secret?: unknown; api_version?: unknown }

export class FakeWebhooks {
  private rows: FakeWebhook[] = [];
  private nextId = 1;
  readonly deliveries: Delivery[] = [];
  readonly pings: Ping[] = [];

  constructor(private readonly o: { homeUrl: string; maxFailures: number; ca: string; now: () => Date }) {}

  all(): FakeWebhook[] { return this.rows.map((w) => ({ ...w })); }
  find(id: number): FakeWebhook | undefined { return this.rows.find((w) => w.id === id); }
  private must(id: number): FakeWebhook {
    const w = this.find(id);
    if (!w) throw new Error(`fake WooCommerce: no webhook ${id}`);
    return w;
  }

  create(input: WebhookInput): FakeWebhook {
    const now = this.o.now();
    const w: FakeWebhook = {
      id: this.nextId++, name: '', status: 'active', topic: String(input.topic), delivery_url: String(input.delivery_url),
      secret: Array.from({ length: 50 }, () => PASSWORD_CHARS[randomInt(PASSWORD_CHARS.length)]).join(''),
      api_version: 'wp_api_v3', failure_count: 0, date_created_gmt: gmtStamp(now), date_modified_gmt: gmtStamp(now),
    };
    w.name = `Webhook created on ${now.toUTCString().slice(5, 22)}`;
    this.rows.push(w);
    this.update(w, input);
    return w;
  }

  /** Applies the given fields; re-activating resets the failure count; returns whether the delivery URL changed. */
  update(w: FakeWebhook, input: WebhookInput): boolean {
    const urlChanged = typeof input.delivery_url === 'string' && input.delivery_url !== w.delivery_url;
    if (typeof input.name === 'string' && input.name) w.name = input.name;
    if (typeof input.topic === 'string') w.topic = input.topic;
    if (typeof input.delivery_url === 'string') w.delivery_url = input.delivery_url;
    if (typeof input.secret === 'string' && input.secret) w.secret = input.secret;
    if (typeof input.api_version === 'string') w.api_version = input.api_version;
    if (typeof input.status === 'string') this.setStatus(w.id, input.status as WebhookStatus);
    w.date_modified_gmt = gmtStamp(this.o.now());
    return urlChanged;
  }

  setStatus(id: number, status: WebhookStatus): void {
    const w = this.must(id);
    if (status === 'active' && w.status !== 'active') w.failure_count = 0;
    w.status = status;
  }

  remove(id: number): void {
    this.must(id);
    this.rows = this.rows.filter((w) => w.id !== id);
  }

  /** deliver_ping(): `webhook_id=<id>` as a form post, Hookshot user agent, no X-WC headers, unsigned; result ignored. */
  async ping(w: FakeWebhook): Promise<Outcome> {
    const status = await post(w.delivery_url, `webhook_id=${w.id}`,
      { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': HOOKSHOT_UA }, this.o.ca);
    this.pings.push({ webhookId: w.id, url: w.delivery_url, status });
    return status;
  }

  /** WC_Webhook::deliver() to every active webhook of the topic, one after another; then log_delivery()'s counting. */
  async deliver(topic: string, body: string): Promise<Outcome[]> {
    const [resource = '', event = ''] = topic.split('.');
    const out: Outcome[] = [];
    for (const w of this.rows.filter((x) => x.status === 'active' && x.topic === topic)) {
      const unixSecond = Math.floor(this.o.now().getTime() / 1000);
      const status = await post(w.delivery_url, body, {
        'content-type': 'application/json',
        'user-agent': HOOKSHOT_UA,
        'x-wc-webhook-source': this.o.homeUrl,
        'x-wc-webhook-topic': topic,
        'x-wc-webhook-resource': resource,
        'x-wc-webhook-event': event,
        'x-wc-webhook-signature': createHmac('sha256', decodeSecret(w.secret)).update(body).digest('base64'),
        'x-wc-webhook-id': String(w.id),
        'x-wc-webhook-delivery-id': createHash('md5').update(`${w.id}${unixSecond}`).digest('hex'),
      }, this.o.ca);
      this.deliveries.push({ webhookId: w.id, topic, status });
      out.push(status);
      // 200–302 is success (redirects are not followed); otherwise WC disables once the count already exceeds the max.
      if (typeof status === 'number' && status >= 200 && status < 303) w.failure_count = 0;
      else if (w.failure_count > this.o.maxFailures) w.status = 'disabled';
      else w.failure_count++;
    }
    return out;
  }
}

/** /wp-json/wc/v3/webhooks: list (paged), read, create (+ ping), update, delete (force only). */
export function registerWebhookRoutes(app: WooApp, hooks: FakeWebhooks, baseUrl: () => string): void {
  const present = (w: FakeWebhook, edit: boolean) => ({
    id: w.id, name: w.name, status: w.status, topic: w.topic, resource: w.topic.split('.')[0],
    event: w.topic.split('.')[1], hooks: HOOKS[w.topic] ?? [], delivery_url: w.delivery_url, ...(edit ? { secret: w.secret } : {}),
    date_created: gmtToLocal(w.date_created_gmt), date_created_gmt: w.date_created_gmt,
    date_modified: gmtToLocal(w.date_modified_gmt), date_modified_gmt: w.date_modified_gmt,
    _links: { self: [{ href: `${baseUrl()}${REST}/webhooks/${w.id}` }], collection: [{ href: `${baseUrl()}${REST}/webhooks` }] },
  });
  const edit = (req: FastifyRequest) => param(req, 'context') === 'edit';
  const invalid = (reply: FastifyReply, input: WebhookInput, creating: boolean): FastifyReply | undefined => {
    if (input.status !== undefined && !STATUSES.includes(input.status as WebhookStatus)) {
      return invalidParam(reply, 'status', 'status is not one of active, paused, and disabled.');
    }
    if (input.api_version !== undefined && !API_VERSIONS.includes(String(input.api_version))) {
      return invalidParam(reply, 'api_version', `api_version is not one of ${API_VERSIONS.join(', ')}.`);
    }
    if ((creating || input.topic !== undefined) && !isValidTopic(input.topic)) {
      return wcError(reply, 400, 'woocommerce_rest_webhook_invalid_topic', 'Webhook topic is required and must be valid.');
    }
    if ((creating || input.delivery_url !== undefined) && !isHttpUrl(input.delivery_url)) {
      return wcError(reply, 400, 'woocommerce_rest_webhook_invalid_delivery_url', 'Webhook delivery URL must be a valid URL starting with http:// or https://.');
    }
    return undefined;
  };
  const notFound = (reply: FastifyReply) => wcError(reply, 404, 'woocommerce_rest_shop_webhook_invalid_id', 'Invalid ID.');
  const byId = (req: FastifyRequest) => hooks.find(Number((req.params as { id: string }).id));

  app.get(`${REST}/webhooks`, async (req, reply) => {
    const paging = readPaging(req, reply);
    if (!paging) return reply;
    const status = param(req, 'status') ?? 'all';
    if (status !== 'all' && !STATUSES.includes(status as WebhookStatus)) {
      return invalidParam(reply, 'status', 'status is not one of all, active, paused, and disabled.');
    }
    const orderby = param(req, 'orderby') ?? 'date';
    const key = orderby === 'id' ? (w: FakeWebhook) => w.id : orderby === 'title' ? (w: FakeWebhook) => w.name : (w: FakeWebhook) => w.date_created_gmt;
    const rows = hooks.all().filter((w) => status === 'all' || w.status === status)
      .sort(byKeys([key, (w) => w.id], param(req, 'order') !== 'asc'));
    return sendPage(req, reply, `${baseUrl()}${REST}/webhooks`, rows.map((w) => present(w, edit(req))), paging);
  });

  app.get(`${REST}/webhooks/:id(^\\d+$)`, async (req, reply) => {
    const w = byId(req);
    return w ? sendJson(reply, present(w, edit(req))) : notFound(reply);
  });

  app.post(`${REST}/webhooks`, async (req, reply) => {
    const input = (req.body ?? {}) as WebhookInput;
    const missing = ['topic', 'delivery_url'].filter((k) => input[k as keyof WebhookInput] === undefined);
    if (missing.length) {
      return wcError(reply, 400, 'rest_missing_callback_param', `Missing parameter(s): ${missing.join(', ')}`, { params: missing });
    }
    if (invalid(reply, input, true)) return reply;
    const w = hooks.create(input);
    await hooks.ping(w);
    reply.header('Location', `${REST}/webhooks/${w.id}`);
    return sendJson(reply, present(w, true), 201);
  });

  const update = async (req: FastifyRequest, reply: FastifyReply) => {
    const w = byId(req);
    if (!w) return notFound(reply);
    const input = (req.body ?? {}) as WebhookInput;
    if (invalid(reply, input, false)) return reply;
    // The data store pings when an active webhook's delivery URL changes.
    if (hooks.update(w, input) && w.status === 'active') await hooks.ping(w);
    return sendJson(reply, present(w, true));
  };
  for (const method of ['PUT', 'PATCH', 'POST'] as const) app.route({ method, url: `${REST}/webhooks/:id(^\\d+$)`, handler: update });

  app.delete(`${REST}/webhooks/:id(^\\d+$)`, async (req, reply) => {
    if (!['true', '1'].includes(param(req, 'force') ?? '')) {
      return wcError(reply, 501, 'woocommerce_rest_trash_not_supported', 'Webhooks do not support trashing.');
    }
    const w = byId(req);
    if (!w) return notFound(reply);
    const body = present(w, true);
    hooks.remove(w.id);
    return sendJson(reply, body);
  });
}
