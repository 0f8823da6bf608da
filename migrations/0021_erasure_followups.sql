-- A processor erasure that failed, or that the processor cannot do through its API (Kiyoh), needs an operator to ask
-- the processor by hand (Art. 19). It was visible only in this table and in the erasure's answer, so one left by the
-- nightly sweep reached nobody. Operators now see the open ones, are alerted, and close each one with who and how.
ALTER TABLE processor_erasures
  ADD COLUMN resolved_at     timestamptz,
  ADD COLUMN resolved_by     text,
  ADD COLUMN resolution_note text;
CREATE INDEX processor_erasures_open ON processor_erasures (id)
  WHERE status IN ('failed', 'manual_required') AND resolved_at IS NULL;
