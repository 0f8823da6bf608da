import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Pool } from '../platform/db.js';
import type { Clock } from '../platform/clock.js';
import type { Queues } from '../platform/queues.js';
import { createSnelstartClient } from './snelstart/snelstart.client.js';
import { createPostnlClient } from './postnl/postnl.client.js';
import { createReviewsClient } from './reviews/reviews.client.js';
import { type PushClients, type PushService, createPushService } from './push.service.js';
import { type PushRelay, createPushRelay } from './push-relay.js';
import { createPushPlanner } from './push-planner.js';
import type { ProcessorId } from './types.js';

/** Composition of the processor pushes: clients from the environment, planner, outbox relay and push service. */
export function createProcessorServices(
  config: Config,
  log: Logger,
  d: { pool: Pool; queues: Queues; clock: Clock; overrides?: Partial<PushClients> },
) {
  const p = config.processors;
  const clients: PushClients = {
    snelstart: p.snelstart
      ? {
        client: createSnelstartClient(p.snelstart.client), ledgers: p.snelstart.ledgers, relationMode: p.snelstart.relationMode,
        relationId: p.snelstart.relationId, relationCodeOffset: p.snelstart.relationCodeOffset,
      }
      : null,
    postnl: p.postnl ? { client: createPostnlClient(p.postnl.client), shipment: p.postnl.shipment } : null,
    reviews: p.reviews ? createReviewsClient(p.reviews.client) : null,
    ...d.overrides,
  };
  const enabled = new Set((['snelstart', 'postnl', 'reviews'] as ProcessorId[]).filter((id) => clients[id] !== null));
  const plog = log.child({ component: 'processors' });
  const relay = createPushRelay({ pool: d.pool, queues: d.queues, log: plog, now: () => d.clock.now() });
  return {
    clients,
    enabled,
    planner: createPushPlanner({
      startAt: p.startAt, skipMethods: p.skipMethods, reviewDelayMs: p.reviewDelayMs, enabled, clock: d.clock,
    }),
    relay,
    push: withReleaseKick(createPushService({ pool: d.pool, log: plog, clock: d.clock, clients, invoicePrefix: config.invoicePrefix }), relay),
    /** One line per processor at start-up: which ones run and which are skipped for want of credentials. */
    describe(): void {
      for (const id of ['snelstart', 'postnl', 'reviews'] as const) {
        if (enabled.has(id)) plog.info({ processor: id }, 'processor configured: order data will be pushed');
        else plog.info({ processor: id }, 'processor not configured (no credentials in the environment): its pushes are skipped');
      }
    },
  };
}

/** Released pushes go back to the outbox; the relay is kicked so they run now, not at the next scheduled pass. */
function withReleaseKick(push: PushService, relay: PushRelay): PushService {
  return {
    ...push,
    async releaseFor(personId: number) {
      const n = await push.releaseFor(personId);
      if (n) relay.kick();
      return n;
    },
  };
}

export type ProcessorServices = ReturnType<typeof createProcessorServices>;
