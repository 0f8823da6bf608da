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
 *
 * Each listing is read by position (`offset`, ids ascending) with the last id taken remembered: an order trashed or a
 * customer deleted behind the cursor moves every later one up a place, and a plain page number would step over one
 * for good (reconciliation never sees an order nobody changed). Each read starts at the last id taken and takes only
 * ids past it; when that id is not the first one read, something behind the cursor was removed, and it steps back until
 * it finds its place.
 */

export const BACKFILL_KEY = 'backfill';
const PER_PAGE = 100;
/** Each read starts at the last id taken: finding it first proves nothing behind the cursor was removed. */
const OVERLAP = 1;
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
  /** The page the cursor is on (for display); `offset` and `lastId` are the cursor. */
  nextPage: number;
  /** Places of the phase's listing read so far; absent in a state saved before reading by position. */
  offset?: number;
  /** The highest id taken in this phase (null: none yet). */
  lastId?: number | null;
  processed: number;
  /** The shop's X-WP-Total per listing; `trash` is absent in a state saved before that listing existed. */
  totals: { orders: number | null; customers: number | null; trash?: number | null };
  startedAt: string;
  finishedAt: string | null;
  /** The job that began (or last resumed) this run: a restart job put back after a crash resumes its own run. */
  runId?: string | null;
}

export function createBackfillService(deps: { pool: Pool; woo: WooClient; log: Logger; onIngested: () => void }) {
  async function state(): Promise<BackfillState | null> {
    return (await getState<BackfillState>(deps.pool, BACKFILL_KEY))?.value ?? null;
  }

  /**
   * Runs (or resumes) an interrupted backfill; `restart` begins again at page 1 instead. A finished run always begins
   * again. `runId` (the job's id): a restart job run again after its worker died — BullMQ does not count that as an
   * attempt — resumes the run it began instead of beginning once more, and finds its own finished run done.
   */
  async function run(opts: { restart?: boolean; runId?: string; onProgress?: (p: Progress) => Promise<void> | void } = {}): Promise<BackfillState> {
    const prior = await state();
    const mine = opts.runId !== undefined && prior?.runId === opts.runId;
    if (mine && prior!.status === 'done') return prior!;
    const resume = prior?.status === 'running' && (!opts.restart || mine);
    let s: BackfillState = resume
      ? { ...prior!, runId: opts.runId ?? prior!.runId ?? null }
      : { status: 'running', phase: 'orders', nextPage: 1, offset: 0, lastId: null, processed: 0, totals: { orders: null, customers: null, trash: null }, startedAt: new Date().toISOString(), finishedAt: null, runId: opts.runId ?? null };
    if (resume) deps.log.info({ phase: s.phase, page: s.nextPage }, 'backfill resuming');
    await putState(deps.pool, BACKFILL_KEY, s);
    const started = Date.now();
    const processedAtStart = s.processed;
    const report = (phase: Progress['phase']) =>
      opts.onProgress?.(progressOf(phase, s.processed, Object.values(s.totals).reduce<number>((n, t) => n + (t ?? 0), 0), Date.now() - started, processedAtStart));

    for (const phase of PHASES.slice(PHASES.indexOf(s.phase))) {
      const { endpoint, resource, params } = listing(phase, s.startedAt);
      // A state saved by page number resumes at that page's first place, taking everything it reads.
      let cursor = s.phase === phase ? { offset: s.offset ?? (s.nextPage - 1) * PER_PAGE, lastId: s.lastId ?? null } : { offset: 0, lastId: null };
      for (;;) {
        const offset = cursor.lastId === null ? cursor.offset : Math.max(0, cursor.offset - OVERLAP);
        const res = await fetchPage(deps.woo, endpoint, { ...params, per_page: PER_PAGE, offset }, 1);
        const { lastId } = cursor;
        if (lastId !== null && offset > 0 && !(res.items[0] && res.items[0].id <= lastId)) {
          // Something behind the cursor was removed: the last id taken lies further back.
          cursor = { ...cursor, offset: Math.max(0, offset - PER_PAGE) };
          continue;
        }
        const fresh = lastId === null ? res.items : res.items.filter((i) => i.id > lastId);
        const taken = fresh.length ? Math.max(...fresh.map((i) => i.id)) : lastId;
        cursor = { offset: offset + res.items.length, lastId: taken };
        s = { ...s, phase, totals: { ...s.totals, [phase]: res.total } };
        await withTransaction(deps.pool, async (db) => {
          await ingestResources(db, resource, fresh, 'backfill');
          s = { ...s, ...cursor, nextPage: Math.floor(cursor.offset / PER_PAGE) + 1, processed: s.processed + fresh.length };
          await putState(db, BACKFILL_KEY, s);
        });
        if (fresh.length) deps.onIngested();
        await report(phase);
        if (res.items.length < PER_PAGE) break;
      }
      const next = PHASES[PHASES.indexOf(phase) + 1];
      if (next) s = { ...s, phase: next, nextPage: 1, offset: 0, lastId: null };
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
