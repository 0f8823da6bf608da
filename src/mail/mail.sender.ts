import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Pool } from '../platform/db.js';
import {
  claimDueMail, countDueMail, markFailed, markRetry, markSent, purgeFinishedMail, type OutboxMail,
} from './outbox.repository.js';

/**
 * Sends the outbox over SMTP (SMTP_URL, MAIL_FROM), a mail server outage loses nothing (issue 6 "Mail").
 *
 * Delivery is at-least-once, which is all SMTP offers: a mail is leased (claimed, next_attempt_at moved LEASE_MS
 * ahead, committed), sent, then marked sent. A crash or lost connection after the server accepted the message but
 * before the mark sends it once more when the lease runs out; it then carries the same Message-ID, so mail clients
 * can fold the two. Two workers never send the same mail at the same time: the claim skips locked and leased rows.
 *
 * Logs carry the outbox id, template and an error code, never an address, subject, body or the server's reply
 * (a 550 reply quotes the recipient).
 */

export const MAX_ATTEMPTS = 8;
/** Longer than one send can take (timeouts below), so a lease never runs out while its mail is on the wire. */
const LEASE_MS = 5 * 60_000;
const BACKOFF_BASE_MS = 2 * 60_000;
const BACKOFF_MAX_MS = 4 * 60 * 60_000;

/** 2, 4, 8 … minutes, at most 4 hours: eight attempts span about eight hours of outage. */
export function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1), BACKOFF_MAX_MS);
}

export interface MailSenderDeps {
  pool: Pool;
  smtpUrl: string | null;
  /** MAIL_FROM, e.g. `Shop <privacy@shop.example>`. */
  from: string;
  log: Logger;
  now?: () => Date;
}

export interface SendResult { sent: number; failed: number; retried: number }

type Outcome = { kind: 'permanent' | 'transient'; code: string; network: boolean };

/** Classifies a send error by its code only: 5xx replies are final, 4xx and network trouble are worth a retry. */
function classify(err: unknown): Outcome {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { responseCode?: unknown; code?: unknown };
  const code = typeof e.code === 'string' ? e.code : 'EUNKNOWN';
  if (typeof e.responseCode === 'number') {
    return { kind: e.responseCode >= 500 ? 'permanent' : 'transient', code: `smtp ${e.responseCode}`, network: false };
  }
  // A bad configuration (ECONFIG) or a message nodemailer cannot build fails the same way every time.
  if (code === 'ECONFIG' || code === 'EMESSAGE' || code === 'EENVELOPE') return { kind: 'permanent', code, network: false };
  return { kind: 'transient', code, network: true };
}

/** The Message-ID's domain: MAIL_FROM's, so a resent mail keeps one stable id. */
function messageDomain(from: string): string {
  return /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'woo-companion.invalid';
}

const UNSENT_WARN_EVERY_MS = 60 * 60_000;

export function createMailSender(deps: MailSenderDeps) {
  const now = deps.now ?? (() => new Date());
  const log = deps.log; // the caller binds its component (workers pass a child logger)
  const domain = messageDomain(deps.from);
  let unsentWarned = { due: 0, at: 0 };
  const transport = deps.smtpUrl
    ? nodemailer.createTransport({
      url: deps.smtpUrl,
      connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000,
      // Attachments are the outbox's base64, never a path or URL a crafted row could point elsewhere.
      disableFileAccess: true, disableUrlAccess: true,
    })
    : null;

  async function sendOne(mail: OutboxMail): Promise<string | null> {
    const info = await transport!.sendMail({
      from: deps.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId: `<outbox-${mail.id}@${domain}>`,
      attachments: mail.attachments.map((a) => ({
        filename: a.filename, contentType: a.contentType, content: Buffer.from(a.contentBase64, 'base64'),
      })),
    });
    return typeof info.messageId === 'string' ? info.messageId : null;
  }

  /** Fails the mail for good or schedules its retry; true when the server could not be reached at all. */
  async function recordFailure(mail: OutboxMail, err: unknown, result: SendResult): Promise<boolean> {
    const o = classify(err);
    const at = { outboxId: mail.id, template: mail.template, attempts: mail.attempts, code: o.code };
    if (o.kind === 'permanent' || mail.attempts >= MAX_ATTEMPTS) {
      await markFailed(deps.pool, mail.id, o.code, now());
      result.failed++;
      log.error(at, 'mail failed');
    } else {
      const next = new Date(now().getTime() + backoffMs(mail.attempts));
      await markRetry(deps.pool, mail.id, next, o.code);
      result.retried++;
      log.warn({ ...at, nextAttemptAt: next }, 'mail retry scheduled');
    }
    return o.network;
  }

  return {
    /** Sends up to `limit` due mails, one claim at a time so every lease stays short. */
    async sendDue(limit = 50): Promise<SendResult> {
      const result: SendResult = { sent: 0, failed: 0, retried: 0 };
      if (!transport) {
        const due = await countDueMail(deps.pool, now());
        // Said when more mail is waiting than last said, else hourly: the sender runs every 30 s and after each action.
        const t = now().getTime();
        if (due > 0 && (due > unsentWarned.due || t - unsentWarned.at >= UNSENT_WARN_EVERY_MS)) {
          log.warn({ due }, 'SMTP_URL is not set: mails stay in the outbox');
          unsentWarned = { due, at: t };
        }
        return result;
      }
      for (let i = 0; i < limit; i++) {
        const mail = await claimDueMail(deps.pool, now(), LEASE_MS);
        if (!mail) break;
        let messageId: string | null;
        try {
          messageId = await sendOne(mail);
        } catch (err) {
          // The server is unreachable: the other due mails would fail the same way; they wait for the next round.
          if (await recordFailure(mail, err, result)) break;
          continue;
        }
        // Outside the try: a database error here must not be taken for a failed send (the mail did go out).
        await markSent(deps.pool, mail.id, messageId, now());
        result.sent++;
        log.info({ outboxId: mail.id, template: mail.template, attempts: mail.attempts }, 'mail sent');
      }
      return result;
    },

    /** P1: bodies, addresses and attachments of finished mails go `retentionDays` after sending (or giving up). */
    async purge(retentionDays: number): Promise<number> {
      const purged = await purgeFinishedMail(deps.pool, now(), retentionDays);
      log.info({ purged, retentionDays }, 'mail outbox purged');
      return purged;
    },

    close(): void {
      transport?.close();
    },
  };
}

export type MailSender = ReturnType<typeof createMailSender>;
