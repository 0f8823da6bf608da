-- The push relay remembers which queue job carries each sync record, so a job the queue lost (Redis back without
-- its data) is found and the record queued again (src/processors/push-relay.ts, requeueLost).
ALTER TABLE processor_syncs ADD COLUMN IF NOT EXISTS job_id text;
CREATE INDEX IF NOT EXISTS processor_syncs_enqueued_pending ON processor_syncs (enqueued_at) WHERE status = 'pending' AND enqueued_at IS NOT NULL;
