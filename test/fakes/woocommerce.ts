/**
 * A local fake WooCommerce for tests: REST v3 over HTTPS (self-signed certificate made with `openssl` at start) with
 * Basic auth, WP paging headers, strict second-granular `modified_after` (and the `Z`-suffix misreading), injected
 * 401/404/429/500/503 and oversized response headers — and webhooks delivered the way WC_Webhook does (PHP-escaped JSON,
 * the X-WC-* headers, HMAC signature, a ping on creation, auto-disable after repeated failures). See
 * ../shared/docs/woocommerce-facts.md §1 and §2.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { selfSignedCert } from './tls.js';
import {
  REST, byKeys, gmtStamp, gmtToLocal, installRestHooks, invalidParam, isTrue, localStamp, noRoute, param, phpJson,
  readPaging, sendJson, sendPage, siteLocalDigits, wcError,
  type FailStatus, type Rec, type RestControls, type RestRequest, type WooApp,
} from './woocommerce-http.js';
import { FakeWebhooks, registerWebhookRoutes, type Delivery, type FakeWebhook, type Ping, type WebhookStatus } from './woocommerce-webhooks.js';

export { phpJson };
export { HOOKSHOT_UA } from './woocommerce-webhooks.js';
export type { Delivery, FakeWebhook, FailStatus, Ping, RestRequest, WebhookStatus };

export interface FakeWooOptions {
  consumerKey?: string;
  consumerSecret?: string;
  /** X-WC-Webhook-Source; default 'https://shop.example/' (a trailing slash is added, as home_url('/') has one). */
  homeUrl?: string;
  /** woocommerce_max_webhook_delivery_failures (default 5): a failure while failure_count > this disables the webhook. */
  maxDeliveryFailures?: number;
  /** How far the fake clock moves after each write (default 1000 ms). */
  autoAdvanceMs?: number;
}

export interface FakeClock { now(): Date; set(d: Date): void; advance(ms: number): void }
export type OrderTopic = 'order.created' | 'order.updated' | 'order.restored';
export interface WriteOptions { silent?: boolean; keepDates?: boolean }

export interface FakeWoo {
  url: string;
  ca: string;
  consumerKey: string;
  consumerSecret: string;
  clock: FakeClock;
  putOrder(order: Record<string, unknown>, o?: WriteOptions & { topic?: OrderTopic }): Promise<Record<string, unknown>>;
  trashOrder(id: number, o?: { silent?: boolean }): Promise<void>;
  deleteOrderPermanently(id: number): void;
  putCustomer(c: Record<string, unknown>, o?: WriteOptions): Promise<Record<string, unknown>>;
  deleteCustomer(id: number, o?: { silent?: boolean }): Promise<void>;
  seedOrders(orders: Record<string, unknown>[]): void;
  seedCustomers(customers: Record<string, unknown>[]): void;
  getOrder(id: number): Record<string, unknown> | undefined;
  getCustomer(id: number): Record<string, unknown> | undefined;
  deliverRaw(topic: string, body: string | object): Promise<number[]>;
  webhooks(): FakeWebhook[];
  setWebhookStatus(id: number, status: WebhookStatus): void;
  removeWebhook(id: number): void;
  failNext(n: number, f: { status: FailStatus; path?: RegExp; retryAfterSeconds?: number }): void;
  oversizedHeaders(on: boolean): void;
  requests: RestRequest[];
  deliveries: Delivery[];
  pings: Ping[];
  close(): Promise<void>;
}

const ORDER_STATUSES = ['any', 'trash', 'auto-draft', 'pending', 'processing', 'on-hold', 'completed', 'cancelled',
  'refunded', 'failed', 'checkout-draft', 'draft', 'ready-for-pickup'];
/** post_status 'any' leaves out statuses excluded from search. */
const HIDDEN_FROM_ANY = new Set(['trash', 'auto-draft']);
/** should_deliver() ignores orders in these statuses (checkout-draft is not among them). */
const NO_ORDER_WEBHOOK = new Set(['draft', 'auto-draft', 'new']);
const DATE_FILTERS = [['after', 'date_created', 1], ['before', 'date_created', -1],
  ['modified_after', 'date_modified', 1], ['modified_before', 'date_modified', -1]] as const;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v.slice(0, 19) : undefined);
const clone = (r: Rec): Rec => structuredClone(r);

/** Fills missing dates: `*_gmt` from the clock, the site-local fields from their `_gmt` twins. */
function fillDates(body: Rec, now: Date, fields: string[]): void {
  for (const f of fields) {
    if (!str(body[`${f}_gmt`])) body[`${f}_gmt`] = gmtStamp(now);
    if (!str(body[f])) body[f] = gmtToLocal(String(body[`${f}_gmt`]));
  }
}

export async function startFakeWooCommerce(opts: FakeWooOptions = {}): Promise<FakeWoo> {
  const { key, cert } = await selfSignedCert();
  const homeUrl = (opts.homeUrl ?? 'https://shop.example/').replace(/\/*$/, '/');
  const step = opts.autoAdvanceMs ?? 1000;
  let now = new Date('2025-03-01T12:00:00Z');
  const clock: FakeClock = {
    now: () => new Date(now),
    set: (d) => { now = new Date(d); },
    advance: (ms) => { now = new Date(now.getTime() + ms); },
  };
  const orders = new Map<number, Rec>();
  const customers = new Map<number, Rec>();
  const ctl: RestControls = {
    consumerKey: opts.consumerKey ?? 'ck_test_4f1c2b0e9d8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e',
    consumerSecret: opts.consumerSecret ?? 'cs_test_0a1b2c3d4e5f60718293a4b5c6d7e8f901234567',
    failRules: [], oversized: false, requests: [],
  };
  const hooks = new FakeWebhooks({ homeUrl, maxFailures: opts.maxDeliveryFailures ?? 5, ca: cert, now: clock.now });
  let url = '';

  const app: WooApp = Fastify({ https: { key, cert }, forceCloseConnections: true, logger: false });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))));
  installRestHooks(app, ctl);
  app.setNotFoundHandler((_req, reply) => noRoute(reply));
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) =>
    (err.statusCode ?? 500) < 500 ? wcError(reply, 400, 'rest_invalid_json', 'Invalid JSON body passed.')
      : wcError(reply, 500, 'internal_server_error', err.message));

  const orderBy = (req: FastifyRequest, reply: FastifyReply, allowed: string[], dflt: string, dfltOrder: 'asc' | 'desc') => {
    const orderby = param(req, 'orderby') ?? dflt;
    const order = param(req, 'order') ?? dfltOrder;
    if (!allowed.includes(orderby)) return void invalidParam(reply, 'orderby', `orderby is not one of ${allowed.join(', ')}.`);
    if (order !== 'asc' && order !== 'desc') return void invalidParam(reply, 'order', 'order is not one of asc and desc.');
    return { orderby, desc: order === 'desc' };
  };
  const includeFilter = (req: FastifyRequest) => {
    const ids = param(req, 'include')?.split(',').filter(Boolean).map(Number);
    return (r: Rec) => !ids?.length || ids.includes(Number(r.id));
  };

  app.get(`${REST}/orders`, async (req, reply) => {
    const paging = readPaging(req, reply);
    const sort = paging && orderBy(req, reply, ['date', 'id', 'include', 'title', 'slug', 'modified'], 'date', 'desc');
    if (!paging || !sort) return reply;
    const statuses = (param(req, 'status') ?? 'any').split(',').map((s) => s.trim()).filter(Boolean);
    const bad = statuses.findIndex((s) => !ORDER_STATUSES.includes(s));
    if (bad >= 0) return invalidParam(reply, 'status', `status[${bad}] is not one of ${ORDER_STATUSES.join(', ')}.`);
    const gmt = isTrue(param(req, 'dates_are_gmt'));
    const preds: ((o: Rec) => boolean)[] = [includeFilter(req)];
    for (const [name, field, sign] of DATE_FILTERS) {
      const raw = param(req, name);
      if (raw === undefined) continue;
      const bound = siteLocalDigits(raw);
      if (!bound) return invalidParam(reply, name, 'Invalid date.');
      preds.push((o) => {
        const v = gmt ? str(o[`${field}_gmt`]) : str(o[field]);
        return v !== undefined && (sign > 0 ? v > bound : v < bound);
      });
    }
    const customer = param(req, 'customer');
    if (customer !== undefined) preds.push((o) => Number(o.customer_id) === Number(customer));
    // As WC_REST_Orders_Controller (v3) builds post_status: an 'any' anywhere in the list replaces the whole list, so
    // `status=any,trash` still leaves trash out; trashed orders are listed only by asking for trash without any.
    const any = statuses.includes('any');
    preds.push((o) => (any ? !HIDDEN_FROM_ANY.has(String(o.status)) : statuses.includes(String(o.status))));
    const key = sort.orderby === 'date' ? (o: Rec) => str(o.date_created_gmt) ?? ''
      : sort.orderby === 'modified' ? (o: Rec) => str(o.date_modified_gmt) ?? '' : (o: Rec) => Number(o.id);
    const rows = [...orders.values()].filter((o) => preds.every((p) => p(o))).sort(byKeys([key, (o) => Number(o.id)], sort.desc));
    return sendPage(req, reply, `${url}${REST}/orders`, rows, paging);
  });

  app.get(`${REST}/orders/:id(^\\d+$)`, async (req, reply) => {
    const o = orders.get(Number((req.params as { id: string }).id));
    return o ? sendJson(reply, o) : wcError(reply, 404, 'woocommerce_rest_shop_order_invalid_id', 'Invalid ID.');
  });

  app.get(`${REST}/customers`, async (req, reply) => {
    const paging = readPaging(req, reply);
    const sort = paging && orderBy(req, reply, ['id', 'include', 'name', 'registered_date'], 'name', 'asc');
    if (!paging || !sort) return reply;
    const role = param(req, 'role') ?? 'customer';
    const email = param(req, 'email')?.toLowerCase();
    const inc = includeFilter(req);
    const key = sort.orderby === 'name' ? (c: Rec) => `${String(c.first_name ?? '')} ${String(c.last_name ?? '')}`.trim() || String(c.username ?? '')
      : sort.orderby === 'registered_date' ? (c: Rec) => str(c.date_created_gmt) ?? '' : (c: Rec) => Number(c.id);
    const rows = [...customers.values()]
      .filter((c) => (role === 'all' || c.role === role) && (!email || String(c.email).toLowerCase() === email) && inc(c))
      .sort(byKeys([key, (c) => Number(c.id)], sort.desc));
    return sendPage(req, reply, `${url}${REST}/customers`, rows, paging);
  });

  app.get(`${REST}/customers/:id(^\\d+$)`, async (req, reply) => {
    const c = customers.get(Number((req.params as { id: string }).id));
    return c ? sendJson(reply, c) : wcError(reply, 404, 'woocommerce_rest_invalid_id', 'Invalid resource ID.');
  });

  // PUT merges the body into the resource (billing/shipping field by field), as the REST controllers do, and the
  // save fires order.updated / customer.updated like any other change.
  const merge = (prev: Rec, body: Rec): Rec => {
    const next: Rec = { ...prev, ...body };
    for (const k of ['billing', 'shipping']) if (body[k] && typeof body[k] === 'object') next[k] = { ...(prev[k] as Rec), ...(body[k] as Rec) };
    return next;
  };
  app.put(`${REST}/orders/:id(^\\d+$)`, async (req, reply) => {
    const prev = orders.get(Number((req.params as { id: string }).id));
    if (!prev) return wcError(reply, 404, 'woocommerce_rest_shop_order_invalid_id', 'Invalid ID.');
    const { body } = write(orders, merge(prev, (req.body ?? {}) as Rec), {});
    void hooks.deliver('order.updated', phpJson(body));
    return sendJson(reply, body);
  });
  app.put(`${REST}/customers/:id(^\\d+$)`, async (req, reply) => {
    const prev = customers.get(Number((req.params as { id: string }).id));
    if (!prev) return wcError(reply, 404, 'woocommerce_rest_invalid_id', 'Invalid resource ID.');
    const { body } = write(customers, merge(prev, (req.body ?? {}) as Rec), {});
    void hooks.deliver('customer.updated', phpJson(body));
    return sendJson(reply, body);
  });

  registerWebhookRoutes(app, hooks, () => url);
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  /** Stores a copy with the clock's date_modified (unless keepDates), then moves the clock on. */
  const write = (store: Map<number, Rec>, input: Rec, o: WriteOptions): { body: Rec; prev?: Rec } => {
    const body = clone(input);
    const id = typeof body.id === 'number' ? body.id : Math.max(0, ...store.keys()) + 1;
    body.id = id;
    const prev = store.get(id);
    if (!o.keepDates) {
      body.date_modified_gmt = gmtStamp(now);
      body.date_modified = localStamp(now);
    }
    fillDates(body, now, ['date_created', 'date_modified']);
    store.set(id, body);
    clock.advance(step);
    return { body, prev };
  };
  const seed = (store: Map<number, Rec>, items: Rec[], dflt: Rec) => {
    for (const item of items) {
      const body = { ...dflt, ...clone(item) };
      fillDates(body, now, ['date_created', 'date_modified']);
      store.set(Number(body.id), body);
    }
  };

  return {
    url, ca: cert, consumerKey: ctl.consumerKey, consumerSecret: ctl.consumerSecret, clock,
    requests: ctl.requests, deliveries: hooks.deliveries, pings: hooks.pings,

    async putOrder(order, o = {}) {
      const { body, prev } = write(orders, order, o);
      const topic = o.topic ?? (!prev ? 'order.created'
        : prev.status === 'trash' && body.status !== 'trash' ? 'order.restored' : 'order.updated');
      if (!o.silent && !NO_ORDER_WEBHOOK.has(String(body.status))) await hooks.deliver(topic, phpJson(body));
      return clone(body);
    },
    async trashOrder(id, o = {}) {
      const prev = orders.get(id);
      if (!prev) throw new Error(`fake WooCommerce: no order ${id}`);
      write(orders, { ...prev, status: 'trash' }, {});
      if (!o.silent) await hooks.deliver('order.deleted', phpJson({ id }));
    },
    deleteOrderPermanently(id) { orders.delete(id); },
    async putCustomer(c, o = {}) {
      const { body, prev } = write(customers, { role: 'customer', ...c }, o);
      if (!o.silent) await hooks.deliver(prev ? 'customer.updated' : 'customer.created', phpJson(body));
      return clone(body);
    },
    async deleteCustomer(id, o = {}) {
      const prev = customers.get(id);
      if (!prev) throw new Error(`fake WooCommerce: no customer ${id}`);
      customers.delete(id);
      clock.advance(step);
      // is_valid_user_action(): delete_user only counts for users with the customer role.
      if (!o.silent && prev.role === 'customer') await hooks.deliver('customer.deleted', phpJson({ id }));
    },
    seedOrders: (items) => seed(orders, items, {}),
    seedCustomers: (items) => seed(customers, items, { role: 'customer' }),
    getOrder: (id) => { const o = orders.get(id); return o && clone(o); },
    getCustomer: (id) => { const c = customers.get(id); return c && clone(c); },
    async deliverRaw(topic, body) {
      const outcomes = await hooks.deliver(topic, typeof body === 'string' ? body : phpJson(body));
      return outcomes.map((s) => (s === 'error' ? 0 : s));
    },
    webhooks: () => hooks.all(),
    setWebhookStatus: (id, status) => hooks.setStatus(id, status),
    removeWebhook: (id) => hooks.remove(id),
    failNext(n, f) { ctl.failRules.push({ remaining: n, ...f }); },
    oversizedHeaders(on) { ctl.oversized = on; },
    close: () => app.close(),
  };
}
