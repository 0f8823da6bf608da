import { anOrder, nextId } from '../builders/woocommerce.js';
import { type World, startWorld } from './world.js';

/** P8, P9, P10: a paid, shipped and completed order reaches each processor once, with only what it may receive. */
let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => w.close());

describe('P8 P9 P10 processor pushes end to end', () => {
  test('when an order is paid and later completed with review consent, then one booking, one parcel and one invitation follow', async () => {
    const email = `push-${nextId()}@example.com`;
    // The builder's default total (28.63) is a euro short of its lines; WooCommerce's own totals add up.
    const order = anOrder({ email, status: 'processing', total: '29.63', meta_data: [{ id: 9, key: '_review_consent', value: 'yes' }] });
    await w.deliver(order, 'order.created');
    let sync = await w.settled(order.id);
    expect(sync.map((s) => [s.processor, s.kind, s.status])).toEqual([['snelstart', 'booking', 'done'], ['postnl', 'shipment', 'done']]);
    expect(w.snelstart.state.bookings).toHaveLength(1);
    expect(w.snelstart.state.bookings[0]).toMatchObject({ factuurnummer: `WC-${order.number}` });
    expect(w.postnl.state.parcels.size).toBe(1);

    await w.deliver({ ...order, status: 'completed', date_modified_gmt: '2025-01-05T10:00:00', date_completed_gmt: '2025-01-05T10:00:00' });
    sync = await w.settled(order.id);
    expect(sync.map((s) => [s.processor, s.kind, s.status])).toEqual([
      ['snelstart', 'booking', 'done'], ['postnl', 'shipment', 'done'], ['reviews', 'invitation', 'done'],
    ]);
    expect([...w.own.state.invitations.values()]).toEqual([expect.objectContaining({ email, orderRef: order.number })]);
    // Never twice: the booking and the parcel were not repeated by the second delivery.
    expect(w.snelstart.state.bookings).toHaveLength(1);
    expect(w.postnl.state.parcels.size).toBe(1);

    const label = await w.ctx.app.inject({ url: `/api/orders/${order.id}/label`, headers: { authorization: 'Bearer test-admin-token-0123456789abcdef' } });
    expect(label.statusCode).toBe(200);
    expect(label.headers['content-type']).toBe('application/pdf');
    expect(label.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  });
});
