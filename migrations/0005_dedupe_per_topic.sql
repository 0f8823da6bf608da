-- The same bytes under another topic are another delivery: `{"id":57}` as order.deleted and as customer.deleted.
ALTER TABLE webhook_inbox DROP CONSTRAINT webhook_inbox_dedupe;
ALTER TABLE webhook_inbox ADD CONSTRAINT webhook_inbox_dedupe UNIQUE (source, topic, body_sha256);
