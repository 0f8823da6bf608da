import type { Queryable } from '../platform/db.js';
import { MAIL_ERASE_SQL } from '../mail/outbox.repository.js';
import { CLEARED_REQUEST_FIELDS } from '../dsr/requests.repository.js';

/**
 * The register of every place personal data lives, and how erasure reaches it. A capability that adds a store
 * (exports, mail outbox, label PDFs…) registers it here; test/erasure/personal-data-stores.test.ts lists every
 * table of the schema and fails for one that is neither covered by a store nor declared free of personal data.
 * Stores run in this order inside the erasure transaction, set-based over a batch of persons.
 */

export interface ErasureBatch {
  personIds: number[];
  /** Every subject key of those persons (HMAC of each email). */
  subjectKeys: Buffer[];
  erasedAt: Date;
  /** FISCAL_RETENTION_YEARS and INVOICE_PREFIX, for the fiscal archive. */
  fiscal: { prefix: string; years: number };
}

export interface PersonalDataStore {
  name: string;
  /** Tables whose personal data this store erases (or, for the archive, keeps under the law). */
  tables: string[];
  /** Data categories (P15) this store holds for a person. */
  categories: string[];
  /** Returns the number of rows it changed. */
  erase(db: Queryable, b: ErasureBatch): Promise<number>;
}

/* Invoiced = reached processing, completed or refunded (paid or completed dates say so even after a later status). */
export const INVOICED = /* sql */ `(o.status IN ('processing', 'completed', 'refunded')
  OR o.status_before_trash IN ('processing', 'completed', 'refunded')
  OR o.date_paid_gmt IS NOT NULL OR o.date_completed_gmt IS NOT NULL)`;

/* The invoice copy of each selected order; `scope` picks the orders ($1), `conflict` says what a second copy does. */
export const archiveInvoicesSql = (scope: string, conflict: string): string => /* sql */ `
  INSERT INTO fiscal_archive (order_id, wc_order_id, invoice_number, invoice_date, currency, prices_include_tax,
    amounts, lines, credit_notes, billing_name, billing_company, billing_address, retain_until, anonymised_at)
  SELECT o.id, o.wc_order_id, $2 || o.number, d.invoice_date, o.currency, o.prices_include_tax,
    jsonb_build_object('total', o.total::text, 'totalTax', o.total_tax::text, 'shippingTotal', o.shipping_total::text,
      'shippingTax', o.shipping_tax::text, 'discountTotal', o.discount_total::text, 'discountTax', o.discount_tax::text,
      'cartTax', o.cart_tax::text),
    ls.lines, ls.credit_notes,
    NULLIF(btrim(concat_ws(' ', NULLIF(o.billing->>'firstName', '[deleted]'), NULLIF(o.billing->>'lastName', '[deleted]'))), ''),
    NULLIF(NULLIF(o.billing->>'company', ''), '[deleted]'),
    jsonb_build_object('address1', o.billing->>'address1', 'address2', o.billing->>'address2',
      'postcode', o.billing->>'postcode', 'city', o.billing->>'city', 'state', o.billing->>'state',
      'country', o.billing->>'country'),
    make_date(extract(year FROM d.invoice_date AT TIME ZONE 'Europe/Amsterdam')::int + $3, 12, 31),
    -- An order first invoiced after its person was erased has only anonymised contact data to archive.
    CASE WHEN o.billing->>'email' = 'deleted@site.invalid' OR o.billing->>'firstName' = '[deleted]' THEN now() END
  FROM orders o
  CROSS JOIN LATERAL (SELECT COALESCE(o.date_paid_gmt, o.date_completed_gmt, o.date_created_gmt, o.created_at) AS invoice_date) d
  -- One pass over the order's lines for both lists (an aggregate without GROUP BY always gives one row).
  CROSS JOIN LATERAL (SELECT
      COALESCE(jsonb_agg(jsonb_build_object('kind', l.kind, 'name', l.name, 'code', l.code, 'quantity', l.quantity::text,
          'subtotal', l.subtotal::text, 'total', l.total::text, 'totalTax', l.total_tax::text, 'taxClass', l.tax_class,
          'extra', l.extra) ORDER BY l.position) FILTER (WHERE l.kind <> 'refund'), '[]') AS lines,
      COALESCE(jsonb_agg(jsonb_build_object('number', $2 || o.number || '-C' || l.wc_line_id, 'refundId', l.wc_line_id,
          'total', l.total::text) ORDER BY l.position) FILTER (WHERE l.kind = 'refund'), '[]') AS credit_notes
    FROM order_lines l WHERE l.order_id = o.id) ls
  WHERE ${scope} AND ${INVOICED}
  ${conflict}`;

/* $1 person ids, $2 invoice prefix, $3 fiscal retention years */
const ARCHIVE_INVOICES = archiveInvoicesSql('o.person_id = ANY($1::bigint[])', 'ON CONFLICT DO NOTHING');

/*
 * $1 wc order id, $2 prefix, $3 years — an erased person's old order changed later (a refund, a status): the archived
 * invoice follows its amounts, lines and credit notes; the name and address stay as printed at erasure.
 */
export const REFRESH_ARCHIVED_INVOICE = archiveInvoicesSql('o.wc_order_id = $1', `ON CONFLICT (order_id) DO UPDATE SET
    amounts = EXCLUDED.amounts, lines = EXCLUDED.lines, credit_notes = EXCLUDED.credit_notes`);

/* $1 person ids */
const ANONYMISE_ORDERS = /* sql */ `
  UPDATE orders SET billing = anonymise_address(billing), shipping = anonymise_address(shipping),
    wc_customer_id = CASE WHEN wc_customer_id IS NULL THEN NULL ELSE 0 END,
    transaction_id = CASE WHEN COALESCE(transaction_id, '') = '' THEN transaction_id ELSE '0' END,
    erased = true, updated_at = now()
  WHERE person_id = ANY($1::bigint[])`;

/*
 * $1 person ids, $2 subject keys — processed rows lose their body: those about the person's orders and account, and
 * those the mirror could not apply (failed, ignored) that carry one of their emails. Unprocessed rows are scrubbed
 * when the mirror applies them.
 */
const SCRUB_INBOX = /* sql */ `
  UPDATE webhook_inbox SET body = '\\x'::bytea, scrubbed_at = now()
  WHERE processed_at IS NOT NULL AND scrubbed_at IS NULL AND (
    (resource = 'order' AND resource_id IN (SELECT wc_order_id FROM orders WHERE person_id = ANY($1::bigint[])))
    OR (resource = 'customer' AND resource_id IN (
      SELECT wc_customer_id FROM persons WHERE id = ANY($1::bigint[]) AND wc_customer_id IS NOT NULL
      UNION ALL -- a deleted account merged into the person (person_former_customers): its deliveries are theirs too
      SELECT wc_customer_id FROM person_former_customers WHERE person_id = ANY($1::bigint[])))
    OR (subject_keys IS NOT NULL AND subject_keys && $2::bytea[]))`;

/* $1 person ids */
const DELETE_LABELS = /* sql */ `
  DELETE FROM shipment_labels WHERE order_id IN (SELECT id FROM orders WHERE person_id = ANY($1::bigint[]))`;

/* $1 person ids, $2 erased at */
const CLOSE_PERSONS = /* sql */ `
  UPDATE persons SET account_email = NULL,
    first_name = CASE WHEN COALESCE(first_name, '') = '' THEN first_name ELSE '[deleted]' END,
    last_name = CASE WHEN COALESCE(last_name, '') = '' THEN last_name ELSE '[deleted]' END,
    billing = anonymise_address(billing), shipping = anonymise_address(shipping),
    status = 'erased', erased_at = $2, updated_at = now()
  WHERE id = ANY($1::bigint[])`;

/* $1 person ids — the subject keys live on in the tombstone */
const DELETE_EMAILS = /* sql */ `DELETE FROM person_emails WHERE person_id = ANY($1::bigint[])`;

/* Requests keep type, dates and outcome; no email, corrections, notes or export ($1 person ids, $2 subject keys). */
const FORGET_REQUESTS: [string, (b: ErasureBatch) => unknown[]][] = [
  [/* sql */ `UPDATE privacy_requests SET ${CLEARED_REQUEST_FIELDS} WHERE subject_key = ANY($1::bytea[])`, (b) => [b.subjectKeys]],
  [/* sql */ `UPDATE privacy_request_steps SET note = NULL WHERE note IS NOT NULL AND request_id IN (
    SELECT id FROM privacy_requests WHERE subject_key = ANY($2::bytea[]) OR person_id = ANY($1::bigint[]))`, (b) => [b.personIds, b.subjectKeys]],
  [/* sql */ `DELETE FROM rectification_overlays WHERE person_id = ANY($1::bigint[])`, (b) => [b.personIds]],
  [/* sql */ `UPDATE privacy_exports SET package = NULL WHERE package IS NOT NULL AND (person_id = ANY($1::bigint[])
    OR request_id IN (SELECT id FROM privacy_requests WHERE subject_key = ANY($2::bytea[])))`, (b) => [b.personIds, b.subjectKeys]],
];

/* $1 subject keys, $2 now — a hold that has ended keeps its reason and dates, not the address */
const CLEAR_ENDED_HOLDS = /* sql */ `
  UPDATE legal_holds SET email = NULL
  WHERE subject_key = ANY($1::bytea[]) AND email IS NOT NULL AND (released_at IS NOT NULL OR until <= $2)`;

const run = (sql: string, params: (b: ErasureBatch) => unknown[]) => async (db: Queryable, b: ErasureBatch) =>
  (await db.query(sql, params(b))).rowCount ?? 0;

export const PERSONAL_DATA_STORES: PersonalDataStore[] = [
  {
    // First: the invoice keeps its legally required copy before the order's contact data goes (Art. 52 AWR).
    name: 'fiscal-archive',
    tables: ['fiscal_archive'],
    categories: ['invoices'],
    erase: run(ARCHIVE_INVOICES, (b) => [b.personIds, b.fiscal.prefix, b.fiscal.years]),
  },
  {
    name: 'orders',
    tables: ['orders'],
    categories: ['orders.contact', 'addresses'],
    erase: run(ANONYMISE_ORDERS, (b) => [b.personIds]),
  },
  {
    name: 'webhook-inbox',
    tables: ['webhook_inbox'],
    categories: ['raw_deliveries'],
    erase: run(SCRUB_INBOX, (b) => [b.personIds, b.subjectKeys]),
  },
  {
    // PostNL labels print the receiver's name and address (P8); the barcode stays on the sync record.
    name: 'shipment-labels',
    tables: ['shipment_labels'],
    categories: ['shipments'],
    erase: run(DELETE_LABELS, (b) => [b.personIds]),
  },
  {
    name: 'persons',
    tables: ['persons'],
    categories: ['identity', 'contact', 'addresses', 'account'],
    erase: run(CLOSE_PERSONS, (b) => [b.personIds, b.erasedAt]),
  },
  {
    name: 'person-emails',
    tables: ['person_emails'],
    categories: ['contact'],
    erase: run(DELETE_EMAILS, (b) => [b.personIds]),
  },
  {
    // P14b: requests are kept with their outcome, referring to the person only by subject key.
    name: 'privacy-requests',
    tables: ['privacy_requests', 'privacy_request_steps', 'rectification_overlays', 'privacy_exports'],
    categories: ['privacy_requests'],
    erase: async (db, b) => {
      let n = 0;
      for (const [sql, params] of FORGET_REQUESTS) n += (await db.query(sql, params(b))).rowCount ?? 0;
      return n;
    },
  },
  {
    // Sent mail keeps no body or address; pending mail to the person is cancelled (the erasure confirmation is
    // queued after the erasure commits).
    name: 'mail-outbox',
    tables: ['mail_outbox'],
    categories: ['correspondence'],
    erase: run(MAIL_ERASE_SQL, (b) => [b.personIds, b.subjectKeys]),
  },
  {
    name: 'legal-holds',
    tables: ['legal_holds'],
    categories: ['legal_holds'],
    erase: run(CLEAR_ENDED_HOLDS, (b) => [b.subjectKeys, b.erasedAt]),
  },
];

/** Tables that hold no personal data, and why (the register test requires a reason for each). */
export const TABLES_WITHOUT_PERSONAL_DATA: Record<string, string> = {
  schema_migrations: 'migration bookkeeping',
  app_meta: 'service facts such as the pseudonym key fingerprint',
  order_lines: 'products, taxes, shipping methods and amounts; refund reasons are never stored',
  sync_state: 'watermarks, cursors and counters of REST syncs',
  erasure_tombstones: 'pseudonymous keys and dates only (P14b)',
  erasure_subject_keys: 'HMAC subject keys: pseudonymous, useless without PSEUDONYM_KEY',
  retention_sweeps: 'counts, cutoffs and reasons of sweeps',
  processor_syncs: 'order ids, push statuses, external ids (booking id, barcode) and normalised errors without values',
  consents: 'consent flags by person id and purpose (proof of consent, P10)',
  processor_erasures: 'per-processor erasure outcomes by tombstone id',
  person_former_customers: 'WooCommerce customer ids of merged deleted accounts: ids only, as a tombstone keeps them',
  early_deletes: 'ids of orders and accounts deleted before they reached the mirror, kept RAW_PAYLOAD_RETENTION_DAYS at most',
  verification_tokens: 'hashes of one-time codes and links',
  audit_log: 'what was done, when, by whom, to which subject key — never the data (P14b)',
  operators: 'staff accounts: names, roles and scrypt hashes — no client data',
  operator_sessions: 'desk sessions of staff: hashed ids and CSRF tokens',
};

/** Everything a tombstone says was erased. */
export const ERASED_CATEGORIES = [...new Set(PERSONAL_DATA_STORES.filter((s) => s.name !== 'fiscal-archive').flatMap((s) => s.categories))];
