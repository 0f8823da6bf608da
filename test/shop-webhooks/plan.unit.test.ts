import { assess, deliveryUrl, desiredWebhook, repairedWebhookId, type ExistingWebhook } from '../../src/shop-webhooks/plan.js';

/** Pure: which of the shop's webhooks are ours, and the state of each topic this service needs. */
const PUBLIC = 'https://companion.example';
const OURS = 'https://companion.example/webhooks/woocommerce';
const TOPICS = ['order.created', 'order.updated', 'order.deleted', 'order.restored', 'customer.created', 'customer.updated', 'customer.deleted'];

let nextId = 1;
const hook = (topic: string, o: Partial<ExistingWebhook> = {}): ExistingWebhook =>
  ({ id: nextId++, status: 'active', topic, delivery_url: OURS, ...o });
const allOurs = () => TOPICS.map((t) => hook(t));
const stateOf = (reports: ReturnType<typeof assess>, topic: string) => reports.find((r) => r.topic === topic)!;

describe('deliveryUrl', () => {
  test('when the public URL has trailing slashes, then the path is appended once', () => {
    expect(deliveryUrl('https://companion.example')).toBe(OURS);
    expect(deliveryUrl('https://companion.example//')).toBe(OURS);
    expect(deliveryUrl('https://x.example/base/')).toBe('https://x.example/base/webhooks/woocommerce');
  });
});

describe('assess', () => {
  test('when the shop has no webhooks, then all 7 handled topics are missing, in a fixed order', () => {
    const r = assess([], PUBLIC);
    expect(r).toEqual(TOPICS.map((topic) => ({ topic, state: 'missing', webhookId: null })));
  });

  test('when every topic has an active webhook of ours, then all are ok with their ids', () => {
    const hooks = allOurs();
    expect(assess(hooks, PUBLIC)).toEqual(hooks.map((h) => ({ topic: h.topic, state: 'ok', webhookId: h.id })));
  });

  test('when one is paused and one disabled, then they are reported with their ids and the rest stay ok', () => {
    const hooks = allOurs();
    hooks[1]!.status = 'paused';
    hooks[6]!.status = 'disabled';
    const r = assess(hooks, PUBLIC);
    expect(stateOf(r, 'order.updated')).toEqual({ topic: 'order.updated', state: 'paused', webhookId: hooks[1]!.id });
    expect(stateOf(r, 'customer.deleted')).toEqual({ topic: 'customer.deleted', state: 'disabled', webhookId: hooks[6]!.id });
    expect(r.filter((x) => x.state === 'ok')).toHaveLength(5);
  });

  test('when a webhook points elsewhere (another integration), then it is not ours and our topic is missing', () => {
    const hooks = allOurs().filter((h) => h.topic !== 'order.created');
    hooks.push(hook('order.created', { delivery_url: 'https://erp.example/webhooks/woocommerce' }));
    expect(stateOf(assess(hooks, PUBLIC), 'order.created')).toEqual({ topic: 'order.created', state: 'missing', webhookId: null });
  });

  test('when our URL differs only in case or a trailing slash, then it is still ours', () => {
    const h = hook('order.created', { delivery_url: 'https://Companion.Example/webhooks/woocommerce/' });
    expect(stateOf(assess([h], PUBLIC), 'order.created')).toEqual({ topic: 'order.created', state: 'ok', webhookId: h.id });
  });

  test('when a topic has a disabled and an active webhook of ours, then the active one counts', () => {
    const disabled = hook('order.updated', { status: 'disabled' });
    const active = hook('order.updated');
    expect(stateOf(assess([disabled, active], PUBLIC), 'order.updated')).toEqual({ topic: 'order.updated', state: 'ok', webhookId: active.id });
    expect(stateOf(assess([disabled], PUBLIC), 'order.updated').state).toBe('disabled');
  });

  test('when our webhook uses another API version or an unknown status, then it is a mismatch', () => {
    const legacy = hook('order.created', { api_version: 'legacy_v3' });
    const odd = hook('order.updated', { status: 'pending' });
    const v3 = hook('order.deleted', { api_version: 'wp_api_v3' });
    const r = assess([legacy, odd, v3], PUBLIC);
    expect(stateOf(r, 'order.created')).toEqual({ topic: 'order.created', state: 'mismatch', webhookId: legacy.id });
    expect(stateOf(r, 'order.updated')).toEqual({ topic: 'order.updated', state: 'mismatch', webhookId: odd.id });
    expect(stateOf(r, 'order.deleted').state).toBe('ok');
  });

  test('when topics this service does not handle exist, then they are ignored', () => {
    const r = assess([hook('product.updated'), hook('coupon.created')], PUBLIC);
    expect(r.map((x) => x.topic)).toEqual(TOPICS);
    expect(r.every((x) => x.state === 'missing')).toBe(true);
  });

  test('when no public URL is configured, then any webhook ending in /webhooks/woocommerce counts as ours', () => {
    const h = hook('order.created', { delivery_url: 'https://somewhere.example/webhooks/woocommerce' });
    const other = hook('order.updated', { delivery_url: 'https://somewhere.example/hooks/order' });
    const r = assess([h, other], null);
    expect(stateOf(r, 'order.created')).toEqual({ topic: 'order.created', state: 'ok', webhookId: h.id });
    expect(stateOf(r, 'order.updated').state).toBe('missing');
  });
});

describe('desiredWebhook', () => {
  test('when built for a topic, then it names the topic, our URL, our secret, API v3 and active', () => {
    expect(desiredWebhook('customer.deleted', `${PUBLIC}/`, 's3cr3t')).toEqual({
      name: 'woo-companion customer.deleted', topic: 'customer.deleted', delivery_url: OURS, secret: 's3cr3t',
      api_version: 'wp_api_v3', status: 'active',
    });
  });
});

describe('repairedWebhookId', () => {
  const wanted = desiredWebhook('order.updated', PUBLIC, 'secret');
  const answer = { id: 42, status: 'active', topic: 'order.updated', delivery_url: OURS, name: 'woo-companion order.updated' };

  test('when the shop answers with our webhook, active, then its id is the id it has now', () => {
    expect(repairedWebhookId(answer, wanted)).toBe(42);
    expect(repairedWebhookId({ ...answer, delivery_url: `${OURS}/` }, wanted)).toBe(42);
  });

  test('when the answer has no usable id, then nothing is claimed as repaired (no stand-in id such as 0)', () => {
    for (const a of [{}, null, 'ok', [], { ...answer, id: undefined }, { ...answer, id: '42' }, { ...answer, id: 0 }]) {
      expect(repairedWebhookId(a, wanted)).toBeNull();
    }
  });

  test('when the answer shows the webhook not active, or another topic or URL, then it is not repaired', () => {
    expect(repairedWebhookId({ ...answer, status: 'disabled' }, wanted)).toBeNull();
    expect(repairedWebhookId({ ...answer, topic: 'order.created' }, wanted)).toBeNull();
    expect(repairedWebhookId({ ...answer, delivery_url: 'https://other.example/webhooks/woocommerce' }, wanted)).toBeNull();
  });
});
