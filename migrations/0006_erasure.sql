-- Erasure (P13, P14b): subject keys, closed persons, tombstones, the fiscal archive and legal holds.

-- Subject key = HMAC-SHA256(PSEUDONYM_KEY, normalised email), computed by the app when an email is added.
-- NULL only for rows written before this migration; the app fills them at start-up (erasure/subject-keys.ts).
ALTER TABLE person_emails ADD COLUMN subject_key bytea;
CREATE INDEX person_emails_subject_key ON person_emails (subject_key);

-- An erased person is closed for good: a later order with the same WooCommerce customer id starts a new person,
-- so that id is unique only among persons that are not erased.
ALTER TABLE persons DROP CONSTRAINT persons_wc_customer_id_key;
CREATE UNIQUE INDEX persons_wc_customer_open ON persons (wc_customer_id) WHERE status <> 'erased';
CREATE INDEX persons_wc_customer_erased ON persons (wc_customer_id) WHERE status = 'erased';
ALTER TABLE persons ADD COLUMN erased_at timestamptz;
-- The sweep's scan: open persons by activity (COALESCE: a person with no dated activity counts from creation).
CREATE INDEX persons_due ON persons ((COALESCE(last_activity_at, created_at)), id) WHERE status <> 'erased';

-- A processed inbox row about an erased subject keeps no body (scrubbed_at says when it went).
ALTER TABLE webhook_inbox ADD COLUMN scrubbed_at timestamptz;

-- One tombstone per erasure: the only trace of the person (P14b) — keys, never the data itself.
CREATE TABLE erasure_tombstones (
  id             uuid PRIMARY KEY,              -- also the erasure ledger entry's id (DATA_DIR/erasure-ledger.jsonl)
  person_id      bigint NOT NULL REFERENCES persons (id),
  wc_customer_id bigint,
  erased_at      timestamptz NOT NULL,
  reason         text NOT NULL CHECK (reason IN ('request', 'retention', 'operator', 'replay')),
  reason_ref     text,                          -- privacy request id or sweep id
  categories     text[] NOT NULL
);
CREATE INDEX erasure_tombstones_person ON erasure_tombstones (person_id);
CREATE INDEX erasure_tombstones_customer ON erasure_tombstones (wc_customer_id) WHERE wc_customer_id IS NOT NULL;

CREATE TABLE erasure_subject_keys (
  subject_key  bytea NOT NULL,
  tombstone_id uuid  NOT NULL REFERENCES erasure_tombstones (id),
  PRIMARY KEY (subject_key, tombstone_id)
);

-- WooCommerce's anonymisers for an address as the mirror stores it (camelCase keys), so both systems agree:
-- non-empty text → [deleted], email → deleted@site.invalid, every phone digit → 0, state/country → ''.
-- Empty values stay empty, as WC_Privacy_Erasers skips them. Same rules as src/erasure/anonymise.ts.
CREATE FUNCTION anonymise_address(a jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN a IS NULL OR jsonb_typeof(a) <> 'object' THEN a ELSE
    COALESCE((SELECT jsonb_object_agg(k, CASE
        WHEN v IS NULL OR jsonb_typeof(v) <> 'string' OR v #>> '{}' = '' THEN v
        WHEN k = 'email' THEN to_jsonb('deleted@site.invalid'::text)
        WHEN k = 'phone' THEN to_jsonb(regexp_replace(v #>> '{}', '[0-9]', '0', 'g'))
        WHEN k IN ('state', 'country') THEN to_jsonb(''::text)
        ELSE to_jsonb('[deleted]'::text) END)
      FROM jsonb_each(a) AS e(k, v)), '{}'::jsonb)
  END
$$;

-- Invoiced orders keep what the law requires for FISCAL_RETENTION_YEARS after their fiscal year (Art. 52 AWR).
-- P13: personnel lose access — only FISCAL_TOKEN reads this table.
CREATE TABLE fiscal_archive (
  id                 bigserial PRIMARY KEY,
  order_id           bigint NOT NULL UNIQUE REFERENCES orders (id),
  wc_order_id        bigint NOT NULL,
  invoice_number     text   NOT NULL UNIQUE,
  invoice_date       timestamptz NOT NULL,
  currency           text   NOT NULL,
  prices_include_tax boolean NOT NULL,
  amounts            jsonb  NOT NULL,           -- exact decimal text: total, total_tax, shipping, discount, cart tax
  lines              jsonb  NOT NULL,           -- product, tax, shipping, fee and coupon lines
  credit_notes       jsonb  NOT NULL,           -- one per refund: number <invoice>-C<refundId>, amount
  billing_name       text,
  billing_company    text,
  billing_address    jsonb,                     -- as printed on the invoice
  retain_until       date   NOT NULL,
  archived_at        timestamptz NOT NULL DEFAULT now(),
  anonymised_at      timestamptz
);
CREATE INDEX fiscal_archive_due ON fiscal_archive (retain_until) WHERE anonymised_at IS NULL;

-- P12: a lawful demand stops retention and erasure for a subject until lifted or until `until`.
CREATE TABLE legal_holds (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email       text,                             -- cleared once the hold has ended and the subject is erased
  subject_key bytea NOT NULL,
  reason      text NOT NULL,
  until       timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  released_at timestamptz
);
CREATE INDEX legal_holds_subject ON legal_holds (subject_key) WHERE released_at IS NULL;

-- One row per retention sweep: its fixed cutoff, cursor (resumable), counts and outcome.
CREATE TABLE retention_sweeps (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status       text NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'blocked')),
  trigger      text NOT NULL CHECK (trigger IN ('schedule', 'operator')),
  forced       boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL,
  cutoff       timestamptz NOT NULL,
  today        date NOT NULL,                   -- the Europe/Amsterdam date fiscal terms are compared with
  phase        text NOT NULL DEFAULT 'persons',
  cursor       bigint NOT NULL DEFAULT 0,       -- last person id / fiscal row id handled in the current phase
  counts       jsonb NOT NULL DEFAULT '{}',
  preview      jsonb,
  blocked      jsonb,                           -- interlock reasons when status = blocked
  error        text,
  started_at   timestamptz,
  finished_at  timestamptz
);
CREATE UNIQUE INDEX retention_sweeps_one_running ON retention_sweeps ((true)) WHERE status = 'running';
