import type { Pool } from '../platform/db.js';
import { AppError, notFound } from '../platform/errors.js';
import { resetForRetry, syncsOfOrder } from './sync.repository.js';
import type { PushRelay } from './push-relay.js';
import type { ProcessorId } from './types.js';

/**
 * An operator's retry of one order's push (the JSON API and the desk share it): a failed push, or an invitation
 * skipped for want of consent that was given since (P10), goes back to the outbox and the relay runs now.
 */
export async function retryPush(pool: Pool, relay: Pick<PushRelay, 'kick'>, wcOrderId: number, processor: ProcessorId): Promise<number[]> {
  const records = (await syncsOfOrder(pool, wcOrderId)).filter((s) => s.processor === processor);
  if (!records.length) throw notFound(`order ${wcOrderId} has no ${processor} push`);
  const retryable = records.filter((s) => s.status === 'failed' || (s.status === 'skipped' && s.reason === 'no_consent'));
  if (!retryable.length) {
    throw new AppError(409, 'not_failed', `the ${processor} push of order ${wcOrderId} is ${records.map((r) => r.status).join(', ')}; only a failed push can be retried`);
  }
  for (const r of retryable) await resetForRetry(pool, r.id);
  relay.kick();
  return retryable.map((r) => r.id);
}
