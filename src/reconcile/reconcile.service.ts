import type { Logger } from 'pino';
import type { Pool } from '../platform/db.js';
import { withTransaction } from '../platform/db.js';
import type { Metrics } from '../platform/metrics.js';
import type { WooClient } from '../woo/woo-client.js';
import { fetchPage } from '../woo/woo-pages.js';
import { ingestResources } from '../sync/rest-intake.js';
import { getState, putState } from '../sync/sync-state.repository.js';
import { advance, fromWooGmt, nextCursor, queryAfter } from './watermark.js';
import { countMissed, newestMirroredOrder } from './reconcile.repository.js';

/**
 * Reconciliation: reads what changed in the shop since the watermark and feeds it to the mirror pipeline, so a
 * delivery WooCommerce dropped, collapsed or never retried still arrives. The watermark advances only after a
 * page is committed to the inbox. "missed" counts changes the webhooks did not bring: the webhook health number.
 */

export const STATE_KEY = { orders: 'reconcile.orders', customers: 'reconcile.customers' } as const;
const PER_PAGE = 100;

export interface OrdersState {
  watermark: string; // ISO
  /** The trash listing's own watermark: the newest trashed order seen (absent in state written before it existed). */
  trashWatermark?: string;
  lastRunAt: string | null;
  lastRunFetched: number;
  lastRunMissed: number;
  missedTotal: number;
  runs: number;
}
export interface CustomersState {
  lastRunAt: string | null;
  lastRunFetched: number;
  lastRunMissed: number;
  missedTotal: number;
}

export interface ReconcileDeps {
  pool: Pool;
  woo: WooClient;
  log: Logger;
  metrics: Metrics;
  onIngested: () => void;
  now?: () => Date;
}

export function createReconcileService(deps: ReconcileDeps) {
  const now = deps.now ?? (() => new Date());

  async function ordersState(): Promise<OrdersState> {
    const s = await getState<OrdersState>(deps.pool, STATE_KEY.orders);
    if (s) return s.value;
    // First run: cover at least the last 24 hours, and from before the newest mirrored order if that is older.
    const dayAgo = new Date(now().getTime() - 24 * 3600_000);
    const newest = await newestMirroredOrder(deps.pool);
    const start = newest && newest < dayAgo ? newest : dayAgo;
    return { watermark: start.toISOString(), lastRunAt: null, lastRunFetched: 0, lastRunMissed: 0, missedTotal: 0, runs: 0 };
  }

  /**
   * One reconciliation of orders; reports progress (pages done) through onProgress. WooCommerce's `status=any` leaves
   * trashed orders out (and an `any` in a status list overrides the rest), so a lost `order.deleted` is found by a
   * second listing, `status=trash`, with its own watermark (the newest trashed order it has seen): an order trashed
   * while a run is under way is still after it next time, however long the run took.
   */
  async function reconcileOrders(onProgress?: (p: { pages: number; fetched: number }) => Promise<void> | void) {
    const state = await ordersState();
    const marks = { any: new Date(state.watermark), trash: new Date(state.trashWatermark ?? state.watermark) };
    let fetched = 0;
    let missed = 0;
    let pages = 0;
    const pass = async (status: 'trash' | 'any') => {
      let cursor: { after: string; page: number } | null = { after: queryAfter(marks[status]), page: 1 };
      while (cursor) {
        const page = await fetchPage(deps.woo, 'orders', {
          status, modified_after: cursor.after, dates_are_gmt: true, orderby: 'modified', order: 'asc', per_page: PER_PAGE,
        }, cursor.page);
        const ids = page.items.map((i) => i.id);
        const modified = page.items.map((i) => fromWooGmt(i.date_modified_gmt));
        marks[status] = advance(marks[status], page.items);
        const found = await withTransaction(deps.pool, async (db) => {
          const n = await countMissed(db, 'order', ids, modified);
          await ingestResources(db, 'order', page.items, 'reconcile');
          // The page's misses are kept with the watermarks: a run failing later must not lose them (they are not missed again).
          await putState(db, STATE_KEY.orders, {
            ...state, watermark: marks.any.toISOString(), trashWatermark: marks.trash.toISOString(), missedTotal: state.missedTotal + missed + n,
          });
          return n;
        });
        missed += found;
        deps.metrics.reconcileMissed.inc({ resource: 'order' }, found);
        fetched += page.items.length;
        pages++;
        if (page.items.length) deps.onIngested();
        await onProgress?.({ pages, fetched });
        cursor = nextCursor(cursor, page.items, PER_PAGE);
      }
    };
    await pass('trash');
    await pass('any');
    const result: OrdersState = {
      watermark: marks.any.toISOString(), trashWatermark: marks.trash.toISOString(), lastRunAt: now().toISOString(),
      lastRunFetched: fetched, lastRunMissed: missed, missedTotal: state.missedTotal + missed, runs: state.runs + 1,
    };
    await putState(deps.pool, STATE_KEY.orders, result);
    deps.metrics.reconcileWatermark.set(marks.any.getTime() / 1000);
    deps.log.info({ resource: 'order', fetched, missed, pages }, 'reconciliation finished');
    return result;
  }

  /** Customers have no modified_after filter: page through all of them (role=all), daily. */
  async function reconcileCustomers(onProgress?: (p: { pages: number; totalPages: number; fetched: number }) => Promise<void> | void) {
    const prior = (await getState<CustomersState>(deps.pool, STATE_KEY.customers))?.value;
    let fetched = 0;
    let missed = 0;
    for (let p = 1; ; p++) {
      const page = await fetchPage(deps.woo, 'customers', { role: 'all', orderby: 'id', order: 'asc', per_page: PER_PAGE }, p);
      missed += await withTransaction(deps.pool, async (db) => {
        const n = await countMissed(db, 'customer', page.items.map((i) => i.id), page.items.map((i) => fromWooGmt(i.date_modified_gmt)));
        await ingestResources(db, 'customer', page.items, 'reconcile');
        return n;
      });
      fetched += page.items.length;
      if (page.items.length) deps.onIngested();
      await onProgress?.({ pages: p, totalPages: page.totalPages, fetched });
      if (p >= page.totalPages || page.items.length < PER_PAGE) break;
    }
    const result: CustomersState = { lastRunAt: now().toISOString(), lastRunFetched: fetched, lastRunMissed: missed, missedTotal: (prior?.missedTotal ?? 0) + missed };
    await putState(deps.pool, STATE_KEY.customers, result);
    deps.metrics.reconcileMissed.inc({ resource: 'customer' }, missed);
    deps.log.info({ resource: 'customer', fetched, missed }, 'customer reconciliation finished');
    return result;
  }

  /** For GET /api/reconciliation: watermark, lag and what the webhooks missed. */
  async function report() {
    const orders = (await getState<OrdersState>(deps.pool, STATE_KEY.orders))?.value ?? null;
    const customers = (await getState<CustomersState>(deps.pool, STATE_KEY.customers))?.value ?? null;
    const age = (iso: string | null | undefined) => (iso ? Math.max(0, Math.round((now().getTime() - Date.parse(iso)) / 1000)) : null);
    // lag: how old our knowledge of the shop's changes is (since the last completed run);
    // watermarkAge: how long ago the newest change we know of happened (grows while the shop is quiet).
    return {
      orders: orders && { ...orders, lagSeconds: age(orders.lastRunAt), watermarkAgeSeconds: age(orders.watermark) },
      customers: customers && { ...customers, lagSeconds: age(customers.lastRunAt) },
    };
  }

  return { reconcileOrders, reconcileCustomers, report };
}

export type ReconcileService = ReturnType<typeof createReconcileService>;
