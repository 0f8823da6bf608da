-- Webhook inbox: a 200 to WooCommerce means the delivery is committed here. Raw bodies live only in this table
-- (never in job data) and are purged RAW_PAYLOAD_RETENTION_DAYS after processing (P1).
CREATE TABLE webhook_inbox (
  id            bigserial PRIMARY KEY,
  source        text        NOT NULL,            -- normalised X-WC-Webhook-Source
  topic         text        NOT NULL,            -- X-WC-Webhook-Topic, e.g. order.updated
  webhook_id    text,                            -- X-WC-Webhook-ID (which shop webhook sent it)
  body_sha256   bytea       NOT NULL,
  body          bytea       NOT NULL,            -- the exact signed bytes
  received_at   timestamptz NOT NULL DEFAULT now(),
  enqueued_at   timestamptz,                     -- set by the relay once the job is in the queue
  processed_at  timestamptz,
  outcome       text CHECK (outcome IN ('applied', 'stale', 'ignored', 'skipped', 'failed')),
  reason        text,                            -- why skipped/failed; never personal data
  -- Delivery-ID is not unique (webhook id + Unix second), so duplicates are the same bytes from the same source.
  CONSTRAINT webhook_inbox_dedupe UNIQUE (source, body_sha256)
);

CREATE INDEX webhook_inbox_unrelayed ON webhook_inbox (id) WHERE enqueued_at IS NULL;
CREATE INDEX webhook_inbox_unprocessed ON webhook_inbox (id) WHERE processed_at IS NULL;
CREATE INDEX webhook_inbox_processed_at ON webhook_inbox (processed_at) WHERE processed_at IS NOT NULL;

-- Small facts the service must remember about itself, e.g. the pseudonym key's fingerprint.
CREATE TABLE app_meta (
  key        text PRIMARY KEY,
  value      text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
