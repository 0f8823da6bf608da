import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMetrics } from '../../src/platform/metrics.js';

/** deploy/alerts.yml must name metrics this service exports: a renamed metric would silence its rule. */

const rules = readFileSync(join(__dirname, '../../deploy/alerts.yml'), 'utf8');
const exprs = [...rules.matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1]!);

test('when the rules are read, then every metric they use is registered by createMetrics()', async () => {
  const registered = new Set((await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name));
  const used = new Set(exprs.flatMap((e) => e.match(/\bwoo_[a-z_]+\b/g) ?? []));
  expect(used.size).toBeGreaterThanOrEqual(8);
  expect([...used].filter((name) => !registered.has(name))).toEqual([]);
});

test('when the rules are read, then each condition the service mails has a rule', () => {
  const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
  expect(alerts).toEqual(expect.arrayContaining([
    'WooWebhookDisabled', 'WooRetentionSweepFailed', 'WooRetentionSweepBlocked', 'WooInboxBacklog', 'WooReconcileLag', 'WooPushesFailed',
  ]));
  expect(exprs).toHaveLength(alerts.length);
});
