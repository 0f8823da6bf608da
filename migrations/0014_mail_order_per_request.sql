-- A request's mails go out in the order they were written (receipt before code before outcome): a mail waits while an
-- earlier one of the same request is still pending. This index answers that check.
CREATE INDEX mail_outbox_pending_per_request ON mail_outbox (request_id, id) WHERE status = 'pending';
