import type { Logger } from 'pino';
import type { Pool } from '../platform/db.js';
import { withTransaction } from '../platform/db.js';
import type { WooClient } from '../woo/woo-client.js';
import { fetchPage } from '../woo/woo-pages.js';
import { ingestResources } from '../sync/rest-intake.js';
import { getState, putState } from '../sync/sync-state.repository.js';
import { toWooGmt } from '../reconcile/watermark.js';
import { type Progress, progressOf } from './progress.js';

/**
 * Backfill: every order (status=any, created before the run started), every customer (role=all), then every order in
 * the shop's trash (status=trash: WooCommerce's `any` leaves those out, yet a trashed order may be invoiced — the fiscal
 * archive and an access export need it), page by page, into the same pipeline as webhooks. Deliveries carry origin
 * 'backfill', so orders first seen this way are marked as history and never trigger processor pushes. The cursor is
 * saved after each committed page: a crash resumes there.
 */

export const BACKFILL_KEY = 'backfill';
const PER_PAGE = 100;
// The trash listing came last to the backfill: a run saved mid-way by an earlier version (phase orders or customers)
// still reaches it when it resumes.
const PHASES = ['orders', 'customers', 'trash'] as const;
type Phase = (typeof PHASES)[number];

/**
 * What each phase lists. Only orders created before the run started are history: one placed meanwhile is new
 * business, left to its webhook (or reconciliation) so it is not marked history. `before` is strict; UTC digits, no Z
 * (see watermark.ts). `any` and `trash` are two listings: an `any` in a status list overrides the rest.
 */
function listing(phase: Phase, startedAt: string) {
  if (phase === 'customers') return { endpoint: 'customers', resource: 'customer', params: { role: 'all', orderby: 'id', order: 'asc' } } as const;
  const params = { status: phase === 'orders' ? 'any' : 'trash', orderby: 'id', order: 'asc', before: toWooGmt(new Date(startedAt)), dates_are_gmt: true };
  return { endpoint: 'orders', resource: 'order', params } as const;
}

export interface BackfillState {
  status: 'running' | 'done';
  phase: Phase;
  nextPage: number;
  processed: number;
  /** The shop's X-WP-Total per listing; `trash` is absent in a state saved before that listing existed. */
  totals: { orders: number | null; customers: number | null; trash?: number | null };
  startedAt: string;
  finishedAt: string | null;
}

export function createBackfillService(deps: { pool: Pool; woo: WooClient; log: Logger; onIngested: () => void }) {
  async function state(): Promise<BackfillState | null> {
    return (await getState<BackfillState>(deps.pool, BACKFILL_KEY))?.value ?? null;
  }

  /** Runs (or resumes) an interrupted backfill; `restart` begins again at page 1 instead. A finished run always begins again. */
  async function run(opts: { restart?: boolean; onProgress?: (p: Progress) => Promise<void> | void } = {}): Promise<BackfillState> {
    const prior = await state();
    let s: BackfillState =
      prior && prior.status === 'running' && !opts.restart
        ? prior
        : { status: 'running', phase: 'orders', nextPage: 1, processed: 0, totals: { orders: null, customers: null, trash: null }, startedAt: new Date().toISOString(), finishedAt: null };
    if (prior?.status === 'running' && !opts.restart) deps.log.info({ phase: s.phase, page: s.nextPage }, 'backfill resuming');
    await putState(deps.pool, BACKFILL_KEY, s);
    const started = Date.now();
    const processedAtStart = s.processed;
    const report = (phase: Progress['phase']) =>
      opts.onProgress?.(progressOf(phase, s.processed, Object.values(s.totals).reduce<number>((n, t) => n + (t ?? 0), 0), Date.now() - started, processedAtStart));

    for (const phase of PHASES.slice(PHASES.indexOf(s.phase))) {
      const { endpoint, resource, params } = listing(phase, s.startedAt);
      for (let page = s.phase === phase ? s.nextPage : 1; ; page++) {
        const res = await fetchPage(deps.woo, endpoint, { ...params, per_page: PER_PAGE }, page);
        s = { ...s, phase, totals: { ...s.totals, [phase]: res.total } };
        await withTransaction(deps.pool, async (db) => {
          await ingestResources(db, resource, res.items, 'backfill');
          s = { ...s, nextPage: page + 1, processed: s.processed + res.items.length };
          await putState(db, BACKFILL_KEY, s);
        });
        if (res.items.length) deps.onIngested();
        await report(phase);
        if (page >= res.totalPages || res.items.length < PER_PAGE) break;
      }
      const next = PHASES[PHASES.indexOf(phase) + 1];
      if (next) s = { ...s, phase: next, nextPage: 1 };
    }
    s = { ...s, status: 'done', finishedAt: new Date().toISOString() };
    await putState(deps.pool, BACKFILL_KEY, s);
    await report('done');
    deps.log.info({ processed: s.processed }, 'backfill finished');
    return s;
  }

  return { run, state };
}

export type BackfillService = ReturnType<typeof createBackfillService>;
