import type { PoolClient, Queryable } from '../platform/db.js';
import type { Clock } from '../platform/clock.js';
import { planPushes } from './triggers.js';
import { insertSyncs, loadPlanningState, reviveSyncs, skipSyncs } from './sync.repository.js';
import type { ProcessorId } from './types.js';

/**
 * Runs inside the mirror's transaction after orders are applied: records the pushes their new state calls for
 * (sync records, the outbox), so a push exists exactly when the change it answers does — never lost, never twice.
 */

/* $1 now — PROCESSORS_START_AT is recorded at first start; earlier history never triggers a push */
const START_AT = /* sql */ `
  WITH ins AS (INSERT INTO app_meta (key, value) VALUES ('processors_start_at', $1) ON CONFLICT (key) DO NOTHING RETURNING value)
  SELECT value FROM ins UNION ALL SELECT value FROM app_meta WHERE key = 'processors_start_at' LIMIT 1`;

export async function processorsStartAt(db: Queryable, configured: Date | null, now: Date): Promise<Date> {
  if (configured) return configured;
  const { rows } = await db.query<{ value: string }>(START_AT, [now.toISOString()]);
  return new Date(rows[0]!.value);
}

export interface PlannerSettings {
  startAt: Date | null;
  skipMethods: string[];
  reviewDelayMs: number;
  enabled: Set<ProcessorId>;
  clock: Clock;
}

export function createPushPlanner(s: PlannerSettings) {
  let startAt: Date | null = s.startAt;
  return async function planFor(db: PoolClient, applied: { wcOrderId: number; origin: string }[]): Promise<number> {
    if (!s.enabled.size) return 0;
    startAt ??= await processorsStartAt(db, null, s.clock.now());
    const settings = { startAt, skipMethods: s.skipMethods, reviewDelayMs: s.reviewDelayMs, now: s.clock.now(), enabled: s.enabled };
    const creates = [];
    const drops = [];
    const revive = [];
    for (const { order, existing } of await loadPlanningState(db, applied)) {
      const plan = planPushes(order, existing, settings);
      creates.push(...plan.create.map((p) => ({ ...p, orderId: order.orderId })));
      drops.push(...plan.drop);
      revive.push(...plan.revive);
    }
    await skipSyncs(db, drops);
    return (await insertSyncs(db, creates)) + (await reviveSyncs(db, revive));
  };
}
