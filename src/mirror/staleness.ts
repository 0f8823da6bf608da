/** Whether an incoming delivery may overwrite what the mirror holds (WooCommerce delivers out of order). */

export interface StoredVersion {
  modifiedAt: string | null; // ISO
  bodySha256: Buffer;
  inboxId: number;
}

export interface IncomingVersion {
  modifiedAt: string | null;
  bodySha256: Buffer;
  inboxId: number;
}

/**
 * Newer date_modified_gmt wins. The same second with a different body goes to the delivery received later
 * (dates have one-second resolution). Older, or the very same body again, is stale.
 */
export function isNewer(stored: StoredVersion | null, incoming: IncomingVersion): boolean {
  if (!stored) return true;
  const s = stored.modifiedAt ? Date.parse(stored.modifiedAt) : -Infinity;
  const i = incoming.modifiedAt ? Date.parse(incoming.modifiedAt) : -Infinity;
  if (i !== s) return i > s;
  return !stored.bodySha256.equals(incoming.bodySha256) && incoming.inboxId > stored.inboxId;
}

/**
 * order.restored takes a trashed order out of the trash whatever its date (the restore is the news) — unless it was
 * received before the delete that trashed it: then it is an older event, judged by date like any other delivery.
 */
export const revivesTrash = (restored: boolean, inboxId: number, stored: { status: string; trashedBy: number | null } | undefined | null): boolean =>
  restored && stored?.status === 'trash' && (stored.trashedBy === null || inboxId > stored.trashedBy);

/** The upsert's KEEPS_TRASH (order.repository.ts): a version received before the delete that trashed the order. */
export const keepsTrash = (stored: { status: string; trashedBy: number | null } | undefined | null, inboxId: number): boolean =>
  stored?.status === 'trash' && stored.trashedBy !== null && stored.trashedBy > inboxId;
