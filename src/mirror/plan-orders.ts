import type { OrderRecord } from './map-order.js';
import { orderActivity } from './map-order.js';
import { isNewer, keepsTrash, revivesTrash, type StoredVersion } from './staleness.js';
import { type Candidate, choosePerson, planEmails } from './resolve-person.js';

/**
 * Pure planning of a run of order deliveries as one set of writes (the mirror's fast path). It applies the same
 * rules as one-by-one (staleness, resolve-person) against an in-memory copy of the rows it read, in receipt order.
 * Returns null when a delivery needs a rare step (adopting or merging a guest): the caller then goes one by one.
 */

export interface OrderDelivery {
  inboxId: number;
  bodySha256: Buffer;
  origin: string;
  restored: boolean;
  order: OrderRecord;
}

export interface KnownOrder {
  personId: number;
  status: string;
  /** The inbox id of the delete that trashed it, when known. */
  trashedBy: number | null;
  version: StoredVersion;
}

export interface ChunkState {
  orders: Map<number, KnownOrder>; // by wc order id
  byCustomer: Map<number, Candidate>; // by wc customer id
  owners: Map<string, Candidate>; // by email
  /** Some order of the chunk belongs to an erased person (only the one-by-one path stores those, anonymised). */
  erasedOrders?: boolean;
}

export interface Names {
  firstName: string;
  lastName: string;
}

export interface ChunkPlan {
  /** Persons to create; ids are negative placeholders until the caller assigns real ones. */
  newPersons: { tempId: number; wcCustomerId: number | null }[];
  newEmails: { email: string; personId: number }[];
  /** The last applied version of each order, with its person and the origin of the delivery that created it. */
  orderWrites: Map<number, { d: OrderDelivery; personId: number; firstOrigin: string }>;
  /**
   * Per person: latest activity, and billing names as one-by-one application would leave them: a guest ends with
   * the last non-empty name, a registered person without a name takes the first non-empty one.
   */
  personTouches: Map<number, { activity: string | null; names: { first: Names; last: Names } }>;
  outcomes: Map<number, 'applied' | 'stale'>; // by inbox id
}

export function planOrderChunk(deliveries: OrderDelivery[], state: ChunkState): ChunkPlan | null {
  const plan: ChunkPlan = { newPersons: [], newEmails: [], orderWrites: new Map(), personTouches: new Map(), outcomes: new Map() };
  let nextTemp = -1;
  for (const d of deliveries) {
    const o = d.order;
    const stored = state.orders.get(o.wcOrderId);
    const revive = revivesTrash(d.restored, d.inboxId, stored);
    if (stored && !revive && !isNewer(stored.version, { modifiedAt: o.dates.modified, bodySha256: d.bodySha256, inboxId: d.inboxId })) {
      plan.outcomes.set(d.inboxId, 'stale');
      continue;
    }
    const emails = o.email ? [o.email] : [];
    const owners = new Map(emails.flatMap((e) => (state.owners.has(e) ? [[e, state.owners.get(e)!] as const] : [])));
    const facts = {
      wcCustomerId: o.wcCustomerId, emails, owners, previousPersonId: stored?.personId ?? null,
      byCustomer: o.wcCustomerId !== null ? state.byCustomer.get(o.wcCustomerId) ?? null : null,
    };
    const choice = choosePerson(facts);
    if (choice.action === 'adopt') return null;
    let personId: number;
    if (choice.action === 'create') {
      personId = nextTemp--;
      plan.newPersons.push({ tempId: personId, wcCustomerId: o.wcCustomerId });
      if (o.wcCustomerId !== null) state.byCustomer.set(o.wcCustomerId, { personId, wcCustomerId: o.wcCustomerId });
    } else personId = choice.personId;
    const steps = planEmails(facts, personId);
    if (steps.some((s) => s.action === 'merge')) return null;
    for (const s of steps) {
      if (s.action !== 'add') continue;
      plan.newEmails.push({ email: s.email, personId });
      state.owners.set(s.email, { personId, wcCustomerId: o.wcCustomerId });
    }
    // What the upsert leaves, for a later delivery of the same order in this chunk.
    const kept = keepsTrash(stored, d.inboxId);
    const trashedBy = kept ? stored!.trashedBy : o.status === 'trash' ? Math.max(stored?.trashedBy ?? 0, d.inboxId) : null;
    state.orders.set(o.wcOrderId, {
      personId, status: kept ? 'trash' : o.status, trashedBy, version: { modifiedAt: o.dates.modified, bodySha256: d.bodySha256, inboxId: d.inboxId },
    });
    // first_seen_via belongs to the delivery that first brought the order (only matters if it is new).
    const firstOrigin = plan.orderWrites.get(o.wcOrderId)?.firstOrigin ?? d.origin;
    plan.orderWrites.set(o.wcOrderId, { d, personId, firstOrigin });
    const touch = plan.personTouches.get(personId);
    const activity = latest(touch?.activity ?? null, orderActivity(o));
    const prior = touch?.names ?? { first: { firstName: '', lastName: '' }, last: { firstName: '', lastName: '' } };
    const names = {
      first: { firstName: prior.first.firstName || o.billing.firstName, lastName: prior.first.lastName || o.billing.lastName },
      last: { firstName: o.billing.firstName || prior.last.firstName, lastName: o.billing.lastName || prior.last.lastName },
    };
    plan.personTouches.set(personId, { activity, names });
    plan.outcomes.set(d.inboxId, 'applied');
  }
  return plan;
}

function latest(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}
