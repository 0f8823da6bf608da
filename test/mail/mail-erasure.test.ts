import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createSchema, dropSchema } from '../setup/context.js';
import { startSmtpServer, type FakeSmtp } from '../fakes/smtp.js';
import { createLogger } from '../../src/platform/logger.js';
import { withTransaction, type Pool } from '../../src/platform/db.js';
import { MAIL_ERASE_SQL, enqueueMail, markSent } from '../../src/mail/outbox.repository.js';
import { createMailSender } from '../../src/mail/mail.sender.js';

/** P14b: erasure reaches the mail outbox — the subject's mails lose address, subject, body and files; pending ones never go. */
let pool: Pool;
let schema: string;
let smtp: FakeSmtp;
const log = createLogger('debug', new Writable({ write(_c, _e, cb) { cb(); } }));

beforeAll(async () => {
  ({ pool, schema } = await createSchema());
  smtp = await startSmtpServer();
});
afterAll(async () => {
  await smtp.close();
  await pool.end();
  await dropSchema(schema);
});

const data = { shopName: 'Tuinhuis Groen', requestType: 'access' as const, requestId: 'r', dueAt: new Date() };
const file = [{ filename: 'gegevens.json', contentType: 'application/json', content: Buffer.from('{"naam":"Fenna Visser"}') }];

async function aRequest(subjectKey: Buffer, personId: number | null = null): Promise<string> {
  const { rows } = await pool.query(
    `INSERT INTO privacy_requests (type, email, subject_key, person_id, received_at, due_at, filed_by)
     VALUES ('access', 'x@voorbeeld.example', $1, $2, now(), now() + interval '30 days', 'test') RETURNING id`, [subjectKey, personId]);
  return rows[0].id;
}
async function aPerson(): Promise<number> {
  return (await pool.query(`INSERT INTO persons (policy_version) VALUES ('2023-08-21') RETURNING id`)).rows[0].id;
}
const row = async (id: number) => (await pool.query('SELECT * FROM mail_outbox WHERE id = $1', [id])).rows[0];
const cleared = { to_address: null, subject: null, text_body: null, attachments: [], purged_at: expect.any(Date) };

describe('P14b erasure of the mail outbox', () => {
  test('when a subject is erased, then their sent and pending mails are cleared, pending ones cancelled and never sent; others stay', async () => {
    const key = randomBytes(32);
    const otherKey = randomBytes(32);
    const personId = await aPerson();
    const requestId = await aRequest(key);
    const personRequestId = await aRequest(randomBytes(32), personId); // a request under another address of the person
    const to = 'fenna@voorbeeld.example';

    const sent = await enqueueMail(pool, { to, subjectKey: key, requestId, template: 'completion', lang: 'nl', data, attachments: file });
    await createMailSender({ pool, smtpUrl: smtp.url, from: 'shop@tuinhuis.example', log }).sendDue();
    expect(await row(sent)).toMatchObject({ status: 'sent' });
    const pending = await enqueueMail(pool, { to, subjectKey: key, template: 'receipt', lang: 'nl', data });
    const byRequestOnly = await enqueueMail(pool, { to, requestId, template: 'receipt', lang: 'en', data });
    const byPerson = await enqueueMail(pool, { to: 'f.visser@werk.example', requestId: personRequestId, template: 'receipt', lang: 'nl', data });
    const other = await enqueueMail(pool, { to: 'ander@voorbeeld.example', subjectKey: otherKey, template: 'receipt', lang: 'nl', data });

    const changed = await withTransaction(pool, async (db) => (await db.query(MAIL_ERASE_SQL, [[personId], [key]])).rowCount);
    expect(changed).toBe(4);

    expect(await row(sent)).toMatchObject({ ...cleared, status: 'sent' });
    for (const id of [pending, byRequestOnly, byPerson]) {
      expect(await row(id)).toMatchObject({ ...cleared, status: 'failed', last_error: 'cancelled: subject erased' });
    }
    expect(await row(other)).toMatchObject({ status: 'pending', to_address: 'ander@voorbeeld.example', purged_at: null });

    smtp.messages.length = 0;
    await createMailSender({ pool, smtpUrl: smtp.url, from: 'shop@tuinhuis.example', log }).sendDue();
    expect(smtp.messages.map((m) => m.envelopeTo[0])).toEqual(['ander@voorbeeld.example']);

    // Nothing of the person is left in the outbox; a second run finds nothing to change.
    const { rows } = await pool.query(`SELECT to_address, subject, text_body, attachments::text FROM mail_outbox WHERE id <> $1`, [other]);
    expect(JSON.stringify(rows)).not.toMatch(/fenna|visser|voorbeeld|werk\.example/i);
    expect((await pool.query(MAIL_ERASE_SQL, [[personId], [key]])).rowCount).toBe(0);
  });

  test('when a mail is cancelled by an erasure while it is on the wire, then the sender records it as sent without restoring anything', async () => {
    const key = randomBytes(32);
    const id = await enqueueMail(pool, { to: 'wire@voorbeeld.example', subjectKey: key, template: 'receipt', lang: 'nl', data });
    // The sender's claim happened, then the erasure ran before the mark.
    await pool.query(`UPDATE mail_outbox SET attempts = 1, next_attempt_at = now() + interval '5 minutes' WHERE id = $1`, [id]);
    await pool.query(MAIL_ERASE_SQL, [[], [key]]);
    await markSent(pool, id, '<m@tuinhuis.example>', new Date());
    expect(await row(id)).toMatchObject({ ...cleared, status: 'sent' });
  });
});
