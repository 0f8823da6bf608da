import type { RetentionService } from '../../retention/sweep.service.js';
import type { SweepRow } from '../../retention/sweep.repository.js';
import type { HealthReport } from '../../shop-webhooks/webhooks.service.js';
import type { ReconcileService } from '../../reconcile/reconcile.service.js';
import { type Html, html } from './html.js';
import { type Flash, type Viewer, canAct, csrfField, page } from './layout.js';
import { fmtDateTime, fmtDuration } from './format.js';
import type { ErasureFollowUp } from '../../processors/erasure-followups.repository.js';

/** The operational pages: retention (preview, interlock, sweeps), failed pushes with retry, webhook and sync health. */

export type RetentionPreview = Awaited<ReturnType<RetentionService['preview']>>;
export type ReconcileReport = Awaited<ReturnType<ReconcileService['report']>>;

const REASON_TEXT: Record<string, string> = {
  webhook_disabled: 'A shop webhook of ours is not delivering: the mirror may be missing orders.',
  reconciliation_never_ran: 'The order reconciliation never ran: the mirror is not known to be complete.',
  reconciliation_lag: 'The last order reconciliation is more than a day old.',
  too_many_due: 'The sweep would erase an unusual share of everyone.',
};

const card = (id: string, title: string, inner: Html) => html`<section class="card" aria-labelledby="${id}"><h2 id="${id}">${title}</h2>${inner}</section>`;
const tone = (s: string) => (s === 'completed' || s === 'ok' ? 'ok' : s === 'failed' || s === 'blocked' || s === 'disabled' || s === 'missing' ? 'bad' : 'warn');

export function retentionPage(o: { viewer: Viewer; flash: Flash | null; preview: RetentionPreview; sweeps: SweepRow[] }): string {
  const p = o.preview;
  const reasons = p.interlock.reasons as string[];
  const interlock = reasons.length
    ? html`<div class="warning" role="note" id="interlock"><strong>The interlock blocks the sweep</strong> (it would only preview):<ul>${reasons.map((r) => html`<li>${REASON_TEXT[r] ?? r} <code>${r}</code></li>`)}</ul></div>`
    : html`<p id="interlock"><span class="badge ok">clear</span> Nothing blocks a sweep.</p>`;
  const counts: [string, number | string][] = [
    ['Persons due for erasure', p.personsDue], ['Their orders', p.ordersDue], ['Persons held (legal hold, restriction, open request…)', p.personsHeld],
    ['Persons in the mirror', p.personsOpen], ['Share due', `${(p.fraction * 100).toFixed(2)} % (limit ${(p.maxFraction * 100).toFixed(0)} %)`],
    ['Invoices past their fiscal term', p.fiscalPastTerm],
  ];
  const sweeps = o.sweeps.length
    ? html`<table id="sweeps"><caption>The last ${o.sweeps.length} sweeps, newest first</caption>
<thead><tr><th scope="col">Created</th><th scope="col">Status</th><th scope="col">Trigger</th><th scope="col">Counts</th><th scope="col">Blocked by / error</th><th scope="col" class="num">Duration</th></tr></thead>
<tbody>${o.sweeps.map((s) => html`<tr><td>${fmtDateTime(s.created_at)}</td><td><span class="badge ${tone(s.status)}">${s.status}</span>${s.forced ? html` <span class="badge warn">forced</span>` : ''}</td>
<td>${s.trigger}</td><td>${Object.entries(s.counts ?? {}).filter(([, n]) => n).map(([k, n]) => `${k}: ${n}`).join(', ') || '—'}</td>
<td>${(s.blocked ?? []).join(', ')}${s.error ? html` <span class="overdue-text">${s.error}</span>` : ''}</td>
<td class="num">${s.started_at && s.finished_at ? fmtDuration((s.finished_at.getTime() - s.started_at.getTime()) / 1000) : '—'}</td></tr>`)}</tbody></table>`
    : html`<p class="muted">No sweeps yet.</p>`;
  const body = html`<div class="grid">${card('preview-h', 'What a sweep would do now', html`<p class="muted">Cutoff ${fmtDateTime(p.cutoff)} (inactive ${p.inactiveDays} days).</p>
<table id="preview"><caption>Preview — nothing changes</caption><tbody>${counts.map(([k, v]) => html`<tr><th scope="row">${k}</th><td class="num">${v}</td></tr>`)}</tbody></table>`)}
${card('interlock-h', 'Interlock', interlock)}</div>${card('sweeps-h', 'Sweep reports', sweeps)}`;
  return page({ title: 'Retention', viewer: o.viewer, path: '/desk/retention', flash: o.flash, body });
}

export interface FailedPush { wcOrderId: number; number: string; processor: string; kind: string; attempts: number; lastError: string | null; updatedAt: Date }

export function pushesPage(o: { viewer: Viewer; flash: Flash | null; failed: FailedPush[]; followUps: ErasureFollowUp[] }): string {
  const act = canAct(o.viewer);
  const retry = (f: FailedPush) => html`<form class="inline" method="post" action="/desk/pushes/${f.wcOrderId}/${f.processor}/retry">${csrfField(o.viewer.csrf)}
<button type="submit" aria-label="Retry the ${f.processor} ${f.kind} of order ${f.number}">Retry</button></form>`;
  const failed = o.failed.length
    ? html`<section class="card"><table id="failed-pushes"><caption>${o.failed.length} push(es) failed for good — most recent first</caption>
<thead><tr><th scope="col">Order</th><th scope="col">Processor</th><th scope="col">Kind</th><th scope="col" class="num">Attempts</th><th scope="col">Error</th><th scope="col">Last tried</th>${act ? html`<th scope="col"><span class="muted">Action</span></th>` : ''}</tr></thead>
<tbody>${o.failed.map((f) => html`<tr><td>#${f.number} <span class="muted">(id ${f.wcOrderId})</span></td><td>${f.processor}</td><td>${f.kind}</td><td class="num">${f.attempts}</td>
<td>${f.lastError ?? '—'}</td><td>${fmtDateTime(f.updatedAt)}</td>${act ? html`<td>${retry(f)}</td>` : ''}</tr>`)}</tbody></table></section>`
    : html`<p role="status"><span class="badge ok">none</span> No failed pushes.</p>`;
  return page({ title: 'Failed pushes', viewer: o.viewer, path: '/desk/pushes', flash: o.flash, body: html`${failed}${followUpsCard(o.viewer, o.followUps)}` });
}

/** Art. 19 work left to a human: the processor could not erase through its API. Closing one asks what was done. */
function followUpsCard(viewer: Viewer, items: ErasureFollowUp[]): Html {
  const close = (f: ErasureFollowUp) => html`<form method="post" action="/desk/processor-erasures/${f.id}/resolve">${csrfField(viewer.csrf)}
<label for="note-${f.id}">What was done</label> <input id="note-${f.id}" name="note" required minlength="3" maxlength="1000" placeholder="ticket, date — no email addresses">
<button type="submit" aria-label="Close erasure ${f.id} at ${f.processor}">Done by hand</button></form>`;
  const inner = items.length
    ? html`<table id="erasure-followups"><caption>${items.length} erasure(s) at a processor to do by hand (GDPR Art. 19) — oldest first</caption>
<thead><tr><th scope="col">Since</th><th scope="col">Processor</th><th scope="col">Status</th><th scope="col">Orders to look up</th><th scope="col">Why</th>${canAct(viewer) ? html`<th scope="col"><span class="muted">Action</span></th>` : ''}</tr></thead>
<tbody>${items.map((f) => html`<tr><td>${fmtDateTime(f.createdAt)}</td><td>${f.processor}</td><td><span class="badge ${f.status === 'failed' ? 'bad' : 'warn'}">${f.status}</span></td>
<td>${f.orders.length ? f.orders.map((n) => `#${n}`).join(', ') : html`<span class="muted">tombstone ${f.tombstoneId}</span>`}</td><td>${f.detail ?? '—'}</td>${canAct(viewer) ? html`<td>${close(f)}</td>` : ''}</tr>`)}</tbody></table>`
    : html`<p role="status" id="erasure-followups-none"><span class="badge ok">none</span> No erasure at a processor waits for hand work.</p>`;
  return card('followups-h', 'Erasures to finish by hand', inner);
}

export interface QueueDepth { name: string; waiting: number; active: number; delayed: number; failed: number }
export interface HealthData {
  /** null: the shop's REST API is not configured (webhooks-only mode). */
  sync: { webhooks: HealthReport | null; reconcile: ReconcileReport } | null;
  inboxBacklog: number;
  mail: { pending: number; failed: number };
  /** null: the job queue (Redis) is unreachable. */
  queues: QueueDepth[] | null;
}

export function healthPage(o: { viewer: Viewer; flash: Flash | null; data: HealthData }): string {
  const d = o.data;
  const notConfigured = html`<p id="not-configured">Not configured — set <code>WC_URL</code>, <code>WC_CONSUMER_KEY</code> and <code>WC_CONSUMER_SECRET</code> to check the shop's webhooks and reconcile.</p>`;
  const wh = d.sync?.webhooks;
  const webhooks = !d.sync ? notConfigured : !wh ? html`<p class="muted">Not checked yet.</p>`
    : html`<p>Checked ${fmtDateTime(wh.checkedAt)}: <span class="badge ${wh.healthy ? 'ok' : 'bad'}">${wh.healthy ? 'healthy' : 'needs attention'}</span></p>
<table id="webhooks"><caption>Our webhooks per topic</caption><thead><tr><th scope="col">Topic</th><th scope="col">State</th><th scope="col">Webhook id</th><th scope="col">Repaired</th></tr></thead>
<tbody>${wh.topics.map((t) => html`<tr><td>${t.topic}</td><td><span class="badge ${tone(t.state)}">${t.state}</span></td><td>${t.webhookId ?? '—'}</td><td>${t.repaired ? 'yes' : 'no'}</td></tr>`)}</tbody></table>`;
  const rec = d.sync?.reconcile;
  const reconcile = !d.sync ? notConfigured : html`<table id="reconciliation"><caption>Reconciliation with the shop</caption>
<thead><tr><th scope="col">Resource</th><th scope="col">Last run</th><th scope="col" class="num">Lag</th><th scope="col" class="num">Missed last run</th><th scope="col" class="num">Missed in total</th></tr></thead>
<tbody>${(['orders', 'customers'] as const).map((k) => {
    const r = rec?.[k];
    return html`<tr><th scope="row">${k}</th><td>${r ? fmtDateTime(r.lastRunAt) : 'never'}</td><td class="num">${fmtDuration(r?.lagSeconds)}</td><td class="num">${r?.lastRunMissed ?? '—'}</td><td class="num">${r?.missedTotal ?? '—'}</td></tr>`;
  })}</tbody></table>`;
  const queues = d.queues === null ? html`<p class="overdue-text">The job queue (Redis) is unreachable.</p>`
    : html`<table id="queues"><caption>Jobs per queue</caption><thead><tr><th scope="col">Queue</th><th scope="col" class="num">Waiting</th><th scope="col" class="num">Active</th><th scope="col" class="num">Delayed</th><th scope="col" class="num">Failed</th></tr></thead>
<tbody>${d.queues.map((q) => html`<tr><th scope="row">${q.name}</th><td class="num">${q.waiting}</td><td class="num">${q.active}</td><td class="num">${q.delayed}</td><td class="num">${q.failed}</td></tr>`)}</tbody></table>`;
  const body = html`<div class="grid">${card('webhooks-h', 'Shop webhooks', webhooks)}${card('reconcile-h', 'Reconciliation lag', reconcile)}</div>
<div class="grid">${card('backlog-h', 'Backlogs', html`<dl class="facts"><dt>Deliveries not yet processed</dt><dd id="inbox-backlog">${d.inboxBacklog}</dd>
<dt>Mails waiting</dt><dd>${d.mail.pending}</dd><dt>Mails failed</dt><dd>${d.mail.failed}</dd></dl>`)}${card('queues-h', 'Job queues', queues)}</div>`;
  return page({ title: 'Health', viewer: o.viewer, path: '/desk/health', flash: o.flash, body });
}
