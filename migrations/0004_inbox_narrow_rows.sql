-- Relay and worker update an inbox row twice after insert (enqueued_at, then processed_at/outcome). The partial
-- indexes on those columns rule out HOT updates, so each update rewrote the whole ~2.5 KB row. Storing the body
-- out of line (TOAST, uncompressed) from 128 bytes on means an update copies an 18-byte pointer instead.
ALTER TABLE webhook_inbox ALTER COLUMN body SET STORAGE EXTERNAL;
ALTER TABLE webhook_inbox SET (toast_tuple_target = 128);
