import type { Queryable } from '../platform/db.js';
import { renderMail, type AnyMailTemplate, type MailData, type MailLang } from './templates.js';

/**
 * The mail outbox (P14–P21 mails): a mail is a row written in the same transaction as the change it reports, so a
 * mail server outage loses nothing and a rolled-back change sends nothing. Bodies, addresses and attachments are
 * purged after sending + MAIL_RETENTION_DAYS (P1) and by erasure (P14b).
 */

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface NewMail {
  requestId?: string | null;
  /** Whose mail it is, so erasure finds it even when no request refers to it. */
  subjectKey?: Buffer | null;
  to: string;
  template: AnyMailTemplate;
  lang: MailLang;
  data: MailData;
  attachments?: MailAttachment[];
  /** When the mail becomes due; default the database's now(). Pass the clock's now where the sender runs on one. */
  now?: Date;
}

/** A claimed row, as the sender needs it. */
export interface OutboxMail {
  id: number;
  template: string;
  to: string;
  subject: string;
  text: string;
  attachments: { filename: string; contentType: string; contentBase64: string }[];
  /** Attempts including the one now being made. */
  attempts: number;
}

/* $1 request id, $2 subject key, $3 address, $4 template, $5 lang, $6 subject, $7 text, $8 attachments json, $9 due at */
const INSERT_MAIL = /* sql */ `
  INSERT INTO mail_outbox (request_id, subject_key, to_address, template, lang, subject, text_body, attachments, next_attempt_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, COALESCE($9::timestamptz, now()))
  RETURNING id`;

/**
 * Renders the mail now (the outbox holds the text as sent) and queues it. Pass the caller's transaction client:
 * the mail then exists exactly when the change it reports does. Throws MailDataError before writing anything when
 * the data would leave a hole in the text.
 */
export async function enqueueMail(db: Queryable, m: NewMail): Promise<number> {
  const attachments = m.attachments ?? [];
  const { subject, text } = renderMail(m.template, m.lang, { ...m.data, attached: m.data.attached ?? attachments.length > 0 });
  const stored = attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, contentBase64: a.content.toString('base64') }));
  const { rows } = await db.query<{ id: number }>(INSERT_MAIL, [
    m.requestId ?? null, m.subjectKey ?? null, m.to, m.template, m.lang, subject, text, JSON.stringify(stored), m.now ?? null,
  ]);
  return rows[0]!.id;
}

/*
 * $1 now, $2 lease in ms — claims the oldest due mail and leases it in one autocommitted statement: SKIP LOCKED keeps
 * a second worker off a row being claimed, and the moved next_attempt_at keeps it off the row while it is being sent.
 * A request's mails keep their order: one waits while an earlier mail of its request is pending (being retried after
 * a mail-server outage, or on the wire), so a code never arrives before its receipt.
 */
const CLAIM_ONE = /* sql */ `
  UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $1::timestamptz + make_interval(secs => $2::float8 / 1000)
  WHERE id = (
    SELECT m.id FROM mail_outbox m
    WHERE m.status = 'pending' AND m.next_attempt_at <= $1 AND m.to_address IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM mail_outbox e WHERE e.request_id = m.request_id AND e.status = 'pending' AND e.id < m.id)
    ORDER BY m.next_attempt_at, m.id LIMIT 1 FOR UPDATE OF m SKIP LOCKED)
  RETURNING id, template, to_address, subject, text_body, attachments, attempts`;

export async function claimDueMail(db: Queryable, now: Date, leaseMs: number): Promise<OutboxMail | null> {
  const { rows } = await db.query(CLAIM_ONE, [now, leaseMs]);
  const r = rows[0];
  if (!r) return null;
  return { id: r.id, template: r.template, to: r.to_address, subject: r.subject ?? '', text: r.text_body ?? '', attachments: r.attachments, attempts: r.attempts };
}

/* $1 now — how many mails are due (for the "SMTP not configured" warning) */
const COUNT_DUE = /* sql */ `SELECT count(*)::int AS n FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= $1`;

export async function countDueMail(db: Queryable, now: Date): Promise<number> {
  return (await db.query<{ n: number }>(COUNT_DUE, [now])).rows[0]!.n;
}

/*
 * $1 id, $2 message id, $3 now — no status condition: a mail cancelled by an erasure while it was on the wire was sent
 * all the same, and the row says so (its body is already gone).
 */
const MARK_SENT = /* sql */ `
  UPDATE mail_outbox SET status = 'sent', message_id = $2, sent_at = $3, last_error = NULL WHERE id = $1`;

export async function markSent(db: Queryable, id: number, messageId: string | null, now: Date): Promise<void> {
  await db.query(MARK_SENT, [id, messageId, now]);
}

/* $1 id, $2 next attempt, $3 error (a code, never the server's text) */
const MARK_RETRY = /* sql */ `
  UPDATE mail_outbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1 AND status = 'pending'`;

export async function markRetry(db: Queryable, id: number, nextAttemptAt: Date, error: string): Promise<void> {
  await db.query(MARK_RETRY, [id, nextAttemptAt, error]);
}

/* $1 id, $2 error, $3 now — for a failed mail next_attempt_at records when it was given up (purge counts from it) */
const MARK_FAILED = /* sql */ `
  UPDATE mail_outbox SET status = 'failed', next_attempt_at = $3, last_error = $2 WHERE id = $1 AND status = 'pending'`;

export async function markFailed(db: Queryable, id: number, error: string, now: Date): Promise<void> {
  await db.query(MARK_FAILED, [id, error, now]);
}

/* $1 now, $2 retention days — sent mails from their sending, failed ones from when they were given up */
const PURGE = /* sql */ `
  UPDATE mail_outbox SET to_address = NULL, subject = NULL, text_body = NULL, attachments = '[]', purged_at = $1
  WHERE purged_at IS NULL AND (
    (status = 'sent' AND sent_at <= $1::timestamptz - make_interval(days => $2::int))
    OR (status = 'failed' AND next_attempt_at <= $1::timestamptz - make_interval(days => $2::int)))`;

/** P1: clears address, subject, body and attachments of mails finished more than `retentionDays` ago. */
export async function purgeFinishedMail(db: Queryable, now: Date, retentionDays: number): Promise<number> {
  return (await db.query(PURGE, [now, retentionDays])).rowCount ?? 0;
}

/*
 * Erasure (P14b), registered in src/erasure/stores.ts. $1 person ids, $2 subject keys: every mail of the subject —
 * by its own key, or through a request about the person or key — loses address, subject, body and attachments;
 * one still pending is cancelled, so no mail goes to an erased person after the fact.
 */
export const MAIL_ERASE_SQL = /* sql */ `
  UPDATE mail_outbox SET to_address = NULL, subject = NULL, text_body = NULL, attachments = '[]',
    purged_at = COALESCE(purged_at, now()),
    last_error = CASE WHEN status = 'pending' THEN 'cancelled: subject erased' ELSE last_error END,
    status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END
  WHERE (purged_at IS NULL OR status = 'pending') AND (
    subject_key = ANY($2::bytea[])
    OR request_id IN (SELECT id FROM privacy_requests WHERE person_id = ANY($1::bigint[]) OR subject_key = ANY($2::bytea[])))`;

/*
 * Mails to a data subject given up for good (a 5xx, or the retries used up) and not purged or cancelled by an
 * erasure: the request is answered on paper only. The newest 50 ids are enough to notice a new one (ids only grow).
 */
const FAILED_FOR_GOOD = /* sql */ `
  SELECT count(*)::int AS n, (array_agg(id::text ORDER BY id DESC))[1:50] AS ids
  FROM mail_outbox WHERE status = 'failed' AND purged_at IS NULL AND request_id IS NOT NULL`;

export async function failedSubjectMails(db: Queryable): Promise<{ n: number; ids: string[] }> {
  const r = (await db.query<{ n: number; ids: string[] | null }>(FAILED_FOR_GOOD)).rows[0]!;
  return { n: r.n, ids: r.ids ?? [] };
}

/* $1 request id, $2 now — its failed mails go out again (their content is still there until the purge) */
const RESEND = /* sql */ `
  UPDATE mail_outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, last_error = NULL
  WHERE request_id = $1 AND status = 'failed' AND purged_at IS NULL RETURNING id`;

/** Queues a request's mails that failed for good again (after the SMTP problem is fixed). Returns how many. */
export async function resendFailedMails(db: Queryable, requestId: string, now: Date): Promise<number> {
  return (await db.query(RESEND, [requestId, now])).rowCount ?? 0;
}
