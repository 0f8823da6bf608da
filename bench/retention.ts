import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { Pool } from '../src/platform/db.js';
import { createMetrics } from '../src/platform/metrics.js';
import { systemClock } from '../src/platform/clock.js';
import { createRetentionService } from '../src/retention/sweep.service.js';
import { createBenchSchema, dropBenchSchema, schemaPool, settings } from './common.js';

/**
 * Retention sweep: N persons (1–2 emails each, 3 orders of 2 lines each, a third of the orders invoiced),
 * generated server-side with INSERT … SELECT generate_series into two fresh schemas with the same data;
 * 30 % of the persons are past the 730-day cutoff. Figure: the real sweep (createRetentionService → start
 * (operator, forced) → run), which also archives the invoiced orders, writes tombstones and the ledger.
 * Baseline: one statement (data-modifying CTEs) anonymising the same persons and orders and deleting their emails,
 * without fiscal archive or tombstones. Peak RSS is the bench process's maxRSS right after the sweep.
 */

export interface RetentionResult {
  people: number;
  generated: { persons: number; emails: number; orders: number; lines: number; seconds: number };
  due: { persons: number; orders: number; emails: number };
  sweep: { seconds: number; rowsPerSec: number; personsPerSec: number; counts: Record<string, unknown>; status: string };
  baseline: { seconds: number; rowsPerSec: number; personsPerSec: number; persons: number; orders: number; emails: number };
  ratio: number;
  peakRssMb: number;
  freeDiskGb: number;
  target: { maxSeconds: number; minRatio: number; maxRssMb: number };
  met: { seconds: boolean; ratio: boolean; rss: boolean; allErased: boolean };
}

export const retentionPeople = (): number => (settings.quick ? 20_000 : settings.retentionPeople);

const DAY = 86_400_000;

/* $1 persons — person i is due (last activity 731–1,100 days ago) when i % 10 < 3, else 0–700 days ago */
const GEN_PERSONS = /* sql */ `
  INSERT INTO persons (id, wc_customer_id, account_email, first_name, last_name, billing, shipping, last_activity_at, policy_version, created_at)
  SELECT i, CASE WHEN i % 4 = 0 THEN NULL ELSE i END, 'p' || i || '@example.com', 'First' || i, 'Last' || i,
    jsonb_build_object('firstName', 'First' || i, 'lastName', 'Last' || i, 'company', '', 'address1', 'Street ' || i,
      'address2', '', 'city', 'Town', 'postcode', '1234 AB', 'state', '', 'country', 'NL', 'email', 'p' || i || '@example.com',
      'phone', '+31 6 1234 5678'),
    jsonb_build_object('firstName', 'First' || i, 'lastName', 'Last' || i, 'address1', 'Street ' || i, 'city', 'Town',
      'postcode', '1234 AB', 'country', 'NL'),
    CASE WHEN i % 10 < 3 THEN now() - (731 + (i * 7919) % 370) * interval '1 day'
         ELSE now() - ((i * 7919) % 700) * interval '1 day' END,
    'v1', now() - interval '1200 days'
  FROM generate_series(1, $1::int) AS i`;

/* $1 persons — 1 email each, a second one for every other person; subject_key = 32 random bytes */
const GEN_EMAILS = /* sql */ `
  INSERT INTO person_emails (email, person_id, subject_key)
  SELECT 'p' || i || CASE WHEN n = 2 THEN '.alt' ELSE '' END || '@example.com', i,
    decode(md5(random()::text) || md5(random()::text), 'hex')
  FROM generate_series(1, $1::int) AS i, generate_series(1, 2) AS n
  WHERE n = 1 OR i % 2 = 0`;

/* $1 persons — 3 orders each (order k belongs to person (k + 2) / 3); every third order completed and paid */
const GEN_ORDERS = /* sql */ `
  INSERT INTO orders (id, wc_order_id, person_id, wc_customer_id, number, status, currency, total, total_tax, shipping_total,
    payment_method, payment_method_title, transaction_id, billing, shipping, ip_address, date_created_gmt, date_paid_gmt,
    date_completed_gmt, body_sha256, inbox_id, policy_version)
  SELECT k, k, p, CASE WHEN p % 4 = 0 THEN NULL ELSE p END, k::text,
    CASE WHEN k % 3 = 0 THEN 'completed' ELSE 'cancelled' END, 'EUR', 36.30, 6.30, 5.00, 'ideal', 'iDEAL',
    CASE WHEN k % 3 = 0 THEN 'tr_' || k ELSE '' END,
    jsonb_build_object('firstName', 'First' || p, 'lastName', 'Last' || p, 'company', '', 'address1', 'Street ' || p,
      'address2', '', 'city', 'Town', 'postcode', '1234 AB', 'state', '', 'country', 'NL', 'email', 'p' || p || '@example.com',
      'phone', '+31 6 1234 5678'),
    jsonb_build_object('firstName', 'First' || p, 'lastName', 'Last' || p, 'company', '', 'address1', 'Street ' || p,
      'address2', '', 'city', 'Town', 'postcode', '1234 AB', 'state', '', 'country', 'NL', 'phone', ''),
    '192.168.0.0', d, CASE WHEN k % 3 = 0 THEN d END, CASE WHEN k % 3 = 0 THEN d END,
    decode(md5(k::text), 'hex'), k, 'v1'
  FROM generate_series(1, $1::int * 3) AS k
  CROSS JOIN LATERAL (SELECT (k + 2) / 3 AS p) pp
  CROSS JOIN LATERAL (SELECT now() - (800 + k % 300) * interval '1 day' AS d) dd`;

/* 2 lines per order */
const GEN_LINES = /* sql */ `
  INSERT INTO order_lines (order_id, position, kind, wc_line_id, name, code, product_id, quantity, subtotal, total, total_tax, tax_class)
  SELECT o.id, n, CASE WHEN n = 0 THEN 'product' ELSE 'shipping' END, o.id * 10 + n,
    CASE WHEN n = 0 THEN 'Product ' || (o.id % 500) ELSE 'Flat rate' END,
    CASE WHEN n = 0 THEN 'SKU-' || (o.id % 500) ELSE 'flat_rate' END, CASE WHEN n = 0 THEN o.id % 500 END,
    CASE WHEN n = 0 THEN 1 END, CASE WHEN n = 0 THEN 25.00 END, CASE WHEN n = 0 THEN 25.00 ELSE 5.00 END,
    CASE WHEN n = 0 THEN 5.25 ELSE 1.05 END, ''
  FROM orders o, generate_series(0, 1) AS n`;

async function generate(pool: Pool, n: number): Promise<void> {
  await pool.query(GEN_PERSONS, [n]);
  await pool.query(GEN_EMAILS, [n]);
  await pool.query(GEN_ORDERS, [n]);
  await pool.query(GEN_LINES);
  await pool.query(`SELECT setval('persons_id_seq', $1::bigint), setval('orders_id_seq', $1::bigint * 3)`, [n]);
  await pool.query('VACUUM ANALYZE persons, person_emails, orders, order_lines');
}

/* $1 cutoff — one statement: the due persons anonymised and closed, their orders anonymised, their emails deleted */
const BASELINE = /* sql */ `
  WITH due AS (SELECT p.id FROM persons p WHERE p.status <> 'erased' AND COALESCE(p.last_activity_at, p.created_at) < $1),
  o AS (
    UPDATE orders SET billing = anonymise_address(billing), shipping = anonymise_address(shipping),
      wc_customer_id = CASE WHEN wc_customer_id IS NULL THEN NULL ELSE 0 END,
      transaction_id = CASE WHEN COALESCE(transaction_id, '') = '' THEN transaction_id ELSE '0' END, updated_at = now()
    WHERE person_id IN (SELECT id FROM due) RETURNING 1),
  e AS (DELETE FROM person_emails WHERE person_id IN (SELECT id FROM due) RETURNING 1),
  p AS (
    UPDATE persons SET account_email = NULL,
      first_name = CASE WHEN COALESCE(first_name, '') = '' THEN first_name ELSE '[deleted]' END,
      last_name = CASE WHEN COALESCE(last_name, '') = '' THEN last_name ELSE '[deleted]' END,
      billing = anonymise_address(billing), shipping = anonymise_address(shipping),
      status = 'erased', erased_at = now(), updated_at = now()
    WHERE id IN (SELECT id FROM due) RETURNING 1)
  SELECT (SELECT count(*) FROM p)::int AS persons, (SELECT count(*) FROM o)::int AS orders, (SELECT count(*) FROM e)::int AS emails`;

/* $1 cutoff */
const DUE_COUNTS = /* sql */ `
  WITH due AS (SELECT p.id FROM persons p WHERE p.status <> 'erased' AND COALESCE(p.last_activity_at, p.created_at) < $1)
  SELECT (SELECT count(*) FROM due)::int AS persons,
    (SELECT count(*) FROM orders WHERE person_id IN (SELECT id FROM due))::int AS orders,
    (SELECT count(*) FROM person_emails WHERE person_id IN (SELECT id FROM due))::int AS emails`;

/** Free bytes on the bench results folder's filesystem (a proxy: Postgres's data directory is not reachable). */
export function checkFreeDisk(dir: string, people: number): number {
  const s = statfsSync(dir);
  const free = Number(s.bavail) * Number(s.bsize);
  const needGb = people > 20_000 ? 15 : 1;
  if (free < needGb * 2 ** 30) {
    throw new Error(`retention: needs ~${needGb} GB free disk for ${people.toLocaleString('en-US')} people ` +
      `(two schemas of persons, orders, lines, fiscal archive and WAL); ${(free / 2 ** 30).toFixed(1)} GB free on the ` +
      `filesystem of ${dir}. Free some space, or run a smaller size (BENCH_RETENTION_PEOPLE=… or BENCH_QUICK=1).`);
  }
  return free;
}

export async function runRetentionBench(resultsDir: string): Promise<RetentionResult> {
  const n = retentionPeople();
  const freeDiskGb = checkFreeDisk(resultsDir, n) / 2 ** 30;
  const sweepSchema = await createBenchSchema('retention');
  const baseSchema = await createBenchSchema('retention_base');
  const sweepPool = schemaPool(sweepSchema, 4);
  const basePool = schemaPool(baseSchema, 1);
  const dataDir = mkdtempSync(join(tmpdir(), 'woo-companion-bench-retention-'));
  try {
    process.stdout.write(`  generating ${n.toLocaleString('en-US')} persons, ${(3 * n).toLocaleString('en-US')} orders in two schemas … `);
    const g0 = performance.now();
    await Promise.all([generate(sweepPool, n), generate(basePool, n)]);
    const genSec = (performance.now() - g0) / 1000;
    const gen = (await sweepPool.query<{ p: number; e: number; o: number; l: number }>(
      `SELECT (SELECT count(*) FROM persons)::int AS p, (SELECT count(*) FROM person_emails)::int AS e,
        (SELECT count(*) FROM orders)::int AS o, (SELECT count(*) FROM order_lines)::int AS l`)).rows[0]!;
    process.stdout.write(`${genSec.toFixed(1)} s\n`);

    const cutoff = new Date(Date.now() - 730 * DAY);
    const due = (await sweepPool.query<{ persons: number; orders: number; emails: number }>(DUE_COUNTS, [cutoff])).rows[0]!;
    const rows = due.persons + due.orders + due.emails;

    // Figure: the sweep.
    const retention = createRetentionService({
      pool: sweepPool, log: pino({ level: 'silent' }), metrics: createMetrics(), clock: systemClock,
      erasure: { dataDir, fiscal: { prefix: 'WC-', years: 7 } }, inactiveDays: 730, maxFraction: 1, rawPayloadRetentionDays: 7,
      mirrorHealth: async () => ({ webhooksNotDelivering: null, reconciliationLagSeconds: undefined }),
    });
    process.stdout.write(`  sweep: ${due.persons.toLocaleString('en-US')} due persons … `);
    const s0 = performance.now();
    const { sweep } = await retention.start({ trigger: 'operator', force: true });
    const done = await retention.run(sweep.id);
    const sweepSec = (performance.now() - s0) / 1000;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(`${sweepSec.toFixed(1)} s (${done.status})\n`);
    const left = (await sweepPool.query<{ persons: number }>(DUE_COUNTS, [cutoff])).rows[0]!.persons;

    // Baseline: one statement.
    process.stdout.write('  baseline: one set-based statement … ');
    const b0 = performance.now();
    const b = (await basePool.query<{ persons: number; orders: number; emails: number }>(BASELINE, [cutoff])).rows[0]!;
    const baseSec = (performance.now() - b0) / 1000;
    process.stdout.write(`${baseSec.toFixed(1)} s\n`);

    const personsErased = Number(done.counts.personsErased ?? 0);
    const sweepRate = rows / sweepSec;
    const baseRate = (b.persons + b.orders + b.emails) / baseSec;
    return {
      people: n,
      generated: { persons: gen.p, emails: gen.e, orders: gen.o, lines: gen.l, seconds: genSec },
      due,
      sweep: { seconds: sweepSec, rowsPerSec: sweepRate, personsPerSec: personsErased / sweepSec, counts: done.counts, status: done.status },
      baseline: { seconds: baseSec, rowsPerSec: baseRate, personsPerSec: b.persons / baseSec, ...b },
      ratio: sweepRate / baseRate,
      peakRssMb,
      freeDiskGb,
      target: { maxSeconds: 60, minRatio: 0.5, maxRssMb: 256 },
      met: {
        seconds: sweepSec <= 60, ratio: sweepRate / baseRate >= 0.5, rss: peakRssMb <= 256,
        allErased: done.status === 'completed' && personsErased === due.persons && left === 0 && b.persons === due.persons,
      },
    };
  } finally {
    await sweepPool.end();
    await basePool.end();
    rmSync(dataDir, { recursive: true, force: true });
    await dropBenchSchema(sweepSchema);
    await dropBenchSchema(baseSchema);
  }
}
