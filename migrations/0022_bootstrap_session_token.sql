-- A desk session signed in with ADMIN_TOKEN or FISCAL_TOKEN (no operator account) outlived a change or removal of
-- that token for its whole lifetime, across restarts: a leaked FISCAL_TOKEN, unset, still read the archive through
-- an earlier session. Such a session now carries a digest of the token it was opened with, and counts only while
-- that token is still the one configured. Sessions from before this column have none and must sign in again.
ALTER TABLE operator_sessions ADD COLUMN token_digest bytea;
