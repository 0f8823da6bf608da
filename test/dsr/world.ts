import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import type { Config } from '../../src/config.js';
import type { Clock } from '../../src/platform/clock.js';
import { ADMIN_TOKEN, createTestContext, testConfig, type TestContext } from '../setup/context.js';
import { startSmtpServer, type FakeSmtp, type ParsedMessage } from '../fakes/smtp.js';
import { aDelivery } from '../builders/webhooks.js';
import { aCustomer, anOrder, nextId } from '../builders/woocommerce.js';
import { startWorld, type World } from '../processors/world.js';

/**
 * The DSR end-to-end world: the real app and workers (real Postgres, Redis) with a local SMTP server, a clock that
 * follows real time and can be moved forward, and helpers that go through the HTTP API only.
 *
 * The clock runs at real time plus an offset: the mail outbox queues mail at the database's now() and the sender
 * claims what is due on this clock, so a clock frozen in the past would never send a mail queued later.
 */

export const PUBLIC_URL = 'https://companion.example';
export const DAY = 86_400_000;

export interface MovableClock extends Clock {
  /** Moves "now" forward by ms (it keeps running at real speed from there). */
  advance(ms: number): void;
  /** Back to real time. */
  reset(): void;
}

export function movableClock(): MovableClock {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => { offset += ms; }, reset: () => { offset = 0; } };
}

export interface Res<T = any> { status: number; body: T; text: string; headers: Record<string, unknown> }

export interface DsrWorld {
  ctx: TestContext;
  smtp: FakeSmtp;
  clock: MovableClock;
  /** The processors world when started with { processors: true }, else null. */
  processors: World | null;
  /** An operator call under /api (bearer ADMIN_TOKEN unless token is given; token null → no Authorization). */
  api<T = any>(method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, token?: string | null): Promise<Res<T>>;
  /** A signed webhook through the real intake, then waits until the mirror processed it. */
  deliver(body: unknown, topic: string): Promise<void>;
  /** Mirrors a person through webhooks: a customer and `orders` orders (default 2) at `email`. Returns the bodies sent. */
  mirrorPerson(email: string, o?: { orders?: number; first_name?: string; last_name?: string; order?: Record<string, unknown> }):
    Promise<{ customer: ReturnType<typeof aCustomer>; orders: ReturnType<typeof anOrder>[] }>;
  /** POST /api/privacy-requests {type, email, ...extra}. */
  fileRequest(type: string, email: string, extra?: Record<string, unknown>): Promise<Res>;
  /** Every message so far whose envelope includes `email`. */
  mailsTo(email: string): ParsedMessage[];
  /** Waits until at least `count` messages reached `email` (optionally only those matching `pred`); returns them. */
  waitForMails(email: string, count: number, pred?: (m: ParsedMessage) => boolean, timeoutMs?: number): Promise<ParsedMessage[]>;
  /** The 6-digit code and the token of a verification mail's text. */
  codeAndToken(mailText: string): { code: string; token: string };
  /** Public POST /verify/:token with JSON {code}. */
  verifyByCode(token: string, code: string): Promise<Res>;
  /** POST /api/privacy-requests/:id/complete. */
  complete(id: string): Promise<Res>;
  close(): Promise<void>;
}

const parse = (text: string) => { try { return JSON.parse(text); } catch { return text; } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startDsrWorld(o: { processors?: boolean; env?: Record<string, string>; config?: Partial<Config> } = {}): Promise<DsrWorld> {
  const smtp = await startSmtpServer();
  const dataDir = await mkdtemp(join(tmpdir(), 'dsr-e2e-'));
  const clock = movableClock();
  const config: Partial<Config> = { dsr: { ...testConfig().dsr, smtpUrl: smtp.url }, dataDir, publicUrl: PUBLIC_URL, ...o.config };
  let processors: World | null = null;
  let ctx: TestContext;
  if (o.processors) {
    processors = await startWorld({ env: o.env, config, clock });
    ctx = processors.ctx;
  } else {
    ctx = await createTestContext(config, { clock });
    await ctx.startWorkers();
  }

  const inject = async (opts: InjectOptions): Promise<Res> => {
    const res = await ctx.app.inject(opts);
    return { status: res.statusCode, body: parse(res.body), text: res.body, headers: res.headers };
  };
  const mailsTo = (email: string) => smtp.messages.filter((m) => m.envelopeTo.map((a) => a.toLowerCase()).includes(email.toLowerCase()));
  const deliver = async (body: unknown, topic: string) => {
    const res = await ctx.app.inject(aDelivery(body, { topic }));
    if (res.statusCode !== 200) throw new Error(`delivery ${topic} answered ${res.statusCode}`);
    await ctx.drained();
  };

  const world: DsrWorld = {
    ctx, smtp, clock, processors,
    api: (method, url, body, token = ADMIN_TOKEN) => inject({
      method, url, ...(body === undefined ? {} : { payload: body as object }),
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    }),
    deliver,
    async mirrorPerson(email, p = {}) {
      const names = { first_name: p.first_name ?? 'Zoë', last_name: p.last_name ?? 'de Vries' };
      const customer = aCustomer({ email, ...names });
      await deliver(customer, 'customer.created');
      const orders: ReturnType<typeof anOrder>[] = [];
      for (let i = 0; i < (p.orders ?? 2); i++) {
        const id = nextId();
        const order = anOrder({ id, email, ...names, customer_id: customer.id, total: i === 0 ? '28.63' : '29.63',
          created: `2025-01-0${2 + i}T09:00:00`, modified: `2025-01-0${2 + i}T09:01:00`, ...p.order });
        orders.push(order);
        await deliver(order, 'order.created');
      }
      return { customer, orders };
    },
    fileRequest: (type, email, extra = {}) => world.api('POST', '/api/privacy-requests', { type, email, ...extra }),
    mailsTo,
    async waitForMails(email, count, pred = () => true, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const got = mailsTo(email).filter(pred);
        if (got.length >= count) return got;
        if (Date.now() > until) throw new Error(`${got.length} of ${count} mails reached the address within ${timeoutMs} ms`);
        await sleep(50);
      }
    },
    codeAndToken(text) {
      const token = /\/verify\/([A-Za-z0-9_-]{20,100})/.exec(text)?.[1];
      const code = /code[^\d\n]*(\d{6})\b/i.exec(text)?.[1];
      if (!token || !code) throw new Error('no code or verification link in the mail text');
      return { code, token };
    },
    verifyByCode: (token, code) => inject({ method: 'POST', url: `/verify/${token}`, payload: { code }, headers: { 'content-type': 'application/json' } }),
    complete: (id) => world.api('POST', `/api/privacy-requests/${id}/complete`),
    async close() {
      if (processors) await processors.close();
      else await ctx.close();
      await smtp.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return world;
}
