import { type Pool, withTransaction } from '../platform/db.js';
import { AppError, notFound } from '../platform/errors.js';
import { audit } from '../audit/audit.repository.js';
import { resendFailedMails } from '../mail/outbox.repository.js';
import { getRequest } from './requests.repository.js';

/**
 * A request's mails that failed for good go out again, once the mail connection is fixed — for the API and the desk
 * alike; audited with the operator's name. Returns how many were queued; the caller kicks the sender.
 */
export async function resendRequestMails(pool: Pool, requestId: string, actor: string, now: Date): Promise<number> {
  const r = await getRequest(pool, requestId);
  if (!r) throw notFound(`no privacy request ${requestId}`);
  const n = await withTransaction(pool, async (db) => {
    const resent = await resendFailedMails(db, requestId, now);
    if (resent) await audit(db, { actor, action: 'mail.resent', subjectKey: r.subjectKey, requestId, detail: { mails: resent } });
    return resent;
  });
  if (!n) throw new AppError(409, 'nothing_failed', 'no mail of this request failed for good (a purged one cannot be sent again)');
  return n;
}
