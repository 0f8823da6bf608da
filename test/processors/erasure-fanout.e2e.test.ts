import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anOrder, nextId } from '../builders/woocommerce.js';
import { ADMIN_TOKEN } from '../setup/context.js';
import { type World, startWorld } from './world.js';

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

describe('P14b erasure reaches the review site (Art. 19)', () => {
  test('when an invited person is forgotten and the own review site can erase, then it is asked to and the outcome is recorded', async () => {
    const w = await startWorld({ config: { dataDir: mkdtempSync(join(tmpdir(), 'woo-fanout-')) } });
    try {
      const email = `fanout-${nextId()}@example.com`;
      const body = await inviteThenErase(w, email);
      expect(body.processors).toEqual([{ tombstoneId: body.tombstoneIds[0], processor: 'reviews', status: 'done', detail: null }]);
      expect(w.own.state.erasures).toEqual([email]);
      expect([...w.own.state.invitations.values()].some((i) => i.email === email)).toBe(false);
      const { rows } = await w.ctx.pool.query('SELECT processor, status, detail FROM processor_erasures WHERE tombstone_id = $1', [body.tombstoneIds[0]]);
      expect(rows).toEqual([{ processor: 'reviews', status: 'done', detail: null }]);
    } finally {
      await w.close();
    }
  });

  test('when the review site is Kiyoh (no erase API), then the erasure records manual_required and calls nothing', async () => {
    const w = await startWorld({ reviews: 'kiyoh', config: { dataDir: mkdtempSync(join(tmpdir(), 'woo-fanout-')) } });
    try {
      const email = `fanout-k-${nextId()}@example.com`;
      const before = w.kiyoh.requests.length;
      const body = await inviteThenErase(w, email);
      expect(body.processors).toEqual([expect.objectContaining({ processor: 'reviews', status: 'manual_required' })]);
      expect(w.kiyoh.requests.length).toBe(before + 1); // the invitation only
      const { rows } = await w.ctx.pool.query('SELECT status, detail FROM processor_erasures WHERE tombstone_id = $1', [body.tombstoneIds[0]]);
      expect(rows[0].status).toBe('manual_required');
      expect(rows[0].detail).not.toContain(email);
    } finally {
      await w.close();
    }
  });

  test('when the review site fails for good, then the erasure still completes and records failed without the address', async () => {
    const w = await startWorld({ config: { dataDir: mkdtempSync(join(tmpdir(), 'woo-fanout-')) } });
    try {
      const email = `fanout-f-${nextId()}@example.com`;
      const order = consented(email);
      await w.deliver(order, 'order.created');
      await w.settled(order.id);
      w.own.failNext(5, { status: 503 });
      const res = await w.ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { email } });
      expect(res.json().status).toBe('erased');
      expect(res.json().processors).toEqual([expect.objectContaining({ processor: 'reviews', status: 'failed' })]);
      expect(JSON.stringify(res.json().processors)).not.toContain(email);
    } finally {
      await w.close();
    }
  });
});
