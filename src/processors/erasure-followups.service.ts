import { type Pool, withTransaction } from '../platform/db.js';
import { AppError, notFound } from '../platform/errors.js';
import { audit } from '../audit/audit.repository.js';
import { type ErasureFollowUp, getErasureFollowUp, resolveErasureFollowUp } from './erasure-followups.repository.js';

/**
 * An operator closes a processor erasure done by hand ("asked Kiyoh to delete the reviews of orders 1042, 1043"),
 * for the API and the desk alike. The operator's name goes into the audit trail with the close, in one transaction:
 * the record of who did the Art. 19 step never lags the item it closes. The note stays on the item only (free text).
 */
export async function closeErasureFollowUp(pool: Pool, id: number, by: string, note: string): Promise<ErasureFollowUp> {
  return withTransaction(pool, async (db) => {
    // A pending item settled to hand work between the two statements is open by the re-read: close it then.
    if (!(await resolveErasureFollowUp(db, id, by, note)) && !(await resolveErasureFollowUp(db, id, by, note))) {
      const item = await getErasureFollowUp(db, id);
      if (!item?.resolvedAt) throw notFound(`there is no processor erasure ${id} that needs hand work`);
      throw new AppError(409, 'already_resolved', `processor erasure ${id} was closed by ${item.resolvedBy} at ${item.resolvedAt.toISOString()}`);
    }
    const item = (await getErasureFollowUp(db, id))!;
    await audit(db, { actor: by, action: 'processor_erasure.resolved', detail: { id, processor: item.processor, tombstoneId: item.tombstoneId } });
    return item;
  });
}
