/**
 * A local SMTP server for the mail tests (smtp-server on 127.0.0.1, a free port): no TLS, no auth. Every accepted
 * message is parsed with mailparser, so tests assert on what a mail client would show — recipients, subject, text
 * and attachments as bytes. `failNext(n, code)` answers the next n recipients with 451 (try again later) or 550
 * (mailbox unavailable), the two answers a real server gives at RCPT TO.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ParsedMessage {
  /** The envelope recipients (RCPT TO). */
  envelopeTo: string[];
  envelopeFrom: string;
  /** The To and From headers as text. */
  to: string;
  from: string;
  subject: string;
  text: string;
  messageId: string | null;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

export type FailCode = 451 | 550;

export interface FakeSmtp {
  url: string;
  port: number;
  messages: ParsedMessage[];
  /** How many recipients were refused so far. */
  refused: number;
  failNext(n: number, code?: FailCode): void;
  /** Resolves with the messages once at least `count` arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMessage[]>;
  close(): Promise<void>;
}

const addressText = (a: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(a) ? a.map((x) => x.text).join(', ') : a?.text ?? '');

export async function startSmtpServer(o: { failNext?: { n: number; code?: FailCode } } = {}): Promise<FakeSmtp> {
  const failures: FailCode[] = [];
  const waiters = new Set<() => void>();
  const state = { messages: [] as ParsedMessage[], refused: 0 };
  const fail = (n: number, code: FailCode = 451) => { for (let i = 0; i < n; i++) failures.push(code); };
  if (o.failNext) fail(o.failNext.n, o.failNext.code);

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 1000,
    onRcptTo(_address, _session, callback) {
      const code = failures.shift();
      if (!code) return callback();
      state.refused++;
      const err = new Error(code === 451 ? 'Try again later' : 'Mailbox unavailable') as Error & { responseCode: number };
      err.responseCode = code;
      callback(err);
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          state.messages.push({
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: addressText(mail.to),
            from: addressText(mail.from),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            messageId: mail.messageId ?? null,
            attachments: mail.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content })),
          });
          callback();
          for (const w of waiters) w();
        })
        .catch((err: Error) => callback(err));
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined); // a client dropping its connection must not fail the test process
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    get messages() { return state.messages; },
    get refused() { return state.refused; },
    failNext: fail,
    waitFor(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (state.messages.length < count) return;
          cleanup();
          resolve(state.messages);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${state.messages.length} of ${count} messages arrived within ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = () => { clearTimeout(timer); waiters.delete(check); };
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
