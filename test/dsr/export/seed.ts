import type { Pool } from '../../../src/platform/db.js';

/** SQL seeds for what the export reads beside the mirror: push records, labels, consents, audit trail, requests. */

export async function orderIdOf(pool: Pool, wcOrderId: number): Promise<number> {
  return (await pool.query<{ id: number }>('SELECT id FROM orders WHERE wc_order_id = $1', [wcOrderId])).rows[0]!.id;
}

export async function personIdOf(pool: Pool, email: string): Promise<number> {
  return (await pool.query<{ person_id: number }>('SELECT person_id FROM person_emails WHERE email = $1', [email])).rows[0]!.person_id;
}

export async function subjectKeysOf(pool: Pool, personId: number): Promise<Buffer[]> {
  return (await pool.query<{ k: Buffer }>('SELECT subject_key AS k FROM person_emails WHERE person_id = $1', [personId])).rows.map((r) => r.k);
}

export interface SyncSeed {
  processor: 'snelstart' | 'postnl' | 'reviews';
  kind: 'booking' | 'credit' | 'shipment' | 'invitation';
  ref?: string;
  status: 'pending' | 'held' | 'done' | 'failed' | 'skipped';
  reason?: string | null;
  externalId?: string | null;
  at: string;
}

export async function insertSync(pool: Pool, orderId: number, s: SyncSeed): Promise<void> {
  await pool.query(
    `INSERT INTO processor_syncs (order_id, processor, kind, ref, status, reason, external_id, last_error, run_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'internal error text', $8, $8, $8)`,
    [orderId, s.processor, s.kind, s.ref ?? '', s.status, s.reason ?? null, s.externalId ?? null, s.at]);
}

export async function insertLabel(pool: Pool, orderId: number, barcode: string, at: string): Promise<void> {
  await pool.query(`INSERT INTO shipment_labels (order_id, barcode, label_pdf, created_at) VALUES ($1, $2, $3, $4)`,
    [orderId, barcode, Buffer.from('%PDF-1.4 label with name and address'), at]);
}

export async function insertConsent(pool: Pool, personId: number, granted: boolean, source: string, at: string): Promise<void> {
  await pool.query(`INSERT INTO consents (person_id, purpose, granted, source, recorded_at) VALUES ($1, 'review_invitation', $2, $3, $4)`,
    [personId, granted, source, at]);
}

export async function insertAudit(pool: Pool, key: Buffer | null, action: string, at: string, detail: object = {}): Promise<void> {
  await pool.query(`INSERT INTO audit_log (at, actor, action, subject_key, detail) VALUES ($1, 'operator', $2, $3, $4)`,
    [at, action, key, JSON.stringify(detail)]);
}

export async function insertRequest(
  pool: Pool, r: { personId: number | null; key: Buffer; email: string; type: string; status: string; at: string },
): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO privacy_requests (type, status, email, subject_key, person_id, received_at, due_at, filed_by)
     VALUES ($1, $2, $3, $4, $5, $6, $6::timestamptz + interval '30 days', 'operator') RETURNING id`,
    [r.type, r.status, r.email, r.key, r.personId, r.at]);
  return rows[0]!.id;
}

/** `count` orders of one person, each with three lines, inserted set-based (for query-count and speed checks). */
export async function insertOrders(pool: Pool, personId: number, count: number, firstWcId: number): Promise<void> {
  await pool.query(
    `WITH o AS (
       INSERT INTO orders (wc_order_id, person_id, number, status, currency, total, total_tax, billing, shipping,
         date_created_gmt, date_paid_gmt, body_sha256, inbox_id, policy_version)
       SELECT $2 + g, $1, ($2 + g)::text, 'completed', 'EUR', '28.63', '4.73',
         '{"firstName":"Bulk","city":"Utrecht"}', '{"firstName":"Bulk","city":"Utrecht"}',
         timestamptz '2024-01-01' + g * interval '1 hour', timestamptz '2024-01-01' + g * interval '1 hour',
         '\\x00', 0, '2023-08-21'
       FROM generate_series(1, $3) g RETURNING id)
     INSERT INTO order_lines (order_id, position, kind, name, code, quantity, total, total_tax)
     SELECT o.id, p, (ARRAY['product', 'tax', 'shipping'])[p], 'line', 'X', 1, '10.00', '2.10'
     FROM o CROSS JOIN generate_series(1, 3) p`,
    [personId, firstWcId, count]);
}
