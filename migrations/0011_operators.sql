-- Operator accounts (P4): a hashed secret (scrypt), a role, an expiry; and the desk's login sessions.
CREATE TABLE operators (
  id           bigserial PRIMARY KEY,
  name         text NOT NULL UNIQUE,
  role         text NOT NULL CHECK (role IN ('operator', 'auditor')),
  secret_hash  bytea NOT NULL,               -- scrypt(secret, salt)
  salt         bytea NOT NULL,
  expires_at   timestamptz NOT NULL,         -- OPERATOR_TOKEN_TTL_DAYS after creation
  revoked_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);

CREATE TABLE operator_sessions (
  id_hash     bytea PRIMARY KEY,             -- sha256 of the cookie value
  operator_id bigint REFERENCES operators (id),
  name        text NOT NULL,                 -- the principal's name (also for ADMIN_TOKEN / FISCAL_TOKEN logins)
  role        text NOT NULL CHECK (role IN ('operator', 'auditor')),
  csrf_token  text NOT NULL,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX operator_sessions_expiry ON operator_sessions (expires_at);
