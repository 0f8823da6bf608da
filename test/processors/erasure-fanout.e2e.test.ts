import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anOrder, nextId } from '../builders/woocommerce.js';
import { ADMIN_TOKEN } from '../setup/context.js';
import { type World, startWorld } from './world.js';
import { eraseBatch } from '../../src/erasure/erasure.service.js';
import { withTransaction } from '../../src/platform/db.js';
import { settleInterruptedFanOuts } from '../../src/processors/erasure-fanout.js';

/** P14b with Art. 19: a forgotten person's invitation data is erased at the review site too, or flagged for hand work. */
const consented = (email: string) =>
  anOrder({ email, status: 'completed', total: '29.63', date_completed_gmt: '2025-01-03T10:00:00', meta_data: [{ id: 9, key: '_review_consent', value: 'yes' }] });

async function inviteThenErase(w: World, email: string) {
  const order = consented(email);
  await w.deliver(order, 'order.created');
  const sync = await w.settled(order.id);
  expect(sync.find((s) => s.processor === 'reviews')?.status).toBe('done');
  const res = await w.ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { email } });
  expect(res.statusCode).toBe(200);
  return res.json();
}

const eraseNow = (w: World, email: string) =>
  w.ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { email } });
async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const invitationsTo = (w: World, email: string) => w.own.requests.filter((r) => r.path === '/invitations' && (r.body as { email?: string }).email === email);

/** The real app and workers against the review-site fakes, for one test. */
async function inWorld(reviews: 'own' | 'kiyoh', fn: (w: World) => Promise<void>): Promise<void> {
  const w = await startWorld({ reviews, config: { dataDir: mkdtempSync(join(tmpdir(), 'woo-fanout-')) } });
  try {
    await fn(w);
  } finally {
    await w.close();
  }
}

describe('P14b erasure reaches the review site (Art. 19)', () => {
  test('when an invited person is forgotten and the own review site can erase, then it is asked to and the outcome is recorded', () => inWorld('own', async (w) => {
      const email = `fanout-${nextId()}@example.com`;
      const body = await inviteThenErase(w, email);
      expect(body.processors).toEqual([{ tombstoneId: body.tombstoneIds[0], processor: 'reviews', status: 'done', detail: null }]);
      expect(w.own.state.erasures).toEqual([email]);
      expect([...w.own.state.invitations.values()].some((i) => i.email === email)).toBe(false);
      const { rows } = await w.ctx.pool.query('SELECT processor, status, detail FROM processor_erasures WHERE tombstone_id = $1', [body.tombstoneIds[0]]);
      expect(rows).toEqual([{ processor: 'reviews', status: 'done', detail: null }]);
  }));

  test('when the invitation is still on the wire as the person is forgotten, then the erasure waits for it and asks the site to erase', () => inWorld('own', async (w) => {
      const email = `fanout-w-${nextId()}@example.com`;
      w.own.delayNext(800); // stored at once, answered 0.8 s later (within PROCESSOR_TIMEOUT_MS)
      const order = consented(email);
      await w.deliver(order, 'order.created');
      await until('the invitation to reach the site', () => invitationsTo(w, email).length === 1);
      const res = await eraseNow(w, email);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.processors).toEqual([{ tombstoneId: body.tombstoneIds[0], processor: 'reviews', status: 'done', detail: null }]);
      expect(w.own.state.erasures).toEqual([email]);
      expect([...w.own.state.invitations.values()].some((i) => i.email === email)).toBe(false);
      // The push's outcome was stored before the erasure, not over it.
      expect((await w.sync(order.id)).find((s) => s.processor === 'reviews')).toMatchObject({ status: 'done', attempts: 1 });
  }));

  test('when an invitation got no answer (it may be at the site) and waits for its retry, then forgetting the person asks the site to erase', () => inWorld('own', async (w) => {
      const email = `fanout-a-${nextId()}@example.com`;
      w.own.timeoutAfterAccept(1); // the site stores the invitation and never answers
      const order = consented(email);
      await w.deliver(order, 'order.created');
      await until('the invitation to reach the site', () => invitationsTo(w, email).length === 1);
      w.own.failNext(1, { status: 429, retryAfter: 120 }); // the retry is put off for two minutes
      await until('the retry to be put off', async () => ((await w.sync(order.id)).find((s) => s.processor === 'reviews')?.attempts ?? 0) >= 2);
      expect((await w.sync(order.id)).find((s) => s.processor === 'reviews')?.status).toBe('pending');
      expect([...w.own.state.invitations.values()].some((i) => i.email === email)).toBe(true);

      const res = await eraseNow(w, email);
      expect(res.statusCode).toBe(200);
      expect(res.json().processors).toEqual([expect.objectContaining({ processor: 'reviews', status: 'done' })]);
      expect(w.own.state.erasures).toEqual([email]);
      expect([...w.own.state.invitations.values()].some((i) => i.email === email)).toBe(false);
      expect((await w.sync(order.id)).find((s) => s.processor === 'reviews')).toMatchObject({ status: 'skipped', reason: 'erased' });
  }));

  test('when the process dies between the erasure\'s commit and the call to the review site, then a pending record remains and is settled failed, naming the orders to erase by hand', () => inWorld('own', async (w) => {
      const email = `fanout-d-${nextId()}@example.com`;
      const order = consented(email);
      await w.deliver(order, 'order.created');
      expect((await w.settled(order.id)).find((s) => s.processor === 'reviews')?.status).toBe('done');
      const { rows: [p] } = await w.ctx.pool.query('SELECT person_id FROM person_emails WHERE email = $1', [email]);
      const settings = { dataDir: w.ctx.config.dataDir, fiscal: { prefix: w.ctx.config.invoicePrefix, years: w.ctx.config.fiscalRetentionYears } };
      // The erasure commits; the process dies before the fan-out (no call is made).
      const r = await withTransaction(w.ctx.pool, (db) => eraseBatch(db, settings, [Number(p.person_id)], { reason: 'operator', ref: null, erasedAt: new Date() }));
      expect(r.fanOut).toHaveLength(1);
      const tombstoneId = r.erased[0]!.tombstoneId;
      const rowsOf = async () => (await w.ctx.pool.query('SELECT status, detail FROM processor_erasures WHERE tombstone_id = $1', [tombstoneId])).rows;
      expect(await rowsOf()).toEqual([{ status: 'pending', detail: null }]);

      expect(await settleInterruptedFanOuts(w.ctx.pool)).toBe(0); // young: a call may still be under way
      expect(await settleInterruptedFanOuts(w.ctx.pool, 0)).toBe(1);
      const [settled] = await rowsOf();
      expect(settled.status).toBe('failed');
      expect(settled.detail).toContain(`orders ${order.number}`);
      expect(settled.detail).not.toContain(email);
      expect(w.own.state.erasures).toEqual([]);
  }));

  test('when a worker dies during the invitation call (no outcome recorded), then a later erasure still asks the site to erase', () => inWorld('own', async (w) => {
      const email = `fanout-kill-${nextId()}@example.com`;
      w.own.delayNext(1000);
      const order = consented(email);
      await w.deliver(order, 'order.created');
      await until('the invitation to reach the site', () => invitationsTo(w, email).length === 1);
      // On the wire: what a worker killed now leaves behind — still pending, no attempt counted, but marked as called.
      const state = `SELECT s.id, s.status, s.attempts, s.called_at FROM processor_syncs s JOIN orders o ON o.id = s.order_id
        WHERE o.wc_order_id = $1 AND s.processor = 'reviews'`;
      const [inFlight] = (await w.ctx.pool.query(state, [order.id])).rows;
      expect(inFlight).toMatchObject({ status: 'pending', attempts: 0, called_at: expect.any(Date) });
      await w.settled(order.id);
      // The kill, replayed on the record: the outcome never written.
      await w.ctx.pool.query(`UPDATE processor_syncs SET status = 'pending', attempts = 0 WHERE id = $1`, [inFlight.id]);

      const res = await eraseNow(w, email);
      expect(res.json().processors).toEqual([expect.objectContaining({ processor: 'reviews', status: 'done' })]);
      expect(w.own.state.erasures).toEqual([email]);
  }));

  test('when the review site is Kiyoh (no erase API), then the erasure records manual_required and calls nothing', () => inWorld('kiyoh', async (w) => {
      const email = `fanout-k-${nextId()}@example.com`;
      const before = w.kiyoh.requests.length;
      const body = await inviteThenErase(w, email);
      expect(body.processors).toEqual([expect.objectContaining({ processor: 'reviews', status: 'manual_required' })]);
      expect(w.kiyoh.requests.length).toBe(before + 1); // the invitation only
      const { rows } = await w.ctx.pool.query('SELECT status, detail FROM processor_erasures WHERE tombstone_id = $1', [body.tombstoneIds[0]]);
      expect(rows[0].status).toBe('manual_required');
      expect(rows[0].detail).not.toContain(email);
  }));

  test('when the review site fails for good, then the erasure still completes and records failed without the address', () => inWorld('own', async (w) => {
      const email = `fanout-f-${nextId()}@example.com`;
      const order = consented(email);
      await w.deliver(order, 'order.created');
      await w.settled(order.id);
      w.own.failNext(5, { status: 503 });
      const res = await w.ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { email } });
      expect(res.json().status).toBe('erased');
      expect(res.json().processors).toEqual([expect.objectContaining({ processor: 'reviews', status: 'failed' })]);
      expect(JSON.stringify(res.json().processors)).not.toContain(email);
  }));
});
