-- Data-subject requests (P10, P13b, P14–P21): requests and their steps, verification, the audit trail, exports,
-- the mail outbox and rectification overlays.

CREATE TABLE privacy_requests (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  type               text NOT NULL CHECK (type IN ('access', 'portability', 'rectification', 'restriction', 'objection', 'erasure')),
  status             text NOT NULL DEFAULT 'received'
                     CHECK (status IN ('received', 'awaiting_verification', 'in_progress', 'completed', 'rejected')),
  email              text,                     -- the requesting address, normalised; cleared once the person is erased
  subject_key        bytea NOT NULL,           -- what the request refers to once the email is gone (P14b)
  person_id          bigint REFERENCES persons (id),
  lang               text NOT NULL DEFAULT 'nl' CHECK (lang IN ('nl', 'en')),
  received_at        timestamptz NOT NULL,
  due_at             timestamptz NOT NULL,     -- received + 30 days (GDPR Art. 12(3)); moved once by /extend
  extended_at        timestamptz,
  extension_reason   text,
  verified_at        timestamptz,
  verification       text CHECK (verification IN ('code', 'operator')),
  completed_at       timestamptz,
  rejected_at        timestamptz,
  rejection_reason   text,
  linked_to          uuid REFERENCES privacy_requests (id),  -- a duplicate of an open request
  changes            jsonb,                    -- rectification: the corrected values (personal data)
  objection_decision text CHECK (objection_decision IN ('upheld', 'rejected')),
  decision_reason    text,
  no_data_held       boolean NOT NULL DEFAULT false,
  outcome            jsonb NOT NULL DEFAULT '{}',  -- what was done (counts, export id, processors), never personal data
  filed_by           text NOT NULL,
  note               text                      -- the operator's note on filing (no personal data expected)
);
CREATE INDEX privacy_requests_open ON privacy_requests (due_at) WHERE status NOT IN ('completed', 'rejected');
CREATE INDEX privacy_requests_subject ON privacy_requests (subject_key);

-- Every step of a request, for the administration of concluded requests (P14b). No personal data.
CREATE TABLE privacy_request_steps (
  id         bigserial PRIMARY KEY,
  request_id uuid NOT NULL REFERENCES privacy_requests (id),
  at         timestamptz NOT NULL DEFAULT now(),
  actor      text NOT NULL,
  step       text NOT NULL,
  note       text
);
CREATE INDEX privacy_request_steps_request ON privacy_request_steps (request_id, id);

-- One-time verification: a code/link sent to the known address. Only hashes are stored.
CREATE TABLE verification_tokens (
  id          bigserial PRIMARY KEY,
  request_id  uuid NOT NULL REFERENCES privacy_requests (id),
  token_hash  bytea NOT NULL UNIQUE,
  code_hash   bytea NOT NULL,
  expires_at  timestamptz NOT NULL,
  attempts    integer NOT NULL DEFAULT 0,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Append-only audit trail of processing actions on personal data: what, when, who, about which subject (key).
-- It becomes the export's "processing history"; it never holds personal data.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL,
  action      text NOT NULL,
  subject_key bytea,
  request_id  uuid,
  detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subject ON audit_log (subject_key, at);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Access and portability packages as sent (personal data): expire after EXPORT_TTL_DAYS, covered by erasure.
CREATE TABLE privacy_exports (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  request_id  uuid NOT NULL REFERENCES privacy_requests (id),
  person_id   bigint REFERENCES persons (id),
  kind        text NOT NULL CHECK (kind IN ('access', 'portability')),
  package     jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);

-- Mail outbox: a mail server outage loses nothing. Bodies and attachments go after sending + MAIL_RETENTION_DAYS.
CREATE TABLE mail_outbox (
  id              bigserial PRIMARY KEY,
  request_id      uuid REFERENCES privacy_requests (id),
  subject_key     bytea,                       -- whose mail it is, so erasure finds it
  to_address      text,
  template        text NOT NULL,
  lang            text NOT NULL,
  subject         text,
  text_body       text,
  attachments     jsonb NOT NULL DEFAULT '[]', -- [{filename, contentType, contentBase64}]
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  last_error      text,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  message_id      text,
  sent_at         timestamptz,
  purged_at       timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX mail_outbox_subject ON mail_outbox (subject_key);

-- Rectification without the shop's REST API: the correction wins over incoming webhooks until an operator
-- confirms the shop itself was corrected.
CREATE TABLE rectification_overlays (
  person_id    bigint PRIMARY KEY REFERENCES persons (id),
  request_id   uuid NOT NULL REFERENCES privacy_requests (id),
  changes      jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  confirmed_at timestamptz
);

-- Consents with their history and source (P10).
ALTER TABLE consents DROP CONSTRAINT consents_source_check;
ALTER TABLE consents ADD CONSTRAINT consents_source_check CHECK (source IN ('api', 'checkout', 'request', 'operator', 'email', 'form'));
