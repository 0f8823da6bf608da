-- Completeness: where each delivery came from, which resource it is about, and the REST sync state.

ALTER TABLE webhook_inbox
  ADD COLUMN origin      text   NOT NULL DEFAULT 'webhook'
                         CHECK (origin IN ('webhook', 'backfill', 'reconcile', 'refetch')),
  ADD COLUMN resource    text,    -- order | customer (from the topic)
  ADD COLUMN resource_id bigint;  -- the resource's id when the body carries one

ALTER TABLE webhook_inbox DROP CONSTRAINT webhook_inbox_outcome_check;
ALTER TABLE webhook_inbox ADD CONSTRAINT webhook_inbox_outcome_check
  CHECK (outcome IN ('applied', 'stale', 'ignored', 'skipped', 'failed', 'refetch'));

-- "Did a webhook bring this change?" — reconciliation looks deliveries up by resource.
CREATE INDEX webhook_inbox_resource ON webhook_inbox (resource, resource_id, received_at);

-- Backfilled history must never trigger processor pushes for old orders; this is the mark later issues rely on.
ALTER TABLE orders
  ADD COLUMN first_seen_via text NOT NULL DEFAULT 'webhook'
             CHECK (first_seen_via IN ('webhook', 'backfill', 'reconcile', 'refetch')),
  ADD COLUMN history boolean NOT NULL DEFAULT false;

-- Watermarks, cursors and counters of REST syncs (reconciliation, backfill, webhook health), one row per key.
CREATE TABLE sync_state (
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
