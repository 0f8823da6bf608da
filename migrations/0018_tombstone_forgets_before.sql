-- What a tombstone forgets: records created before this moment (NULL: before the erasure itself). An erasure on
-- request forgets everything up to the moment it ran. The retention sweep erased a person for having been inactive
-- since its cutoff; a record created after the cutoff that reached the mirror only after the sweep (a late webhook,
-- a re-fetch) is activity the sweep did not know of — a new relationship, not a forgotten one. Treated as forgotten,
-- a paid order placed minutes before the sweep was stored blank and never booked or shipped.
ALTER TABLE erasure_tombstones ADD COLUMN forgets_before timestamptz;

UPDATE erasure_tombstones t SET forgets_before = s.cutoff
FROM retention_sweeps s WHERE t.reason = 'retention' AND t.reason_ref = s.id::text AND t.forgets_before IS NULL;
