import type { Pool } from '../src/platform/db.js';
import { ERASED_CATEGORIES, INVOICED, archiveInvoicesSql } from '../src/erasure/stores.js';

/**
 * The retention bench's data and its baselines. Data: N persons (1–2 emails each, 3 orders of 2 lines each, a third
 * of the orders invoiced), generated server-side with INSERT … SELECT generate_series; 30 % are past the cutoff.
 */

/* $1 persons — person i is due (last activity 731–1,100 days ago) when i % 10 < 3, else 0–700 days ago */
const GEN_PERSONS = /* sql */ `
  INSERT INTO persons (id, wc_customer_id, account_email, first_name, last_name, billing, shipping, last_activity_at, policy_version, created_at)
  SELECT i, CASE WHEN i % 4 = 0 THEN NULL ELSE i END, 'p' || i || '@example.com', 'First' || i, 'Last' || i,
    jsonb_build_object('firstName', 'First' || i, 'lastName', 'Last' || i, 'company', '', 'address1', 'Street ' || i,
      'address2', '', 'city', 'Town', 'postcode', '1234 AB', 'state', '', 'country', 'NL', 'email', 'p' || i || '@example.com',
      'phone', '+31 6 1234 5678'),
    jsonb_build_object('firstName', 'First' || i, 'lastName', 'Last' || i, 'address1', 'Street ' || i, 'city', 'Town',
      'postcode', '1234 AB', 'country', 'NL'),
    CASE WHEN i % 10 < 3 THEN now() - (731 + (i::bigint * 7919) % 370) * interval '1 day'
         ELSE now() - ((i::bigint * 7919) % 700) * interval '1 day' END,
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

/**
 * The rows are consistent by construction, so the generator skips the foreign-key checks (session_replication_role =
 * replica: −30 % generation time at 100,000 people on a slow 2-core machine) where it may — that setting needs a
 * superuser; otherwise the checks run. Returns whether they were skipped.
 */
export async function generate(pool: Pool, n: number): Promise<boolean> {
  const client = await pool.connect();
  try {
    const skipChecks = await client.query('SET session_replication_role = replica').then(() => true, () => false);
    await fill(client, n);
    if (skipChecks) await client.query('RESET session_replication_role');
    return skipChecks;
  } finally {
    client.release();
  }
}

async function fill(pool: Pick<Pool, 'query'>, n: number): Promise<void> {
  await pool.query(GEN_PERSONS, [n]);
  await pool.query(GEN_EMAILS, [n]);
  await pool.query(GEN_ORDERS, [n]);
  await pool.query(GEN_LINES);
  await pool.query(`SELECT setval('persons_id_seq', $1::bigint), setval('orders_id_seq', $1::bigint * 3)`, [n]);
  await pool.query('VACUUM ANALYZE persons, person_emails, orders, order_lines');
}

/* Due as the sweep decides it: open, inactive since the cutoff ($1), no legal hold in force at `now`. */
const due = (now: string) => /* sql */ `SELECT p.id, p.wc_customer_id FROM persons p
  WHERE p.status <> 'erased' AND COALESCE(p.last_activity_at, p.created_at) < $1
    AND NOT EXISTS (SELECT 1 FROM person_emails e JOIN legal_holds h ON h.subject_key = e.subject_key
                    WHERE e.person_id = p.id AND h.released_at IS NULL AND (h.until IS NULL OR h.until > ${now}))`;

const anonymise = (now: string) => ({
  orders: /* sql */ `UPDATE orders SET billing = anonymise_address(billing), shipping = anonymise_address(shipping),
      wc_customer_id = CASE WHEN wc_customer_id IS NULL THEN NULL ELSE 0 END,
      transaction_id = CASE WHEN COALESCE(transaction_id, '') = '' THEN transaction_id ELSE '0' END, erased = true,
      updated_at = now()
    WHERE person_id IN (SELECT id FROM due) RETURNING 1`,
  emails: /* sql */ `DELETE FROM person_emails WHERE person_id IN (SELECT id FROM due) RETURNING 1`,
  persons: /* sql */ `UPDATE persons SET account_email = NULL,
      first_name = CASE WHEN COALESCE(first_name, '') = '' THEN first_name ELSE '[deleted]' END,
      last_name = CASE WHEN COALESCE(last_name, '') = '' THEN last_name ELSE '[deleted]' END,
      billing = anonymise_address(billing), shipping = anonymise_address(shipping),
      status = 'erased', erased_at = ${now}, updated_at = now()
    WHERE id IN (SELECT id FROM due) RETURNING 1`,
});

/*
 * $1 cutoff, $2 invoice prefix, $3 fiscal retention years (as the archive's projection numbers them), $4 now,
 * $5 tombstone categories.
 * The baseline: one statement leaving the database as the sweep leaves it — the invoice copies (the sweep's own
 * projection), orders and persons anonymised, emails deleted, a tombstone with its subject keys per person.
 * Data-modifying CTEs all see the snapshot from before the statement, so the archive copies the names as printed.
 */
export const BASELINE = /* sql */ `
  WITH due AS (${due('$4')}),
  f AS (${archiveInvoicesSql('o.person_id IN (SELECT id FROM due)', 'ON CONFLICT DO NOTHING RETURNING 1')}),
  o AS (${anonymise('$4').orders}),
  t AS (INSERT INTO erasure_tombstones (id, person_id, wc_customer_id, erased_at, reason, reason_ref, categories)
        SELECT gen_random_uuid(), id, wc_customer_id, $4, 'retention', NULL, $5 FROM due RETURNING id, person_id),
  k AS (INSERT INTO erasure_subject_keys (subject_key, tombstone_id)
        SELECT e.subject_key, t.id FROM t JOIN person_emails e ON e.person_id = t.person_id WHERE e.subject_key IS NOT NULL
        ON CONFLICT DO NOTHING RETURNING 1),
  e AS (${anonymise('$4').emails}),
  p AS (${anonymise('$4').persons})
  SELECT (SELECT count(*) FROM p)::int AS persons, (SELECT count(*) FROM o)::int AS orders, (SELECT count(*) FROM e)::int AS emails,
    (SELECT count(*) FROM f)::int AS fiscal, (SELECT count(*) FROM t)::int AS tombstones, (SELECT count(*) FROM k)::int AS keys`;

/* $1 cutoff, $2 now — the narrower statement measured before: anonymises and deletes, no invoice copies, no tombstones */
export const NARROW_BASELINE = /* sql */ `
  WITH due AS (${due('$2')}), o AS (${anonymise('$2').orders}), e AS (${anonymise('$2').emails}), p AS (${anonymise('$2').persons})
  SELECT (SELECT count(*) FROM p)::int AS persons, (SELECT count(*) FROM o)::int AS orders, (SELECT count(*) FROM e)::int AS emails`;

export const baselineParams = (cutoff: Date, now: Date): unknown[] => [cutoff, 'WC-', 7, now, ERASED_CATEGORIES];

/* $1 cutoff, $2 now */
export const DUE_COUNTS = /* sql */ `
  WITH due AS (${due('$2')})
  SELECT (SELECT count(*) FROM due)::int AS persons,
    (SELECT count(*) FROM orders WHERE person_id IN (SELECT id FROM due))::int AS orders,
    (SELECT count(*) FROM orders o WHERE o.person_id IN (SELECT id FROM due) AND ${INVOICED})::int AS invoiced,
    (SELECT count(*) FROM person_emails WHERE person_id IN (SELECT id FROM due))::int AS emails`;
