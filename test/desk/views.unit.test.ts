import type { RequestRow } from '../../src/dsr/requests.repository.js';
import { escapeHtml, html } from '../../src/desk/views/html.js';
import { daysLeft, daysLeftText } from '../../src/desk/views/format.js';
import type { Viewer } from '../../src/desk/views/layout.js';
import { requestListPage } from '../../src/desk/views/requests.js';
import { availableActions, manualItems, requestDetailPage } from '../../src/desk/views/request-detail.js';
import { personsPage } from '../../src/desk/views/persons.js';
import { healthPage, pushesPage, retentionPage } from '../../src/desk/views/operations.js';
import { changesFromForm } from '../../src/desk/desk.actions.js';
import { csrfMatches, safeNext } from '../../src/desk/csrf.js';

/** The desk's renderers are pure: data in, HTML out. These check escaping, highlighting, roles and CSRF fields. */

const NOW = new Date('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
const operator: Viewer = { name: 'olga', role: 'operator', csrf: 'tok-123' };
const auditor: Viewer = { name: 'aart', role: 'auditor', csrf: 'tok-456' };

function aRequest(o: Partial<RequestRow> = {}): RequestRow {
  const receivedAt = o.receivedAt ?? new Date(NOW.getTime() - 2 * DAY);
  return {
    id: '11111111-2222-4333-8444-555555555555', type: 'access', status: 'awaiting_verification', email: 'marit@example.nl', subjectKey: Buffer.alloc(32),
    personId: 1, lang: 'nl', receivedAt, dueAt: new Date(receivedAt.getTime() + 30 * DAY), extendedAt: null, extensionReason: null, verifiedAt: null,
    verification: null, completedAt: null, rejectedAt: null, rejectionReason: null, linkedTo: null, changes: null, objectionDecision: null,
    decisionReason: null, noDataHeld: false, outcome: {}, filedBy: 'olga', note: null, ...o,
  };
}

/** Every POST form in the page, and whether each carries the viewer's CSRF token. */
const postForms = (page: string) => page.match(/<form[^>]*method="post"[\s\S]*?<\/form>/g) ?? [];
const actionForms = (page: string) => postForms(page).filter((f) => !f.includes('action="/desk/logout"'));

describe('escaping', () => {
  test('when data holds markup, then it is escaped; nested html stays markup', () => {
    const evil = '<script>alert("x")</script>&\'`';
    expect(html`<p>${evil}</p>`.value).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&#96;</p>');
    expect(html`<ul>${['a<', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.value).toBe('<ul><li>a&lt;</li><li>b</li></ul>');
    expect(html`${null}${undefined}${false}${0}`.value).toBe('0');
    expect(escapeHtml('"onmouseover="x')).not.toContain('"');
  });

  test('when a request carries a hostile email, note and outcome, then the detail page shows them as text', () => {
    const page = requestDetailPage({
      viewer: operator, flash: { kind: 'error', text: '<b>flash</b>' }, now: NOW,
      request: aRequest({ email: '"><img src=x onerror=alert(1)>@example.nl', note: '<script>1</script>', outcome: { x: '<i>y</i>' } }),
      steps: [{ at: NOW.toISOString(), actor: '<a>', step: 'received', note: '</td><script>' }], mails: [], audit: [],
    });
    expect(page).not.toMatch(/<img|<script>|<b>flash|<i>y|<a>/);
    expect(page).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;@example.nl');
  });
});

describe('days left', () => {
  test('when the due date is ahead, passed or within a day, then the text says so', () => {
    expect(daysLeftText(new Date(NOW.getTime() + 30 * DAY), NOW)).toBe('30 days left');
    expect(daysLeftText(new Date(NOW.getTime() + 1.2 * DAY), NOW)).toBe('2 days left');
    expect(daysLeftText(new Date(NOW.getTime() + 3_600_000), NOW)).toBe('less than a day left');
    expect(daysLeftText(new Date(NOW.getTime() - 3 * DAY), NOW)).toBe('3 days overdue');
    expect(daysLeftText(new Date(NOW.getTime() - 60_000), NOW)).toBe('1 day overdue');
    expect(daysLeft(new Date(NOW.getTime() - 3 * DAY), NOW)).toBe(-3);
  });
});

describe('the request list', () => {
  const open = [aRequest({ id: 'aaaaaaaa-0000-4000-8000-000000000001', receivedAt: new Date(NOW.getTime() - 35 * DAY) }), aRequest({ id: 'aaaaaaaa-0000-4000-8000-000000000002' })];

  test('when a request is past due, then its row is highlighted and says how late; the other shows days left', () => {
    const page = requestListPage({ viewer: operator, flash: null, now: NOW, open, closed: [] });
    const rows = page.match(/<tr class="[^"]*" data-request-id="[^"]+">[\s\S]*?<\/tr>/g)!;
    expect(rows[0]).toMatch(/^<tr class="overdue"/);
    expect(rows[0]).toContain('5 days overdue');
    expect(rows[1]).toMatch(/^<tr class=""/);
    expect(rows[1]).toContain('28 days left');
    expect(page).toContain('<caption>2 open, 1 overdue — earliest due first</caption>');
  });

  test('when an operator views it, then the filing form carries the CSRF token; an auditor gets no form at all', () => {
    const mine = requestListPage({ viewer: operator, flash: null, now: NOW, open, closed: [] });
    expect(actionForms(mine)).toHaveLength(1);
    for (const f of postForms(mine)) expect(f).toContain('name="_csrf" value="tok-123"');
    const theirs = requestListPage({ viewer: auditor, flash: null, now: NOW, open, closed: [] });
    expect(actionForms(theirs)).toHaveLength(0);
    expect(theirs).toContain('aria-current="page"');
  });
});

describe('the request detail', () => {
  const detail = (request: RequestRow, viewer = operator) =>
    requestDetailPage({ viewer, flash: null, now: NOW, request, steps: [], mails: [{ template: 'receipt', status: 'sent', attempts: 1, createdAt: NOW, sentAt: NOW }], audit: [] });

  test('when a request is in each state, then only the actions that fit are offered', () => {
    expect(availableActions(aRequest(), NOW)).toEqual(['verify', 'extend', 'complete', 'reject']);
    expect(availableActions(aRequest({ status: 'in_progress', type: 'objection' }), NOW)).toEqual(['extend', 'decide', 'reject']);
    expect(availableActions(aRequest({ status: 'in_progress', extendedAt: NOW }), NOW)).toEqual(['complete', 'reject']);
    expect(availableActions(aRequest({ status: 'completed', type: 'restriction' }), NOW)).toEqual(['lift']);
    expect(availableActions(aRequest({ status: 'completed', type: 'restriction', outcome: { lifted: true } }), NOW)).toEqual([]);
    expect(availableActions(aRequest({ linkedTo: 'aaaaaaaa-0000-4000-8000-000000000009' }), NOW)).toEqual([]);
    expect(availableActions(aRequest({ receivedAt: new Date(NOW.getTime() - 31 * DAY) }), NOW)).not.toContain('extend'); // past the first due date
  });

  test('when an operator views it, then every action form posts to its route with the CSRF token; an auditor sees none', () => {
    const forms = actionForms(detail(aRequest()));
    expect(forms.map((f) => /action="([^"]+)"/.exec(f)![1])).toEqual(['verify', 'extend', 'complete', 'reject'].map((a) => `/desk/requests/11111111-2222-4333-8444-555555555555/${a}`));
    for (const f of forms) expect(f).toContain('name="_csrf" value="tok-123"');
    expect(actionForms(detail(aRequest(), auditor))).toHaveLength(0);
  });

  test('when the outcome lists manual work, then it is called out, and an erased requester reads as erased', () => {
    const outcome = { manualRequired: ['reviews', 'woocommerce:ip_address'], processors: [{ processor: 'snelstart', status: 'manual_required' }, { processor: 'postnl', status: 'done' }] };
    expect(manualItems(outcome)).toEqual(['reviews', 'woocommerce:ip_address', 'snelstart']);
    const page = detail(aRequest({ status: 'completed', type: 'erasure', email: null, outcome }));
    expect(page).toMatch(/<ul id="manual-required"><li>reviews<\/li><li>woocommerce:ip_address<\/li><li>snelstart<\/li><\/ul>/);
    expect(page).toContain('snelstart: manual_required, postnl: done');
    expect(page).toContain('(erased — known by subject key only)');
    expect(page).toMatch(/<td>receipt<\/td><td>sent<\/td>/);
  });
});

describe('the other pages', () => {
  test('when a person has a label and a failed push, then the label links to the API download and the push shows its error', () => {
    const page = personsPage({ viewer: auditor, flash: null, email: 'a@example.nl', persons: [{
      id: 7, name: 'Marit Visser', emails: ['a@example.nl'], status: 'restricted', restricted: true, objection: 'none', legalHold: false,
      lastActivityAt: NOW, accountDeletedAt: null,
      orders: [{ wcOrderId: 1002, number: '1002', status: 'completed', total: '28.63', currency: 'EUR', dateCreated: NOW, label: 'available',
        syncs: [{ processor: 'postnl', kind: 'shipment', status: 'failed', reason: null, attempts: 5, lastError: 'postnl 400' }] }],
    }] });
    expect(page).toContain('<a href="/api/orders/1002/label" download>Label (PDF)</a>');
    expect(page).toContain('<span class="badge warn">restricted</span>');
    expect(page).toMatch(/postnl shipment: <span class="badge bad">failed<\/span>.*postnl 400/);
  });

  test('when the interlock trips, then each reason is explained; failed pushes offer retry only to operators', () => {
    const preview = { now: '', cutoff: NOW.toISOString(), today: '2026-03-10', inactiveDays: 730, personsDue: 30, ordersDue: 40, personsOpen: 100, personsHeld: 1, fiscalPastTerm: 0,
      fraction: 0.3, maxFraction: 0.2, interlock: { blocked: true, reasons: ['webhook_disabled', 'too_many_due'] as never, health: { webhooksNotDelivering: ['order.created:disabled'], reconciliationLagSeconds: 60 } } };
    const retention = retentionPage({ viewer: operator, flash: null, preview, sweeps: [] });
    expect(retention).toContain('The interlock blocks the sweep');
    expect(retention).toMatch(/not delivering[\s\S]*<code>webhook_disabled<\/code>[\s\S]*unusual share[\s\S]*<code>too_many_due<\/code>/);
    const failed = [{ wcOrderId: 1002, number: '1002', processor: 'snelstart', kind: 'booking', attempts: 5, lastError: '422', updatedAt: NOW }];
    expect(actionForms(pushesPage({ viewer: operator, flash: null, failed, followUps: [] }))[0]).toContain('action="/desk/pushes/1002/snelstart/retry"');
    expect(actionForms(pushesPage({ viewer: auditor, flash: null, failed, followUps: [] }))).toHaveLength(0);
  });

  test('when erasures at a processor wait for hand work, then each names its orders and offers operators a close form asking what was done', () => {
    const item = { id: 17, tombstoneId: 't-1', processor: 'reviews', status: 'manual_required' as const, detail: 'kiyoh cannot erase through its API: ask it to erase by hand',
      orders: ['1042', '1043'], createdAt: NOW, resolvedAt: null, resolvedBy: null, note: null };
    const gone = { ...item, id: 18, status: 'failed' as const, orders: [], tombstoneId: 't-2' };
    const page = pushesPage({ viewer: operator, flash: null, failed: [], followUps: [item, gone] });
    expect(page).toContain('2 erasure(s) at a processor to do by hand');
    expect(page).toContain('#1042, #1043');
    expect(page).toContain('tombstone t-2'); // the orders are gone too: the tombstone is what is left to name
    const forms = actionForms(page);
    expect(forms).toHaveLength(2);
    expect(forms[0]).toContain('action="/desk/processor-erasures/17/resolve"');
    expect(forms[0]).toMatch(/name="note" required/);
    expect(actionForms(pushesPage({ viewer: auditor, flash: null, failed: [], followUps: [item] }))).toHaveLength(0);
    expect(pushesPage({ viewer: operator, flash: null, failed: [], followUps: [] })).toContain('No erasure at a processor waits for hand work.');
  });

  test('when the shop API is not configured or Redis is down, then the health page says so instead of failing', () => {
    const page = healthPage({ viewer: auditor, flash: null, data: { sync: null, inboxBacklog: 3, mail: { pending: 1, failed: 0 }, queues: null } });
    expect(page.match(/id="not-configured"/g)).toHaveLength(2);
    expect(page).toContain('The job queue (Redis) is unreachable.');
    expect(page).toContain('<dd id="inbox-backlog">3</dd>');
  });
});

describe('form helpers', () => {
  test('when rectification fields are filled, then only those become changes', () => {
    expect(changesFromForm({ firstName: ' Marit ', lastName: '', 'billing.city': 'Utrecht', 'billing.postcode': '', _csrf: 'x' }))
      .toEqual({ firstName: 'Marit', billing: { city: 'Utrecht' } });
    expect(changesFromForm({ type: 'rectification' })).toBeNull();
  });

  test('when a next page or a CSRF token is checked, then only desk paths and the exact token pass', () => {
    expect(safeNext('/desk/requests/abc?x=1')).toBe('/desk/requests/abc?x=1');
    for (const bad of ['//evil.example', 'https://evil.example/desk', '/desk/login', '/deskx', '/desk\\evil', 42, undefined]) expect(safeNext(bad)).toBe('/desk');
    expect(csrfMatches('abc', 'abc')).toBe(true);
    expect(csrfMatches('abc', 'abd')).toBe(false);
    expect(csrfMatches(null, '')).toBe(false);
    expect(csrfMatches('abc', ['abc'])).toBe(false);
  });
});
