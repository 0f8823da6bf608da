-- Deliveries the mirror could not apply (failed, ignored) are not linked to a mirrored order or person, yet their
-- raw bodies may name someone. Their subject keys (HMAC of the emails they carry) let erasure find and scrub them.
ALTER TABLE webhook_inbox ADD COLUMN subject_keys bytea[];
CREATE INDEX webhook_inbox_subject_keys ON webhook_inbox USING gin (subject_keys) WHERE subject_keys IS NOT NULL;
