import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anOrder, nextId } from '../builders/woocommerce.js';
import { ADMIN_TOKEN } from '../setup/context.js';
import { createOperator } from '../../src/operators/operators.service.js';
import { type World, startWorld } from './world.js';

/**
 * Art. 19 work left to a human: Kiyoh has no erase API, so forgetting an invited person leaves an item an operator
 * must finish by hand. The item names the orders to look up at Kiyoh (the emails are gone), and closing it records
 * who did it and how.
 */

let w: World;
beforeAll(async () => {
  w = await startWorld({ reviews: 'kiyoh', config: { dataDir: mkdtempSync(join(tmpdir(), 'woo-followups-')) } });
}, 60_000);
afterAll(async () => w?.close());

const auth = (token = ADMIN_TOKEN) => ({ authorization: `Bearer ${token}` });
const list = async (state?: string) => w.ctx.app.inject({ url: `/api/processor-erasures${state ? `?state=${state}` : ''}`, headers: auth() });
const resolve = (id: number, payload: unknown, token = ADMIN_TOKEN) =>
  w.ctx.app.inject({ method: 'POST', url: `/api/processor-erasures/${id}/resolve`, headers: auth(token), payload: payload as object });

/** Two consented, completed orders invited through Kiyoh, then the person forgotten: returns the follow-up's id. */
async function invitedThenForgotten(): Promise<{ id: number; numbers: string[]; email: string }> {
  const email = `followup-${nextId()}@example.com`;
  const orders = [1, 2].map(() => anOrder({ email, status: 'completed', total: '12.10', date_completed_gmt: '2025-01-03T10:00:00',
    meta_data: [{ id: 9, key: '_review_consent', value: 'yes' }] }));
  for (const o of orders) {
    await w.deliver(o, 'order.created');
    expect((await w.settled(o.id)).find((s) => s.processor === 'reviews')?.status).toBe('done');
  }
  const erased = await w.ctx.app.inject({ method: 'POST', url: '/api/erasures', headers: auth(), payload: { email } });
  expect(erased.json().processors).toEqual([expect.objectContaining({ processor: 'reviews', status: 'manual_required' })]);
  const item = (await list()).json().followUps.find((f: { tombstoneId: string }) => f.tombstoneId === erased.json().tombstoneIds[0]);
  return { id: item.id, numbers: orders.map((o) => o.number).sort(), email };
}

describe('P14b processor erasures to finish by hand (Art. 19)', () => {
  test('when Kiyoh cannot erase a forgotten person\'s invitations, then the item names the orders to look up, and closing it records who and what (audited)', async () => {
    const { id, numbers, email } = await invitedThenForgotten();
    const open = (await list()).json().followUps.find((f: { id: number }) => f.id === id);
    expect(open).toMatchObject({ processor: 'reviews', status: 'manual_required', orders: numbers, resolvedAt: null, resolvedBy: null, note: null });
    expect(open.createdAt).toMatch(/Z$/);
    expect(JSON.stringify(open)).not.toContain(email);

    const { token } = await createOperator(w.ctx.pool, { name: 'anna', role: 'operator', ttlDays: 90, now: new Date() });
    const res = await resolve(id, { note: `asked Kiyoh support to delete the reviews of orders ${numbers.join(', ')}, ticket 5531` }, token);
    expect(res.statusCode).toBe(200);
    expect(res.json().followUp).toMatchObject({ id, resolvedBy: 'anna', note: expect.stringContaining('ticket 5531') });
    expect((await list()).json().followUps.map((f: { id: number }) => f.id)).not.toContain(id);
    expect((await list('resolved')).json().followUps.map((f: { id: number }) => f.id)).toContain(id);
    expect((await list('all')).json().followUps.map((f: { id: number }) => f.id)).toContain(id);
    const { rows } = await w.ctx.pool.query(`SELECT actor, detail FROM audit_log WHERE action = 'processor_erasure.resolved' AND (detail->>'id')::int = $1`, [id]);
    expect(rows).toEqual([{ actor: 'anna', detail: { id, processor: 'reviews', tombstoneId: open.tombstoneId } }]);
  });

  test('when the note is missing or names an email address, then 400 saying why; an unknown id is 404; a closed item is 409', async () => {
    const { id } = await invitedThenForgotten();
    const empty = await resolve(id, {});
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toContain('note');
    const address = await resolve(id, { note: 'asked Kiyoh to delete jan@example.com' });
    expect(address.statusCode).toBe(400);
    expect(address.json().message).toContain('leave email addresses out of the note');
    expect(address.json().message).not.toContain('jan@example.com');
    expect((await list()).json().followUps.map((f: { id: number }) => f.id)).toContain(id); // still open
    expect((await resolve(987654321, { note: 'done by hand' })).statusCode).toBe(404);
    expect((await list('later')).statusCode).toBe(400);

    // Two operators close it at once: one closes it, the other learns who did.
    const both = await Promise.all([resolve(id, { note: 'ticket 1' }), resolve(id, { note: 'ticket 2' })]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(both.find((r) => r.statusCode === 409)!.json()).toMatchObject({ error: 'already_resolved', message: expect.stringContaining('closed by admin') });
    const { rows } = await w.ctx.pool.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'processor_erasure.resolved' AND (detail->>'id')::int = $1`, [id]);
    expect(rows[0].n).toBe(1);
  });

  test('when an erasure was done through the API (status done), then it is no hand work: not listed and not closable', async () => {
    const person = (await w.ctx.pool.query<{ id: number }>(`INSERT INTO persons (first_name, policy_version) VALUES ('[deleted]', 'v') RETURNING id`)).rows[0]!.id;
    const done = (await w.ctx.pool.query<{ id: number }>(`WITH t AS (INSERT INTO erasure_tombstones (id, person_id, erased_at, reason, categories)
      VALUES (gen_random_uuid(), $1, now(), 'operator', '{}') RETURNING id)
      INSERT INTO processor_erasures (tombstone_id, processor, status) SELECT id, 'reviews', 'done' FROM t RETURNING id`, [person])).rows[0]!.id;
    expect((await list('all')).json().followUps.map((f: { id: number }) => f.id)).not.toContain(done);
    expect((await resolve(done, { note: 'nothing to do' })).statusCode).toBe(404);
  });
});
