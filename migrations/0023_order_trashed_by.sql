-- Which delivery put an order in the trash (its inbox id). order.deleted carries no date, so it left the order's
-- version as it was: a delivery received before the trash but applied after it (a second worker, a retried
-- savepoint) was judged newer than that version and took the order out of the trash for good, and an order.restored
-- received before the trash revived it. Both now keep the trash when the delete was received after them.
ALTER TABLE orders ADD COLUMN trashed_inbox_id bigint;
