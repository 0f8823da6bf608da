import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { insertDeliveries, type NewDelivery } from '../src/intake/inbox.repository.js';
import { withTransaction } from '../src/platform/db.js';
import { createBenchSchema, dropBenchSchema, schemaPool, settings, uniqueName } from './common.js';
import { SHOP, orderBody, orderSpecs } from './fixtures.js';
import { obliterate } from './intake.bench.js';
import { startChild } from './processes.js';
import { type CpuSeconds, meterCpu } from './cpu.js';

/**
 * Mirror: N realistic orders committed to the inbox (not timed), then applied end-to-end by one worker process —
 * relay → BullMQ → mirror worker (MIRROR_CONCURRENCY as configured) → Postgres — timed from "go" until no inbox
 * row is unprocessed. Baseline, same run and database: the same bodies parsed in JS and written with one
 * multi-row upsert per 1,000 orders (orders via jsonb_to_recordset … ON CONFLICT DO UPDATE, plus their lines)
 * into plain tables without the mirror's identity resolution, staleness checks, savepoints or queue.
 */

export interface MirrorResult {
  orders: number;
  bodyBytesAvg: number;
  mirrorConcurrency: number;
  endToEnd: {
    seconds: number; ordersPerSec: number; outcomes: Record<string, number>; orders: number; persons: number; lines: number;
    /** CPU used from "go" until drained: the worker process, the bench database's backends, redis-server. */
    cpu: CpuSeconds;
  };
  baseline: {
    seconds: number; ordersPerSec: number; chunk: number; orders: number; lines: number;
    /** CPU used by the upsert loop: this (the bench) process, the bench database's backends, redis-server. */
    cpu: CpuSeconds;
  };
  ratio: number;
  /** Seconds since "go" → rows relayed / processed, sampled every ~0.5 s. */
  timeline: { t: number; relayed: number; processed: number }[];
  target: { minOrdersPerSec: number };
  met: { ordersPerSec: boolean; allApplied: boolean };
}

const BASELINE_CHUNK = 1000;

const BASELINE_DDL = /* sql */ `
  CREATE TABLE baseline_orders (
    wc_order_id bigint PRIMARY KEY, wc_customer_id bigint, number text NOT NULL, status text NOT NULL,
    currency text NOT NULL, total numeric NOT NULL, total_tax numeric NOT NULL, shipping_total numeric NOT NULL,
    discount_total numeric NOT NULL, payment_method_title text, email text, billing jsonb NOT NULL, shipping jsonb NOT NULL,
    ip_address text, date_created_gmt timestamptz, date_modified_gmt timestamptz, date_paid_gmt timestamptz,
    body_sha256 bytea NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE baseline_order_lines (
    wc_order_id bigint NOT NULL, position int NOT NULL, kind text NOT NULL, name text, code text,
    quantity numeric, total numeric NOT NULL, total_tax numeric NOT NULL, PRIMARY KEY (wc_order_id, position))`;

/* $1 jsonb array of orders */
const BASELINE_UPSERT = /* sql */ `
  INSERT INTO baseline_orders (wc_order_id, wc_customer_id, number, status, currency, total, total_tax, shipping_total,
    discount_total, payment_method_title, email, billing, shipping, ip_address, date_created_gmt, date_modified_gmt,
    date_paid_gmt, body_sha256)
  SELECT r.wc_order_id, r.wc_customer_id, r.number, r.status, r.currency, r.total, r.total_tax, r.shipping_total,
    r.discount_total, r.payment_method_title, r.email, r.billing, r.shipping, r.ip_address, r.date_created_gmt,
    r.date_modified_gmt, r.date_paid_gmt, decode(r.body_sha256, 'hex')
  FROM jsonb_to_recordset($1::jsonb) AS r(wc_order_id bigint, wc_customer_id bigint, number text, status text,
    currency text, total numeric, total_tax numeric, shipping_total numeric, discount_total numeric,
    payment_method_title text, email text, billing jsonb, shipping jsonb, ip_address text, date_created_gmt timestamptz,
    date_modified_gmt timestamptz, date_paid_gmt timestamptz, body_sha256 text)
  ON CONFLICT (wc_order_id) DO UPDATE SET
    wc_customer_id = EXCLUDED.wc_customer_id, number = EXCLUDED.number, status = EXCLUDED.status,
    currency = EXCLUDED.currency, total = EXCLUDED.total, total_tax = EXCLUDED.total_tax,
    shipping_total = EXCLUDED.shipping_total, discount_total = EXCLUDED.discount_total,
    payment_method_title = EXCLUDED.payment_method_title, email = EXCLUDED.email, billing = EXCLUDED.billing,
    shipping = EXCLUDED.shipping, ip_address = EXCLUDED.ip_address, date_created_gmt = EXCLUDED.date_created_gmt,
    date_modified_gmt = EXCLUDED.date_modified_gmt, date_paid_gmt = EXCLUDED.date_paid_gmt,
    body_sha256 = EXCLUDED.body_sha256, updated_at = now()`;

/* $1 jsonb array of lines */
const BASELINE_LINES = /* sql */ `
  INSERT INTO baseline_order_lines (wc_order_id, position, kind, name, code, quantity, total, total_tax)
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(wc_order_id bigint, position int, kind text, name text, code text,
    quantity numeric, total numeric, total_tax numeric)
  ON CONFLICT (wc_order_id, position) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, code = EXCLUDED.code,
    quantity = EXCLUDED.quantity, total = EXCLUDED.total, total_tax = EXCLUDED.total_tax`;

type Json = Record<string, unknown>;
const zulu = (v: unknown) => (typeof v === 'string' && v ? `${v}Z` : null);

/** The baseline's whole "mapping": pick the columns from the parsed body. */
function baselineRows(body: Buffer, sha: Buffer): { order: Json; lines: Json[] } {
  const o = JSON.parse(body.toString('utf8')) as Json;
  const billing = o.billing as Json;
  const lines: Json[] = [];
  const push = (kind: string, ls: unknown, f: (l: Json) => Json) =>
    (ls as Json[]).forEach((l) => lines.push({ wc_order_id: o.id, position: lines.length, kind, ...f(l) }));
  push('product', o.line_items, (l) => ({ name: l.name, code: l.sku, quantity: l.quantity, total: l.total, total_tax: l.total_tax }));
  push('tax', o.tax_lines, (l) => ({ name: l.label, code: l.rate_code, total: l.tax_total, total_tax: 0 }));
  push('shipping', o.shipping_lines, (l) => ({ name: l.method_title, code: l.method_id, total: l.total, total_tax: l.total_tax }));
  push('coupon', o.coupon_lines, (l) => ({ code: l.code, total: l.discount, total_tax: l.discount_tax }));
  return {
    order: {
      wc_order_id: o.id, wc_customer_id: o.customer_id || null, number: o.number, status: o.status, currency: o.currency,
      total: o.total, total_tax: o.total_tax, shipping_total: o.shipping_total, discount_total: o.discount_total,
      payment_method_title: o.payment_method_title, email: String(billing.email ?? '').trim().toLowerCase() || null,
      billing, shipping: o.shipping, ip_address: o.customer_ip_address, date_created_gmt: zulu(o.date_created_gmt),
      date_modified_gmt: zulu(o.date_modified_gmt), date_paid_gmt: zulu(o.date_paid_gmt), body_sha256: sha.toString('hex'),
    },
    lines,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runMirrorBench(mirrorConcurrency: number): Promise<MirrorResult> {
  const n = settings.mirrorOrders;
  const schema = await createBenchSchema('mirror');
  const prefix = uniqueName('bench-mirror').replace(/_/g, '-');
  const pool = schemaPool(schema, 2);
  try {
    // Not timed: the deliveries, committed to the inbox as intake would have.
    const deliveries: NewDelivery[] = orderSpecs(n).map((s) => {
      const body = Buffer.from(orderBody(s));
      return { source: SHOP.replace(/\/+$/, ''), topic: 'order.created', webhookId: '7', bodySha256: createHash('sha256').update(body).digest(), body };
    });
    for (let i = 0; i < deliveries.length; i += 1000) await insertDeliveries(pool, deliveries.slice(i, i + 1000));
    await pool.query('VACUUM ANALYZE webhook_inbox');
    const bodyBytesAvg = Math.round(deliveries.reduce((s, d) => s + d.body.length, 0) / n);

    // Baseline.
    await pool.query(BASELINE_DDL);
    process.stdout.write(`  baseline: ${n} orders, one upsert per ${BASELINE_CHUNK} … `);
    const stopBaselineMeter = await meterCpu(process.pid, pool);
    const b0 = performance.now();
    for (let i = 0; i < n; i += BASELINE_CHUNK) {
      const rows = deliveries.slice(i, i + BASELINE_CHUNK).map((d) => baselineRows(d.body, d.bodySha256));
      await withTransaction(pool, async (db) => {
        await db.query(BASELINE_UPSERT, [JSON.stringify(rows.map((r) => r.order))]);
        await db.query(BASELINE_LINES, [JSON.stringify(rows.flatMap((r) => r.lines))]);
      });
    }
    const baselineSec = (performance.now() - b0) / 1000;
    const baselineCpu = await stopBaselineMeter();
    const bCounts = await pool.query<{ o: number; l: number }>(
      'SELECT (SELECT count(*)::int FROM baseline_orders) AS o, (SELECT count(*)::int FROM baseline_order_lines) AS l');
    process.stdout.write(`${Math.round(n / baselineSec)} orders/s\n`);

    // End to end: relay + BullMQ + worker in their own process.
    const child = startChild('worker', { BENCH_SCHEMA: schema, BENCH_QUEUE_PREFIX: prefix });
    const timeline: MirrorResult['timeline'] = [];
    let e2eSec: number;
    let cpu: CpuSeconds;
    try {
      await child.next('started');
      process.stdout.write(`  end-to-end: ${n} orders through relay → BullMQ → worker (concurrency ${mirrorConcurrency}) … `);
      const stopMeter = await meterCpu(child.proc.pid, pool);
      const t0 = performance.now();
      child.send('go');
      const deadline = t0 + 15 * 60_000;
      for (;;) {
        const { rows } = await pool.query<{ unrelayed: number; unprocessed: number }>(
          `SELECT count(*) FILTER (WHERE enqueued_at IS NULL)::int AS unrelayed, count(*)::int AS unprocessed
           FROM webhook_inbox WHERE processed_at IS NULL`);
        const t = (performance.now() - t0) / 1000;
        const { unrelayed, unprocessed } = rows[0]!;
        const last = timeline[timeline.length - 1];
        if (!last || t - last.t >= 0.5 || unprocessed === 0) {
          timeline.push({ t: Math.round(t * 1000) / 1000, relayed: n - unrelayed, processed: n - unprocessed });
        }
        if (unprocessed === 0) {
          e2eSec = t;
          cpu = await stopMeter();
          break;
        }
        if (performance.now() > deadline) throw new Error(`mirror: ${unprocessed} of ${n} still unprocessed after 15 min`);
        await sleep(100); // end time resolution ~0.1 s
      }
      process.stdout.write(`${Math.round(n / e2eSec)} orders/s\n`);
    } finally {
      await child.stop();
    }

    const outcomes = await pool.query<{ outcome: string; n: number }>(
      'SELECT coalesce(outcome, \'(none)\') AS outcome, count(*)::int AS n FROM webhook_inbox GROUP BY 1 ORDER BY 1');
    const counts = await pool.query<{ o: number; p: number; l: number }>(
      'SELECT (SELECT count(*)::int FROM orders) AS o, (SELECT count(*)::int FROM persons) AS p, (SELECT count(*)::int FROM order_lines) AS l');
    const outcomeMap = Object.fromEntries(outcomes.rows.map((r) => [r.outcome, r.n]));
    const c = counts.rows[0]!;
    const e2eRate = n / e2eSec;
    const baseRate = n / baselineSec;
    return {
      orders: n,
      bodyBytesAvg,
      mirrorConcurrency,
      endToEnd: { seconds: e2eSec, ordersPerSec: e2eRate, outcomes: outcomeMap, orders: c.o, persons: c.p, lines: c.l, cpu },
      baseline: { seconds: baselineSec, ordersPerSec: baseRate, chunk: BASELINE_CHUNK, orders: bCounts.rows[0]!.o, lines: bCounts.rows[0]!.l, cpu: baselineCpu },
      ratio: e2eRate / baseRate,
      timeline,
      target: { minOrdersPerSec: 2000 },
      met: { ordersPerSec: e2eRate >= 2000, allApplied: outcomeMap.applied === n && c.o === n },
    };
  } finally {
    await pool.end();
    await obliterate(prefix);
    await dropBenchSchema(schema);
  }
}
