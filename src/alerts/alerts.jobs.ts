import type { Alerts } from './alerts.service.js';

/**
 * Worker side of the alerts: 'check-alerts' every minute and 'alert-digest' daily at 08:00 Europe/Amsterdam, both
 * on the mail queue (a long retention sweep on the maintenance queue must not hold up the alert about it).
 * Both are safe to rerun: the check de-duplicates, the digest goes once per day. The service logs what it sent.
 */
export function createAlertJobs(deps: { alerts: Alerts }) {
  return {
    handleCheckAlerts: () => deps.alerts.checkNow(),
    handleAlertDigest: async () => ({ listed: await deps.alerts.digest() }),
  };
}
