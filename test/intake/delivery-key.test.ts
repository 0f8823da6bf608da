import { ADMIN_TOKEN, createTestContext, type TestContext } from '../setup/context.js';
import { aDelivery } from '../builders/webhooks.js';
import { anOrder, nextId } from '../builders/woocommerce.js';
import { deliveryFingerprint } from '../../src/intake/delivery-key.js';

/** Which deliveries count as the same one: body, source and topic — and for id-only deletes, the second sent. */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.startWorkers();
});
afterAll(async () => ctx.close());

const send = async (body: unknown, topic: string, deliveryId: string) => {
  const req = aDelivery(body, { topic });
  req.headers['x-wc-webhook-delivery-id'] = deliveryId;
  return (await ctx.app.inject(req)).json().status as string;
};
const status = async (id: number) =>
  (await ctx.app.inject({ url: `/api/orders/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json().status;

describe('what counts as a duplicate delivery', () => {
  test('when bodies are equal, then only an id-only delete folds in the Delivery-ID', () => {
    const body = Buffer.from('{"id":57}');
    expect(deliveryFingerprint(body, 'order.deleted', 'a')).not.toEqual(deliveryFingerprint(body, 'order.deleted', 'b'));
    expect(deliveryFingerprint(body, 'order.updated', 'a')).toEqual(deliveryFingerprint(body, 'order.updated', 'b'));
  });

  test('when an order is trashed, restored and trashed again, then the second trash is not a duplicate', async () => {
    const o = anOrder({ status: 'processing' });
    expect(await send(o, 'order.created', 'd1')).toBe('accepted');
    await ctx.drained();
    expect(await send({ id: o.id }, 'order.deleted', 'second-1')).toBe('accepted');
    expect(await send({ id: o.id }, 'order.deleted', 'second-1')).toBe('duplicate'); // same delivery again
    await ctx.drained();
    expect(await send({ ...o, date_modified_gmt: '2025-01-05T10:00:00' }, 'order.restored', 'second-2')).toBe('accepted');
    await ctx.drained();
    expect(await status(o.id)).toBe('processing');
    expect(await send({ id: o.id }, 'order.deleted', 'second-3')).toBe('accepted');
    await ctx.drained();
    expect(await status(o.id)).toBe('trash');
  });

  test('when the same id-only body comes under two topics, then both are delivered', async () => {
    const id = nextId();
    expect(await send({ id }, 'order.deleted', 'same')).toBe('accepted');
    expect(await send({ id }, 'customer.deleted', 'same')).toBe('accepted');
  });
});
