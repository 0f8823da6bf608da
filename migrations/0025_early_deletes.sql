-- An order.deleted (or customer.deleted) applied before the delivery that creates the record, though received after
-- it (a second worker took the delete first, or the create's savepoint was retried), found nothing to mark and was
-- lost: the create then landed active, and without the shop's REST API nothing ever trashed it again. Such a delete
-- is remembered here, by id only, until its record arrives (or RAW_PAYLOAD_RETENTION_DAYS pass).
CREATE TABLE early_deletes (
  resource    text        NOT NULL CHECK (resource IN ('order', 'customer')),
  wc_id       bigint      NOT NULL,
  inbox_id    bigint      NOT NULL,  -- the delete's delivery: it applies to versions received before it
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (resource, wc_id)
);
CREATE INDEX early_deletes_received ON early_deletes (received_at);
