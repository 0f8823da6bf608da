import { performance } from 'node:perf_hooks';
import { buildExport } from '../src/dsr/export/export.builder.js';
import { loadSubjectData } from '../src/dsr/export/subject-data.repository.js';
import { processorRegister } from '../src/processors/register.js';
import { createBenchSchema, dropBenchSchema, schemaPool } from './common.js';

/**
 * Access export: one person with 1,000 orders of 3 lines each (a third of them invoiced) in a fresh schema.
 * Figure: loadSubjectData (in a REPEATABLE READ transaction, as rights.service does) + buildExport +
 * JSON.stringify of the package, RUNS times after one warm-up run. Baseline: one `SELECT json_agg(…)` of the
 * same orders with their lines, parsed by pg. Target: p95 ≤ 300 ms for the package.
 */

export interface ExportResult {
  orders: number;
  lines: number;
  runs: number;
  packageBytes: number;
  figure: { p50Ms: number; p95Ms: number; maxMs: number; loadP50Ms: number; buildP50Ms: number };
  baseline: { p50Ms: number; p95Ms: number; maxMs: number };
  ratio: number;
  target: { maxMs: number };
  met: { p95: boolean; complete: boolean };
}

const RUNS = 20;
const ORDERS = 1000;
const PERSON_ID = 1;

const GEN = [
  /* sql */ `INSERT INTO persons (id, wc_customer_id, account_email, first_name, last_name, billing, shipping, last_activity_at, policy_version)
    VALUES (1, 42, 'big@example.com', 'Big', 'Spender',
      '{"firstName":"Big","lastName":"Spender","company":"","address1":"Street 1","address2":"","city":"Town","postcode":"1234 AB","state":"","country":"NL","email":"big@example.com","phone":"+31 6 1234 5678"}',
      '{"firstName":"Big","lastName":"Spender","company":"","address1":"Street 1","address2":"","city":"Town","postcode":"1234 AB","state":"","country":"NL","phone":""}',
      now(), 'v1')`,
  /* sql */ `INSERT INTO person_emails (email, person_id, subject_key) VALUES ('big@example.com', 1, decode(md5('a') || md5('b'), 'hex'))`,
  /* sql */ `INSERT INTO orders (id, wc_order_id, person_id, wc_customer_id, number, status, currency, total, total_tax, shipping_total,
      payment_method, payment_method_title, transaction_id, billing, shipping, ip_address, date_created_gmt, date_paid_gmt,
      date_completed_gmt, body_sha256, inbox_id, policy_version)
    SELECT k, 1000 + k, 1, 42, (1000 + k)::text, CASE WHEN k % 3 = 0 THEN 'completed' ELSE 'cancelled' END, 'EUR', 41.30, 7.17, 5.00,
      'ideal', 'iDEAL', 'tr_' || k, p.billing, p.shipping, '192.168.0.0', now() - k * interval '1 day',
      CASE WHEN k % 3 = 0 THEN now() - k * interval '1 day' END, CASE WHEN k % 3 = 0 THEN now() - k * interval '1 day' END,
      decode(md5(k::text), 'hex'), k, 'v1'
    FROM generate_series(1, ${ORDERS}) AS k, persons p WHERE p.id = 1`,
  /* sql */ `INSERT INTO order_lines (order_id, position, kind, wc_line_id, name, code, product_id, quantity, subtotal, total, total_tax, tax_class, extra)
    SELECT o.id, n, (ARRAY['product', 'tax', 'shipping'])[n + 1], o.id * 10 + n,
      (ARRAY['Product ' || (o.id % 50), 'VAT 21%', 'Flat rate'])[n + 1], (ARRAY['SKU-' || (o.id % 50), 'NL-VAT-1', 'flat_rate'])[n + 1],
      CASE WHEN n = 0 THEN o.id % 50 END, CASE WHEN n = 0 THEN 1 END, CASE WHEN n = 0 THEN 30.00 END,
      (ARRAY[30.00, 6.30, 5.00])[n + 1], (ARRAY[6.30, 0, 1.05])[n + 1], '', CASE WHEN n = 1 THEN '{"compound":false,"rateId":1}'::jsonb END
    FROM orders o, generate_series(0, 2) AS n`,
  /* sql */ `SELECT setval('persons_id_seq', 1), setval('orders_id_seq', ${ORDERS})`,
  /* sql */ `VACUUM ANALYZE persons, person_emails, orders, order_lines`,
];

/* $1 person id */
const BASELINE = /* sql */ `
  SELECT json_agg(json_build_object('order', to_json(o), 'lines',
      (SELECT json_agg(to_json(l) ORDER BY l.position) FROM order_lines l WHERE l.order_id = o.id))
    ORDER BY o.date_created_gmt, o.wc_order_id) AS orders
  FROM orders o WHERE o.person_id = $1`;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};

export async function runExportBench(): Promise<ExportResult> {
  const schema = await createBenchSchema('export');
  const pool = schemaPool(schema, 1);
  try {
    for (const sql of GEN) await pool.query(sql);
    const register = processorRegister({ reviewsProvider: 'own' });
    const ctx = {
      kind: 'access' as const, policyVersion: 'v1', register, shopName: 'Bench Shop',
      retention: { inactiveDays: 730, fiscalYears: 7, labelDays: 90, rawPayloadDays: 7 },
    };

    const client = await pool.connect();
    const total: number[] = [];
    const load: number[] = [];
    const build: number[] = [];
    const base: number[] = [];
    let packageBytes = 0;
    let orders = 0;
    let lines = 0;
    try {
      for (let i = 0; i <= RUNS; i++) {
        const t0 = performance.now();
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const data = await loadSubjectData(client, PERSON_ID, { invoicePrefix: 'WC-' });
        await client.query('COMMIT');
        const t1 = performance.now();
        if (!data) throw new Error('export: the bench person is missing');
        const json = JSON.stringify(buildExport(data, { ...ctx, generatedAt: new Date() }));
        const t2 = performance.now();
        if (i === 0) { // warm-up, not counted
          packageBytes = Buffer.byteLength(json);
          orders = data.orders.length;
          lines = data.orders.reduce((s, o) => s + o.lines.length, 0);
          continue;
        }
        total.push(t2 - t0);
        load.push(t1 - t0);
        build.push(t2 - t1);
      }
      for (let i = 0; i <= RUNS; i++) {
        const t0 = performance.now();
        const { rows } = await client.query<{ orders: unknown[] }>(BASELINE, [PERSON_ID]);
        const dt = performance.now() - t0;
        if (rows[0]!.orders.length !== ORDERS) throw new Error('export: the baseline did not return every order');
        if (i > 0) base.push(dt);
      }
    } finally {
      client.release();
    }
    const p95 = quantile(total, 0.95);
    const bp50 = quantile(base, 0.5);
    return {
      orders, lines, runs: RUNS, packageBytes,
      figure: { p50Ms: quantile(total, 0.5), p95Ms: p95, maxMs: Math.max(...total), loadP50Ms: quantile(load, 0.5), buildP50Ms: quantile(build, 0.5) },
      baseline: { p50Ms: bp50, p95Ms: quantile(base, 0.95), maxMs: Math.max(...base) },
      ratio: bp50 / quantile(total, 0.5),
      target: { maxMs: 300 },
      met: { p95: p95 <= 300, complete: orders === ORDERS && lines === ORDERS * 3 },
    };
  } finally {
    await pool.end();
    await dropBenchSchema(schema);
  }
}
