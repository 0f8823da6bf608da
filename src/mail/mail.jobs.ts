import type { Logger } from 'pino';
import type { Pool } from '../platform/db.js';
import type { Clock } from '../platform/clock.js';
import type { Config } from '../config.js';
import { createMailSender } from './mail.sender.js';
import { forgetConcludedStrangers } from '../dsr/requests.repository.js';

/* $1 now — an access package is personal data: it goes when its EXPORT_TTL_DAYS are over */
const EXPIRE_EXPORTS = /* sql */ `UPDATE privacy_exports SET package = NULL WHERE package IS NOT NULL AND expires_at < $1`;

/** The mail outbox's worker side: send what is due; daily, purge sent mail, expired exports and strangers' addresses. */
export function createMailJobs(deps: { pool: Pool; log: Logger; clock: Clock; config: Config['dsr'] }) {
  const sender = createMailSender({ pool: deps.pool, smtpUrl: deps.config.smtpUrl, from: deps.config.mailFrom, log: deps.log.child({ component: 'mail' }), now: () => deps.clock.now() });
  return {
    async handleSendMail() {
      return sender.sendDue();
    },
    async handlePurge() {
      const mails = await sender.purge(deps.config.mailRetentionDays);
      const exports = (await deps.pool.query(EXPIRE_EXPORTS, [deps.clock.now()])).rowCount ?? 0;
      const requests = await forgetConcludedStrangers(deps.pool, deps.clock.now(), deps.config.mailRetentionDays);
      deps.log.info({ mails, exports, requests }, 'privacy data purged: sent mail bodies, expired exports, addresses of concluded requests that are nobody\'s');
      return { mails, exports, requests };
    },
    close: () => sender.close(),
  };
}
