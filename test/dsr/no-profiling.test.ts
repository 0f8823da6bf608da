import { createTestContext, type TestContext } from '../setup/context.js';

/**
 * P21b "nothing in the service profiles customers", and the access package's Art. 15(1)(h) statement that says so,
 * held true by the schema: every column of a table about a person or their orders is reviewed here with where its
 * value comes from — copied from the shop, set by one of the person's rights, or bookkeeping of this service (ids,
 * timestamps, sync state). A derived attribute (a score, a segment, a predicted next order) added to any of them, or a
 * new table about persons, fails this test until it is reviewed against P21b and listed.
 */

// What a value is: copied from the shop (S), set by one of the person's rights (R), or this service's own (B).
const S = 'shop', R = 'right', B = 'bookkeeping';
type Origin = typeof S | typeof R | typeof B;
const REVIEWED: Record<string, Record<string, Origin>> = {
  consents: { id: B, person_id: B, purpose: R, granted: R, source: R, recorded_at: B },
  erasure_tombstones: { id: B, person_id: B, wc_customer_id: S, erased_at: R, reason: R, reason_ref: R, categories: R,
    ledgered_at: B, forgets_before: B },
  fiscal_archive: { id: B, order_id: B, wc_order_id: S, invoice_number: B, invoice_date: S, currency: S,
    prices_include_tax: S, amounts: S, lines: S, credit_notes: S, billing_name: S, billing_company: S,
    billing_address: S, retain_until: B, archived_at: B, anonymised_at: B },
  order_lines: { id: B, order_id: B, position: S, kind: S, wc_line_id: S, name: S, code: S, product_id: S,
    variation_id: S, quantity: S, subtotal: S, total: S, total_tax: S, tax_class: S, extra: S },
  // review_consent: the checkout's checkbox; history: backfilled before PROCESSORS_START_AT (never pushed)
  orders: { id: B, wc_order_id: S, person_id: B, wc_customer_id: S, number: S, status: S, status_before_trash: S,
    currency: S, prices_include_tax: S, discount_total: S, discount_tax: S, shipping_total: S, shipping_tax: S,
    cart_tax: S, total: S, total_tax: S, payment_method: S, payment_method_title: S, transaction_id: S, billing: S,
    shipping: S, ip_address: S, date_created_gmt: S, date_modified_gmt: S, date_paid_gmt: S, date_completed_gmt: S,
    body_sha256: B, inbox_id: B, wc_deleted_at: S, policy_version: B, created_at: B, updated_at: B, first_seen_via: B,
    history: B, review_consent: S, erased: R, trashed_inbox_id: B },
  person_emails: { email: S, person_id: B, added_at: B, subject_key: B },
  person_former_customers: { wc_customer_id: S, person_id: B },
  // last_activity_at: the latest order or contact date, for the retention period (P13) — a date, not a judgement
  persons: { id: B, wc_customer_id: S, account_email: S, first_name: S, last_name: S, billing: S, shipping: S,
    status: R, wc_account_created_at: S, wc_account_modified_at: S, wc_account_deleted_at: S, customer_body_sha256: B,
    customer_inbox_id: B, last_activity_at: B, policy_version: B, created_at: B, updated_at: B, erased_at: R,
    restricted: R, objection: R },
  privacy_exports: { id: B, request_id: B, person_id: B, kind: R, package: R, created_at: B, expires_at: B },
  privacy_requests: { id: B, type: R, status: R, email: R, subject_key: B, person_id: B, lang: R, received_at: R,
    due_at: R, extended_at: R, extension_reason: R, verified_at: R, verification: R, completed_at: R, rejected_at: R,
    rejection_reason: R, linked_to: B, changes: R, objection_decision: R, decision_reason: R, no_data_held: R,
    outcome: R, filed_by: B, note: B },
  processor_syncs: { id: B, order_id: B, processor: B, kind: B, ref: B, status: B, reason: B, external_id: B,
    attempts: B, last_error: B, run_at: B, enqueued_at: B, created_at: B, updated_at: B, job_id: B, called_at: B },
  rectification_overlays: { person_id: B, request_id: B, changes: R, created_at: B, confirmed_at: R, order_ids: B, request_ids: B },
  shipment_labels: { order_id: B, barcode: B, label_pdf: B, warnings: B, created_at: B },
};

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx?.close());

/* the tables with a foreign key to persons or orders, and those two */
const ABOUT_PERSONS = /* sql */ `
  SELECT t.relname AS table, a.attname AS column FROM pg_class t JOIN pg_attribute a ON a.attrelid = t.oid
  WHERE a.attnum > 0 AND NOT a.attisdropped AND t.relnamespace = current_schema()::regnamespace AND t.relkind = 'r'
    AND (t.relname IN ('persons', 'orders') OR EXISTS (
      SELECT 1 FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = t.oid
        AND c.confrelid IN (to_regclass('persons'), to_regclass('orders'))))
  ORDER BY 1, a.attnum`;

describe('P21b no profiling', () => {
  test('when the schema is migrated, then every column about a person or their orders is reviewed: shop data, a right\'s status or bookkeeping — nothing derived', async () => {
    const { rows } = await ctx.pool.query<{ table: string; column: string }>(ABOUT_PERSONS);
    const actual: Record<string, string[]> = {};
    for (const r of rows) (actual[r.table] ??= []).push(r.column);
    expect(Object.keys(actual).length).toBeGreaterThan(5); // the query found the person-level tables
    const reviewed = Object.fromEntries(Object.entries(REVIEWED).map(([t, cols]) => [t, Object.keys(cols)]));
    expect(actual).toEqual(reviewed);
  });
});
