import { type Pool, type PoolClient, withLock, withRetriedTransaction } from '../platform/db.js';
import { AppError } from '../platform/errors.js';
import type { Clock } from '../platform/clock.js';
import { audit } from '../audit/audit.repository.js';
import { CORRECTION_LOCK, lockIdentities } from '../erasure/erasure.repository.js';
import { mayHaveReached } from '../processors/sync.repository.js';
import type { WooClient } from '../woo/woo-client.js';
import { type RequestRow, addStep, updateRequest } from './requests.repository.js';
import { type Changes, applyLocally, keepOverlay, writeToShop } from './rectification.js';

/**
 * Carrying out a rectification (P18), for the rights service: the shop, the mirror, the overlay, the request's
 * outcome and the confirmation mail. Its own file: the lock and ordering rules below are the delicate part.
 */

const erasedMeanwhile = () => new AppError(409, 'erased', 'the person was erased meanwhile: there is nothing left to correct');
type ShopWrite = Awaited<ReturnType<typeof writeToShop>>;

/* $1 person id — an erased one is not corrected */
const OPEN_PERSON = /* sql */ `SELECT 1 FROM persons WHERE id = $1 AND status <> 'erased'`;
/* $1 person id — an overlay still re-applying older corrections */
const OPEN_OVERLAY = /* sql */ `SELECT 1 FROM rectification_overlays WHERE person_id = $1 AND confirmed_at IS NULL`;
/* $1 person id — processors that received data, or may have, and cannot be corrected through their API (Art. 19) */
const RECIPIENTS = /* sql */ `
  SELECT DISTINCT s.processor FROM processor_syncs s JOIN orders o ON o.id = s.order_id WHERE o.person_id = $1 AND ${mayHaveReached('s')}`;

type MailStep = (db: PoolClient) => Promise<unknown>;

export function createRectify(deps: {
  pool: Pool; clock: Clock; woo: WooClient | null;
  /** The rights service's mail helper: the confirmation to the request's address, in its transaction. */
  mail: (r: RequestRow, template: 'rectification_confirmed', data: Record<string, unknown>) => MailStep;
}) {
  /**
   * P18: the shop first (so the next webhook carries the correction), and an overlay wherever the shop cannot hold
   * it: without its REST API, and for a guest — no account to write, so the name and the paid orders' addresses in
   * the shop stay as they were and their next webhook would bring them back. Then the mirror.
   */
  async function rectify(r: RequestRow, personId: number, actor: string): Promise<void> {
    const changes = (r.changes ?? {}) as Changes;
    // An erasure waits for this correction (CORRECTION_LOCK) and then erases it; one that ran first leaves nothing to
    // correct. The mirror is not held up while the shop answers: the names it takes are locked only for the commit.
    await withLock(deps.pool, `${CORRECTION_LOCK}${personId}`, async () => {
      if (!(await deps.pool.query(OPEN_PERSON, [personId])).rowCount) throw erasedMeanwhile();
      const shop = deps.woo ? await writeToShop(deps.pool, deps.woo, personId, changes) : null;
      await withRetriedTransaction(deps.pool, (db) => recordCorrection(db, r, personId, actor, changes, shop));
    });
  }

  async function recordCorrection(db: PoolClient, r: RequestRow, personId: number, actor: string, changes: Changes, shop: ShopWrite | null): Promise<void> {
    await lockIdentities(db, [personId]);
    if (!(await db.query(`${OPEN_PERSON} FOR UPDATE`, [personId])).rowCount) throw erasedMeanwhile();
    // A correction the shop holds still goes into an open overlay: its older values would otherwise come back.
    const overlay = !shop || !shop.customer || ((await db.query(OPEN_OVERLAY, [personId])).rowCount ?? 0) > 0;
    const corrected = await applyLocally(db, personId, changes);
    if (overlay) await keepOverlay(db, personId, r.id, changes, corrected);
    const recipients = (await db.query<{ processor: string }>(RECIPIENTS, [personId])).rows.map((x) => x.processor);
    // Art. 19: no processor here offers a correction API for data already sent; each is listed for hand work.
    const processors = recipients.map((p) => ({ processor: p, status: 'manual_required' }));
    await updateRequest(db, r.id, { status: 'completed', completedAt: deps.clock.now(), outcome: { writtenToShop: shop, overlay, processors } });
    await addStep(db, r.id, actor, 'completed', !overlay ? 'corrected in the shop and the mirror'
      : shop ? 'corrected in the shop and the mirror; overlay kept (a guest has no account in the shop, or an older correction still re-applies)'
        : 'corrected in the mirror; overlay kept until the shop is corrected');
    await deps.mail(r, 'rectification_confirmed', { changedFields: Object.keys(changes), processors: recipients })(db);
    await audit(db, { actor, action: 'data.rectified', subjectKey: r.subjectKey, requestId: r.id, detail: { fields: Object.keys(changes), shop: !!shop } });
  }

  return rectify;
}
