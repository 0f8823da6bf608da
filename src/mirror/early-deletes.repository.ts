import type { Queryable } from '../platform/db.js';

/**
 * Deletes that arrived before their record (migration 0025): remembered by id, and carried out in the transaction
 * that applies the record — only on a version received before the delete, as a delete applied in order would have.
 */

export type DeletedResource = 'order' | 'customer';

/* $1 resource, $2 wc id, $3 inbox id of the delete */
const REMEMBER = /* sql */ `
  INSERT INTO early_deletes (resource, wc_id, inbox_id) VALUES ($1, $2, $3)
  ON CONFLICT (resource, wc_id) DO UPDATE SET inbox_id = GREATEST(early_deletes.inbox_id, EXCLUDED.inbox_id)`;

export async function rememberEarlyDelete(db: Queryable, resource: DeletedResource, wcId: number, inboxId: number): Promise<void> {
  await db.query(REMEMBER, [resource, wcId, inboxId]);
}

/* $1 wc order ids — the order goes to the trash as order.deleted would have put it; the remembered delete is used up */
const TRASH_ORDERS = /* sql */ `
  WITH due AS (DELETE FROM early_deletes WHERE resource = 'order' AND wc_id = ANY($1::bigint[]) RETURNING wc_id, inbox_id)
  UPDATE orders o SET status_before_trash = o.status, status = 'trash', trashed_inbox_id = due.inbox_id, updated_at = now()
  FROM due WHERE o.wc_order_id = due.wc_id AND due.inbox_id > o.inbox_id AND o.status <> 'trash'`;
/* $1 wc customer ids — the account is marked gone as customer.deleted would have marked it */
const MARK_ACCOUNTS = /* sql */ `
  WITH due AS (DELETE FROM early_deletes WHERE resource = 'customer' AND wc_id = ANY($1::bigint[]) RETURNING wc_id, inbox_id, received_at)
  UPDATE persons p SET wc_account_deleted_at = COALESCE(p.wc_account_deleted_at, due.received_at), updated_at = now()
  FROM due WHERE p.wc_customer_id = due.wc_id AND p.status <> 'erased' AND due.inbox_id > COALESCE(p.customer_inbox_id, 0)`;

/** After orders and customers were applied in this transaction: the deletes that were waiting for them. */
export async function settleEarlyDeletes(db: Queryable, wcOrderIds: number[], wcCustomerIds: number[]): Promise<void> {
  if (wcOrderIds.length) await db.query(TRASH_ORDERS, [wcOrderIds]);
  if (wcCustomerIds.length) await db.query(MARK_ACCOUNTS, [wcCustomerIds]);
}

/* $1 days — a delete whose record never came is forgotten with the raw deliveries (P1) */
const PURGE = /* sql */ `DELETE FROM early_deletes WHERE received_at < now() - make_interval(days => $1)`;

export async function purgeEarlyDeletes(db: Queryable, days: number): Promise<number> {
  return (await db.query(PURGE, [days])).rowCount ?? 0;
}
