-- A person's rectification overlay held the newest request only: a second correction replaced the first one's
-- billing or shipping object as a whole (jsonb || merges one level), and confirming the first request matched
-- nothing while confirming the second also dropped the first one's fields. The overlay now lists every request it
-- holds still to be confirmed in the shop; it stops re-applying when the last of them is confirmed.
ALTER TABLE rectification_overlays ADD COLUMN request_ids uuid[] NOT NULL DEFAULT '{}';
UPDATE rectification_overlays SET request_ids = ARRAY[request_id] WHERE confirmed_at IS NULL;
