-- A processor erasure (Art. 19) is recorded `pending` in the erasure's own transaction and settled by the call made
-- after the commit. A process that died in between left no trace at all: the review site was never asked and nobody
-- was told to ask it by hand. A `pending` row that outlives any call is now settled as `failed` for manual follow-up.
ALTER TABLE processor_erasures DROP CONSTRAINT processor_erasures_status_check;
ALTER TABLE processor_erasures ADD CONSTRAINT processor_erasures_status_check
  CHECK (status IN ('pending', 'done', 'manual_required', 'failed'));
ALTER TABLE processor_erasures ADD COLUMN updated_at timestamptz;
