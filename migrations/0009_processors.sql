-- Processor pushes (P2, P7–P10): the processing gate, consent, one sync record per order and push, shipment labels.

-- The gate: `status` stays the closed/open marker (erased); restriction and objection are their own facts, and
-- the API derives the composite status from them (erased > objected > restricted > active).
ALTER TABLE persons
  ADD COLUMN restricted boolean NOT NULL DEFAULT false,
  ADD COLUMN objection text NOT NULL DEFAULT 'none' CHECK (objection IN ('none', 'pending', 'upheld', 'rejected'));

-- Review-invitation consent ticked at checkout (order meta REVIEW_CONSENT_META_KEY): true, false, or NULL = not asked.
ALTER TABLE orders ADD COLUMN review_consent boolean;

-- Consents recorded through the API (P10), by person and purpose; the latest row per purpose counts.
CREATE TABLE consents (
  id          bigserial PRIMARY KEY,
  person_id   bigint NOT NULL REFERENCES persons (id),
  purpose     text NOT NULL CHECK (purpose IN ('review_invitation')),
  granted     boolean NOT NULL,
  source      text NOT NULL CHECK (source IN ('api', 'checkout')),
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consents_person ON consents (person_id, purpose, recorded_at DESC);

-- One row per order, processor and push (a credit per refund id): never twice, never lost.
CREATE TABLE processor_syncs (
  id          bigserial PRIMARY KEY,
  order_id    bigint NOT NULL REFERENCES orders (id),
  processor   text NOT NULL CHECK (processor IN ('snelstart', 'postnl', 'reviews')),
  kind        text NOT NULL CHECK (kind IN ('booking', 'credit', 'shipment', 'invitation')),
  ref         text NOT NULL DEFAULT '',          -- the refund id of a credit booking
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'held', 'done', 'failed', 'skipped')),
  reason      text,                              -- why held / skipped (no personal data)
  external_id text,                              -- Snelstart booking id, PostNL barcode, invitation id
  attempts    integer NOT NULL DEFAULT 0,
  last_error  text,                              -- the processor's error, normalised (no personal data)
  run_at      timestamptz NOT NULL DEFAULT now(),-- not before (review invitations wait REVIEW_INVITE_DELAY_DAYS)
  enqueued_at timestamptz,                       -- set once its job is in the queue (outbox, like the inbox relay)
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (order_id, processor, kind, ref)
);
CREATE INDEX processor_syncs_unqueued ON processor_syncs (id) WHERE enqueued_at IS NULL AND status = 'pending';
CREATE INDEX processor_syncs_order ON processor_syncs (order_id);

-- PostNL labels print the receiver's name and address: personal data with its own period (LABEL_RETENTION_DAYS).
CREATE TABLE shipment_labels (
  order_id   bigint PRIMARY KEY REFERENCES orders (id),
  barcode    text NOT NULL,
  label_pdf  bytea,
  warnings   text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipment_labels_created ON shipment_labels (created_at) WHERE label_pdf IS NOT NULL;

-- Erasure fan-out to processors that hold the person's data (GDPR Art. 19): per processor, done or manual.
CREATE TABLE processor_erasures (
  id           bigserial PRIMARY KEY,
  tombstone_id uuid NOT NULL REFERENCES erasure_tombstones (id),
  processor    text NOT NULL,
  status       text NOT NULL CHECK (status IN ('done', 'manual_required', 'failed')),
  detail       text,
  created_at   timestamptz NOT NULL DEFAULT now()
);
