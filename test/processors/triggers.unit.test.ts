import { type ExistingSync, type OrderForPlanning, type Plan, type TriggerSettings, planPushes } from '../../src/processors/triggers.js';
import type { ProcessorId } from '../../src/processors/types.js';

/** P8, P9, P10 triggers: which pushes an order's state calls for — state-based, live only, never twice. */

const NOW = new Date('2025-03-01T12:00:00Z');
const DAY = 86_400_000;
const ALL: ProcessorId[] = ['snelstart', 'postnl', 'reviews'];

const settings = (o: Partial<TriggerSettings> = {}): TriggerSettings => ({
  startAt: new Date('2025-01-01T00:00:00Z'), skipMethods: ['local_pickup', 'pickup_location'], reviewDelayMs: 7 * DAY, now: NOW,
  enabled: new Set(ALL), ...o,
});
const order = (o: Partial<OrderForPlanning> = {}): OrderForPlanning => ({
  orderId: 1, status: 'processing', dateModified: '2025-02-01T10:00:00.000Z', datePaid: '2025-02-01T10:00:00.000Z', dateCompleted: null,
  origin: 'webhook', shippingMethodIds: ['flat_rate'], refundIds: [], reviewConsent: true, ...o,
});
let nextSyncId = 1;
const sync = (processor: ProcessorId, kind: ExistingSync['kind'], status = 'done', ref = ''): ExistingSync => ({ id: nextSyncId++, processor, kind, ref, status });
/** What a plan creates, as `processor:kind[:ref]`. */
const created = (p: Plan) => p.create.map((c) => [c.processor, c.kind, c.ref].filter(Boolean).join(':'));
/** The sync records a plan leaves behind (as the planner inserts them). */
const afterPlan = (existing: ExistingSync[], p: Plan) => [...existing, ...p.create.map((c) => sync(c.processor, c.kind, 'pending', c.ref))];

describe('P9 P8 paid orders: booking, and a shipment unless picked up', () => {
  test('when an order becomes processing, then one Snelstart booking and one PostNL shipment are planned, to run now', () => {
    const p = planPushes(order(), [], settings());
    expect(created(p)).toEqual(['snelstart:booking', 'postnl:shipment']);
    expect(p.create.every((c) => c.runAt.getTime() === NOW.getTime())).toBe(true);
    expect(p.drop).toEqual([]);
  });

  test('when an order goes straight to completed (never processing), then it is booked and shipped as paid, and the invitation waits the delay', () => {
    const p = planPushes(order({ status: 'completed' }), [], settings());
    expect(created(p)).toEqual(['snelstart:booking', 'postnl:shipment', 'reviews:invitation']);
    const invite = p.create.find((c) => c.kind === 'invitation')!;
    expect(invite.runAt.getTime()).toBe(NOW.getTime() + 7 * DAY);
  });

  test.each(['pending', 'on-hold', 'failed', 'cancelled', 'checkout-draft'])('when an order is %s (not paid), then nothing is booked or shipped', (status) => {
    expect(planPushes(order({ status }), [], settings()).create).toEqual([]);
  });

  test.each([
    [['flat_rate'], true],
    [['local_pickup'], false],
    [['pickup_location'], false],
    [['local_pickup', 'flat_rate'], true],
    [[], false],
  ])('when the shipping methods are %j, then a shipment is planned: %s', (methods, shipped) => {
    expect(created(planPushes(order({ shippingMethodIds: methods }), [], settings())).includes('postnl:shipment')).toBe(shipped);
  });

  test('when POSTNL_SKIP_METHODS names other methods, then those are the ones without a parcel', () => {
    const s = settings({ skipMethods: ['free_shipping'] });
    expect(created(planPushes(order({ shippingMethodIds: ['free_shipping'] }), [], s))).toEqual(['snelstart:booking']);
    expect(created(planPushes(order({ shippingMethodIds: ['local_pickup'] }), [], s))).toContain('postnl:shipment');
  });
});

describe('P10 completed orders: one delayed review invitation', () => {
  test('when a booked and shipped order is completed, then only the invitation is new, at now + REVIEW_INVITE_DELAY_DAYS', () => {
    const existing = [sync('snelstart', 'booking'), sync('postnl', 'shipment')];
    const p = planPushes(order({ status: 'completed' }), existing, settings({ reviewDelayMs: 3 * DAY }));
    expect(p.create).toEqual([{ processor: 'reviews', kind: 'invitation', ref: '', runAt: new Date(NOW.getTime() + 3 * DAY) }]);
  });

  test('when the order is completed without consent, then the invitation is recorded skipped with no_consent at once, not queued', () => {
    const p = planPushes(order({ status: 'completed', reviewConsent: false }), [sync('snelstart', 'booking'), sync('postnl', 'shipment')], settings());
    expect(p.create).toEqual([{ processor: 'reviews', kind: 'invitation', ref: '', runAt: new Date(NOW.getTime() + 7 * DAY), skipped: 'no_consent' }]);
  });

  test('when consent arrives before a skipped invitation would have gone, then it is revived; after that, or without consent, it stays skipped', () => {
    const skipped = (runAt: Date, reason = 'no_consent') => ({ ...sync('reviews', 'invitation', 'skipped'), reason, runAt: runAt.toISOString() });
    const notDue = skipped(new Date(NOW.getTime() + DAY));
    const due = skipped(new Date(NOW.getTime() - 1));
    const cancelled = skipped(new Date(NOW.getTime() + DAY), 'order cancelled before the invitation went');
    expect(planPushes(order({ status: 'completed' }), [notDue], settings()).revive).toEqual([notDue.id]);
    expect(planPushes(order({ status: 'completed' }), [due], settings()).revive).toEqual([]);
    expect(planPushes(order({ status: 'completed' }), [cancelled], settings()).revive).toEqual([]);
    expect(planPushes(order({ status: 'completed', reviewConsent: false }), [notDue], settings()).revive).toEqual([]);
    expect(planPushes(order({ status: 'refunded' }), [notDue], settings()).revive).toEqual([]);
  });

  test('when the delay is 0, then the invitation runs now', () => {
    const p = planPushes(order({ status: 'completed' }), [], settings({ reviewDelayMs: 0 }));
    expect(p.create.find((c) => c.kind === 'invitation')!.runAt).toEqual(NOW);
  });

  test.each(['cancelled', 'refunded'])('when the order is %s before the invitation went, then pending and held invitations are dropped, sent ones kept', (status) => {
    const pending = sync('reviews', 'invitation', 'pending');
    const p1 = planPushes(order({ status }), [sync('snelstart', 'booking'), pending], settings());
    expect(p1.drop).toEqual([{ id: pending.id, reason: expect.stringContaining(status) }]);
    const held = sync('reviews', 'invitation', 'held');
    expect(planPushes(order({ status }), [held], settings()).drop.map((d) => d.id)).toEqual([held.id]);
    for (const gone of ['done', 'skipped', 'failed']) {
      expect(planPushes(order({ status }), [sync('reviews', 'invitation', gone)], settings()).drop).toEqual([]);
    }
    // Only invitations: a pending booking or shipment of a cancelled order is not dropped by the trigger.
    expect(planPushes(order({ status }), [sync('snelstart', 'booking', 'pending'), sync('postnl', 'shipment', 'held')], settings()).drop).toEqual([]);
  });
});

describe('P9 refunds: one credit booking per refund id, only against a booking', () => {
  test('when a booked order gets refund 501, then one credit with ref 501 is planned', () => {
    const p = planPushes(order({ refundIds: [501] }), [sync('snelstart', 'booking'), sync('postnl', 'shipment')], settings());
    expect(created(p)).toEqual(['snelstart:credit:501']);
  });

  test('when a second refund follows, then only the new refund id gets a credit', () => {
    const existing = [sync('snelstart', 'booking'), sync('postnl', 'shipment'), sync('snelstart', 'credit', 'done', '501')];
    expect(created(planPushes(order({ refundIds: [501, 502] }), existing, settings()))).toEqual(['snelstart:credit:502']);
  });

  test('when an order arrives paid and already refunded, then its booking and the credit are planned together', () => {
    expect(created(planPushes(order({ refundIds: [7] }), [], settings()))).toEqual(['snelstart:booking', 'postnl:shipment', 'snelstart:credit:7']);
  });

  test('when a refunded order was never booked (not paid, or before the start), then no credit is planned', () => {
    expect(planPushes(order({ status: 'refunded', refundIds: [9] }), [], settings()).create).toEqual([]);
    expect(planPushes(order({ status: 'cancelled', refundIds: [9] }), [sync('postnl', 'shipment')], settings()).create).toEqual([]);
  });

  test('when a booked order is refunded in full, then its credit is planned and its waiting invitation dropped', () => {
    const invite = sync('reviews', 'invitation', 'pending');
    const p = planPushes(order({ status: 'refunded', refundIds: [88] }), [sync('snelstart', 'booking'), invite], settings());
    expect(created(p)).toEqual(['snelstart:credit:88']);
    expect(p.drop.map((d) => d.id)).toEqual([invite.id]);
  });
});

describe('P8 P9 P10 what never triggers', () => {
  test('when the delivery came from a backfill, then nothing is planned or dropped', () => {
    const p = planPushes(order({ origin: 'backfill', status: 'refunded', refundIds: [1] }), [sync('snelstart', 'booking'), sync('reviews', 'invitation', 'pending')], settings());
    expect(p).toEqual({ create: [], drop: [], revive: [] });
  });

  test('when the order was last modified before PROCESSORS_START_AT, then nothing; at the start itself, it counts', () => {
    const s = settings({ startAt: new Date('2025-02-01T10:00:00.000Z') });
    expect(planPushes(order({ status: 'completed', dateModified: '2025-02-01T09:59:59.999Z' }), [], s)).toEqual({ create: [], drop: [], revive: [] });
    expect(planPushes(order({ status: 'completed', dateModified: null }), [], s)).toEqual({ create: [], drop: [], revive: [] });
    expect(created(planPushes(order({ status: 'completed', dateModified: '2025-02-01T10:00:00.000Z' }), [], s))).toHaveLength(3);
  });

  test('when an order paid or completed before PROCESSORS_START_AT changes after it (a refund), then no booking, shipment, invitation or credit is planned', () => {
    const s = settings({ startAt: new Date('2025-02-01T00:00:00.000Z') });
    const old = { datePaid: '2025-01-10T09:00:00.000Z', dateCompleted: '2025-01-12T09:00:00.000Z', dateModified: '2025-02-15T10:00:00.000Z' };
    expect(created(planPushes(order({ status: 'completed', ...old, refundIds: [7] }), [], s))).toEqual([]);
    // Cash on delivery: no payment date, completed before the start.
    expect(created(planPushes(order({ status: 'completed', ...old, datePaid: null }), [], s))).toEqual([]);
    // Paid before, completed after the start: the shop booked and shipped it; the invitation is this service's.
    expect(created(planPushes(order({ status: 'completed', ...old, dateCompleted: '2025-02-15T10:00:00.000Z' }), [], s))).toEqual(['reviews:invitation']);
    // Paid after the start: everything, as for any new order.
    expect(created(planPushes(order({ status: 'processing', datePaid: '2025-02-15T10:00:00.000Z', dateModified: '2025-02-15T10:00:00.000Z' }), [], s)))
      .toEqual(['snelstart:booking', 'postnl:shipment']);
  });

  test('when no processor is configured, then nothing is planned', () => {
    expect(planPushes(order({ status: 'completed', refundIds: [1] }), [], settings({ enabled: new Set() })).create).toEqual([]);
  });

  test.each(ALL)('when only %s is not configured, then nothing is planned for it and the others go ahead', (off) => {
    const p = planPushes(order({ status: 'completed', refundIds: [1] }), [], settings({ enabled: new Set(ALL.filter((x) => x !== off)) }));
    expect(p.create.some((c) => c.processor === off)).toBe(false);
    expect(p.create.length).toBeGreaterThan(0);
  });

  test('when a state is planned again (the same delivery, a repeat, a later one), then no record is ever planned twice', () => {
    const states: Partial<OrderForPlanning>[] = [
      { status: 'pending' }, { status: 'processing' }, { status: 'processing' }, { status: 'completed' },
      { status: 'completed', refundIds: [3] }, { status: 'completed', refundIds: [3] }, { status: 'refunded', refundIds: [3, 4] },
    ];
    let existing: ExistingSync[] = [];
    for (const s of states) existing = afterPlan(existing, planPushes(order(s), existing, settings()));
    const keys = existing.map((e) => `${e.processor}:${e.kind}:${e.ref}`);
    expect(keys).toEqual(['snelstart:booking:', 'postnl:shipment:', 'reviews:invitation:', 'snelstart:credit:3', 'snelstart:credit:4']);
    // Whatever the final state, planning it once more changes nothing.
    expect(planPushes(order({ status: 'completed', refundIds: [3, 4] }), existing, settings()).create).toEqual([]);
  });

  test('when records exist in any status (failed, skipped, held), then they are not planned again', () => {
    const existing = ['failed', 'skipped', 'held'].map((st, i) => sync((['snelstart', 'postnl', 'reviews'] as const)[i]!, (['booking', 'shipment', 'invitation'] as const)[i]!, st));
    expect(planPushes(order({ status: 'completed' }), existing, settings()).create).toEqual([]);
  });
});
