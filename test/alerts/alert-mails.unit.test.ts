import { MAIL_TEMPLATES, MailDataError, OPERATOR_MAIL_TEMPLATES, renderMail, type AlertFacts } from '../../src/mail/templates.js';
import { diff, EMPTY_STATE, sweepsSince, type AlertState } from '../../src/alerts/alert-state.js';
import type { Condition } from '../../src/alerts/conditions.js';

/** The operator's mails render whole in both languages; the de-duplication rule decides what is news. */

const SHOP = 'Tuinhuis Groen';
const BROKEN = /undefined|NaN|Invalid Date|\[object|null|\$\{/;
const SWEEP = '3f2a1c7e-0000-4000-8000-00000000abcd';
const ALERTS: AlertFacts[] = [
  { kind: 'webhook_disabled', topics: [{ topic: 'order.created', webhookId: 12 }, { topic: 'customer.updated', webhookId: null }] },
  { kind: 'sweep_failed', sweepId: SWEEP },
  { kind: 'sweep_blocked', sweepId: SWEEP, reasons: ['reconciliation_lag', 'something_new'] },
  { kind: 'inbox_backlog', count: 42, oldestMinutes: 31, thresholdMinutes: 15 },
  { kind: 'reconcile_lag', lastRunAt: '2025-03-30T22:30:00Z', lagHours: 3.5, thresholdHours: 2 },
  { kind: 'push_failed', byProcessor: { postnl: 1, snelstart: 3 }, newSyncIds: [7, 9] },
  { kind: 'erasure_followup', byStatus: { failed: 2, manual_required: 5 }, newIds: [11, 12] },
  { kind: 'mail_failed', count: 3, newIds: [41, 42] },
];

describe.each(['nl', 'en'] as const)('operator mails (%s)', (lang) => {
  test.each(ALERTS.map((a) => [a.kind, a]))('when a %s alert is rendered, then subject and text are whole, name the shop and carry the facts', (_kind, alert) => {
    const { subject, text } = renderMail('alert', lang, { shopName: SHOP, alert });
    expect(subject.startsWith(`${SHOP}: `)).toBe(true);
    expect(subject).not.toContain('\n');
    expect(`${subject}\n${text}`).not.toMatch(BROKEN);
    expect(text.trimEnd().endsWith(SHOP)).toBe(true);
    const facts: Record<AlertFacts['kind'], string[]> = {
      webhook_disabled: ['order.created (webhook 12)', '- customer.updated\n'],
      sweep_failed: [SWEEP], sweep_blocked: [SWEEP, 'something_new'],
      inbox_backlog: ['42', '31', '15'],
      reconcile_lag: ['31', '3.5', '00:30'], // 22:30 UTC on 30 March is 00:30 on the 31st in Amsterdam
      push_failed: ['- postnl: 1', '- snelstart: 3', '7, 9'],
      erasure_followup: ['- failed: 2', '- manual_required: 5', '11, 12', 'GET /api/processor-erasures'],
      mail_failed: ['3 mail', '41, 42', '/resend-mail'],
    };
    for (const f of facts[alert.kind]) expect(text).toContain(f);
    expect(text).not.toContain('autoriteitpersoonsgegevens.nl'); // no complaint paragraph: this is not a subject's mail
  });

  test('when the digest is rendered, then each request is one line with its id and due date, overdue ones marked', () => {
    const { subject, text } = renderMail('digest', lang, {
      shopName: SHOP,
      dueRequests: [{ id: 'req-1', dueAt: '2025-03-30T22:30:00Z', overdue: true }, { id: 'req-2', dueAt: '2025-04-04T10:00:00Z', overdue: false }],
    });
    expect(subject).toContain('2');
    const lines = text.split('\n').filter((l) => l.startsWith('- '));
    expect(lines).toEqual(lang === 'nl'
      ? ['- req-1: uiterlijk 31 maart 2025 (te laat)', '- req-2: uiterlijk 4 april 2025']
      : ['- req-1: due 31 March 2025 (overdue)', '- req-2: due 4 April 2025']);
  });
});

test('when operator data is missing, then MailDataError names the field; the subject templates are unchanged', () => {
  expect(() => renderMail('alert', 'nl', { shopName: SHOP })).toThrow(MailDataError);
  expect(() => renderMail('digest', 'en', { shopName: SHOP, dueRequests: [] })).toThrow(/'dueRequests'/);
  expect(MAIL_TEMPLATES).not.toContain('alert');
  expect(OPERATOR_MAIL_TEMPLATES).toEqual(['alert', 'digest']);
});

describe('de-duplication', () => {
  const NOW = new Date('2025-05-01T08:00:00Z');
  const cond = (key: string, items: string[] = []): Condition => ({ key, items, facts: () => ({ kind: 'sweep_failed', sweepId: key }) });
  const step = (state: AlertState, conditions: Condition[]) => diff(state, conditions, NOW);

  test('when a condition appears, holds, clears and recurs, then it is raised on appearing and recurring only', () => {
    const a = step(EMPTY_STATE, [cond('x')]);
    expect(a.raise.map((r) => r.condition.key)).toEqual(['x']);
    const b = step(a.next, [cond('x')]);
    expect(b.raise).toEqual([]);
    const c = step(b.next, []);
    expect(c.cleared).toEqual(['x']);
    expect(step(c.next, [cond('x')]).raise).toHaveLength(1);
  });

  test('when a holding condition gains an item, then it is raised with just the new items', () => {
    const a = step(EMPTY_STATE, [cond('p', ['1', '2'])]);
    const b = step(a.next, [cond('p', ['2'])]);
    expect(b.raise).toEqual([]);
    const c = step(b.next, [cond('p', ['1', '2', '3'])]);
    expect(c.raise.map((r) => r.fresh)).toEqual([['1', '3']]);
  });

  test('when ranked items (growing ids, newest first, capped) lose their newest, then an older one entering the list is no news; a newer id is', () => {
    const ranked = (items: string[]): Condition => ({ ...cond('r', items), rank: Number });
    const a = step(EMPTY_STATE, [ranked(['9', '8', '7'])]); // capped at three: 6 and older are open but not listed
    expect(a.raise.map((r) => r.fresh)).toEqual([['9', '8', '7']]);
    const b = step(a.next, [ranked(['8', '7', '6'])]); // 9 closed: 6 enters the list
    expect(b.raise).toEqual([]);
    const c = step(b.next, [ranked(['10', '8', '7'])]);
    expect(c.raise.map((r) => r.fresh)).toEqual([['10']]);
  });

  test('when sweeps are looked for, then from an hour before the last check, or the last day on the first check', () => {
    expect(sweepsSince(EMPTY_STATE, NOW).toISOString()).toBe('2025-04-30T08:00:00.000Z');
    expect(sweepsSince({ ...EMPTY_STATE, checkedAt: '2025-05-01T07:59:00Z' }, NOW).toISOString()).toBe('2025-05-01T06:59:00.000Z');
  });
});
