-- The ledger writer reads each unledgered tombstone's subject keys. The primary key leads with subject_key, so
-- without this index every tombstone cost a scan of all keys: quadratic in the number of erasures, which made a
-- sweep of 300,000 persons spend most of its time here.
CREATE INDEX erasure_subject_keys_tombstone ON erasure_subject_keys (tombstone_id);
