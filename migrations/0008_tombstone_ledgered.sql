-- The erasure ledger is written after the erasure commits (never for one that rolled back); a tombstone not yet in
-- the ledger (a crash in between) is appended at the next start, erasure or sweep.
ALTER TABLE erasure_tombstones ADD COLUMN ledgered_at timestamptz;
UPDATE erasure_tombstones SET ledgered_at = erased_at;
CREATE INDEX erasure_tombstones_unledgered ON erasure_tombstones (erased_at) WHERE ledgered_at IS NULL;
