import type { RequestRow } from '../../dsr/requests.repository.js';
import { ALLOWED_FROM, MAX_EXTENSION_DAYS, checkExtension, isOverdue } from '../../dsr/request-rules.js';
import { type Html, html } from './html.js';
import { type Flash, type Viewer, canAct, csrfField, page } from './layout.js';
import { TYPE_LABEL, daysLeftText, fmtDateTime, isoOf } from './format.js';
import { statusBadge } from './requests.js';

/** One privacy request: facts, outcome (manual work first), the action forms, steps, mails and audit entries. */

export interface Step { at: string; actor: string; step: string; note: string | null }
/** A mail of the request as the outbox knows it — never its body or address. */
export interface MailInfo { template: string; status: string; attempts: number; createdAt: Date; sentAt: Date | null }
export interface AuditInfo { at: Date; actor: string; action: string; detail: Record<string, unknown> }

export type Action = 'verify' | 'extend' | 'complete' | 'reject' | 'lift' | 'decide';

/** Which actions make sense for the request now; the services still decide (and refuse with a reason). */
export function availableActions(r: RequestRow, now: Date): Action[] {
  if (r.linkedTo) return []; // a duplicate follows its original; act on that one
  const out: Action[] = [];
  if (ALLOWED_FROM.verify.includes(r.status)) out.push('verify');
  if (!checkExtension(r, 1, now)) out.push('extend');
  if (ALLOWED_FROM.complete.includes(r.status) && r.type !== 'objection') out.push('complete');
  if (ALLOWED_FROM.decide.includes(r.status) && r.type === 'objection') out.push('decide');
  if (ALLOWED_FROM.reject.includes(r.status)) out.push('reject');
  if (r.type === 'restriction' && ALLOWED_FROM.lift.includes(r.status) && !r.outcome.lifted) out.push('lift');
  return out;
}

/** What the outcome says still needs a human: erasure's manualRequired, rectification's processors to correct by hand. */
export function manualItems(outcome: Record<string, unknown>): string[] {
  const items = new Set<string>();
  if (Array.isArray(outcome.manualRequired)) for (const m of outcome.manualRequired) items.add(String(m));
  if (Array.isArray(outcome.processors)) {
    for (const p of outcome.processors as { processor?: unknown; status?: unknown }[]) {
      if (p && p.status === 'manual_required' && p.processor) items.add(String(p.processor));
    }
  }
  return [...items];
}

/** An outcome value: lists read as lists ("snelstart: done, postnl: manual_required"), other objects as JSON. */
function value(v: unknown): Html | string {
  if (v === null || v === undefined || (Array.isArray(v) && !v.length)) return '—';
  if (Array.isArray(v)) {
    return v.map((x) => (x && typeof x === 'object' && 'processor' in x ? `${String(x.processor)}: ${String((x as { status?: unknown }).status ?? '')}` : typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ');
  }
  return typeof v === 'object' ? html`<code>${JSON.stringify(v)}</code>` : String(v);
}

function facts(r: RequestRow, now: Date): Html {
  const row = (label: string, v: Html | string | null) => (v === null ? '' : html`<dt>${label}</dt><dd>${v}</dd>`);
  const overdue = isOverdue(r, now);
  return html`<dl class="facts">
${row('Status', statusBadge(r.status))}
${row('Email', r.email ?? html`<span class="muted">(erased — known by subject key only)</span>`)}
${row('Language', r.lang)}
${row('Received', html`<time datetime="${isoOf(r.receivedAt)}">${fmtDateTime(r.receivedAt)}</time>`)}
${row('Due', html`<time datetime="${isoOf(r.dueAt)}">${fmtDateTime(r.dueAt)}</time>${r.status === 'completed' || r.status === 'rejected' ? '' : html` — <span class="${overdue ? 'overdue-text' : ''}">${daysLeftText(r.dueAt, now)}</span>`}`)}
${r.extendedAt ? row('Extended', html`${fmtDateTime(r.extendedAt)}: ${r.extensionReason ?? ''}`) : ''}
${r.verifiedAt ? row('Verified', html`${fmtDateTime(r.verifiedAt)} (${r.verification === 'code' ? 'one-time code' : 'by an operator'})`) : ''}
${r.completedAt ? row('Completed', fmtDateTime(r.completedAt)) : ''}
${r.rejectedAt ? row('Rejected', html`${fmtDateTime(r.rejectedAt)}: ${r.rejectionReason ?? ''}`) : ''}
${r.objectionDecision ? row('Decision', html`${r.objectionDecision}: ${r.decisionReason ?? ''}`) : ''}
${r.linkedTo ? row('Duplicate of', html`<a href="/desk/requests/${r.linkedTo}">${r.linkedTo}</a>`) : ''}
${r.changes ? row('Fields to correct', Object.keys(r.changes).join(', ')) : ''}
${r.noDataHeld ? row('No data held', 'yes — nothing was held for this address') : ''}
${row('Filed by', r.filedBy)}
${r.note ? row('Note', r.note) : ''}
</dl>`;
}

function outcome(r: RequestRow): Html {
  const entries = Object.entries(r.outcome ?? {});
  if (!entries.length) return html``;
  const manual = manualItems(r.outcome);
  return html`<section class="card" aria-labelledby="outcome-h"><h2 id="outcome-h">Outcome</h2>
${manual.length ? html`<div class="warning" role="note"><strong>Manual work required:</strong><ul id="manual-required">${manual.map((m) => html`<li>${m}</li>`)}</ul></div>` : ''}
<dl class="facts">${entries.map(([k, v]) => html`<dt>${k}</dt><dd>${value(v)}</dd>`)}</dl></section>`;
}

function actionForms(r: RequestRow, v: Viewer, now: Date): Html {
  const acts = availableActions(r, now);
  if (!canAct(v) || !acts.length) return html``;
  const form = (action: string, title: string, inner: Html, button: string, cls = '') =>
    html`<form class="stack" method="post" action="/desk/requests/${r.id}/${action}" aria-labelledby="act-${action}">${csrfField(v.csrf)}
<h3 id="act-${action}">${title}</h3>${inner}<button type="submit" class="${cls}">${button}</button></form>`;
  const reason = (id: string, label: string) => html`<label for="${id}">${label}</label><textarea id="${id}" name="reason" required minlength="3" maxlength="1000"></textarea>`;
  const forms: Record<Action, () => Html> = {
    verify: () => form('verify', 'Verify the requester', html`<label for="verify-note">How was the requester verified?</label>
<textarea id="verify-note" name="note" required minlength="3" maxlength="1000"></textarea>`, 'Mark verified'),
    extend: () => form('extend', 'Extend the deadline', html`${reason('extend-reason', 'Reason (mailed to the requester)')}
<label for="extend-days">Days (1–${MAX_EXTENSION_DAYS})</label><input id="extend-days" name="days" type="number" min="1" max="${MAX_EXTENSION_DAYS}" required value="30">`, 'Extend'),
    complete: () => form('complete', 'Complete', html`<p class="hint">Carries out the ${TYPE_LABEL[r.type]?.toLowerCase() ?? r.type} and mails the requester.</p>`, 'Complete request'),
    decide: () => form('objection-decision', 'Decide the objection', html`<fieldset><legend>Decision</legend>
<label><input type="radio" name="decision" value="upheld" required> Upheld — processing stops</label>
<label><input type="radio" name="decision" value="rejected"> Rejected — processing continues</label></fieldset>
${reason('decide-reason', 'Reason')}`, 'Record decision'),
    reject: () => form('reject', 'Reject', reason('reject-reason', 'Reason (mailed to the requester)'), 'Reject request', 'danger'),
    lift: () => form('lift', 'Lift the restriction', html`<p class="hint">Held work runs again with the data as it is now.</p>`, 'Lift restriction', 'secondary'),
  };
  return html`<section class="card" aria-labelledby="actions-h"><h2 id="actions-h">Actions</h2><div class="actions">${acts.map((a) => forms[a]())}</div></section>`;
}

function table<T>(id: string, caption: string, heads: string[], rows: T[], cells: (t: T) => Html, empty: string): Html {
  return html`<section class="card" aria-labelledby="${id}-h"><h2 id="${id}-h">${caption}</h2>${rows.length
    ? html`<table id="${id}"><caption>${rows.length} ${caption.toLowerCase()}, oldest first</caption>
<thead><tr>${heads.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map((r) => html`<tr>${cells(r)}</tr>`)}</tbody></table>`
    : html`<p class="muted">${empty}</p>`}</section>`;
}

export function requestDetailPage(o: {
  viewer: Viewer; flash: Flash | null; now: Date; request: RequestRow; steps: Step[]; mails: MailInfo[]; audit: AuditInfo[];
}): string {
  const r = o.request;
  const body = html`<p><a href="/desk">← All requests</a> · <span class="mono">${r.id}</span></p>
<section class="card" aria-labelledby="facts-h"><h2 id="facts-h">Details</h2>${facts(r, o.now)}</section>
${outcome(r)}${actionForms(r, o.viewer, o.now)}
${table('steps', 'Steps', ['When', 'Who', 'Step', 'Note'], o.steps, (s) => html`<td>${fmtDateTime(s.at)}</td><td>${s.actor}</td><td>${s.step}</td><td>${s.note ?? ''}</td>`, 'No steps yet.')}
${table('mails', 'Mails', ['Template', 'Status', 'Attempts', 'Queued', 'Sent'], o.mails, (m) => html`<td>${m.template}</td><td>${m.status}</td><td class="num">${m.attempts}</td><td>${fmtDateTime(m.createdAt)}</td><td>${fmtDateTime(m.sentAt)}</td>`, 'No mails.')}
${o.mails.some((m) => m.status === 'failed') && canAct(o.viewer) ? html`<form class="inline" method="post" action="/desk/requests/${r.id}/resend-mail">${csrfField(o.viewer.csrf)}
<button type="submit">Send the failed mails again</button> <span class="hint">after the mail connection (SMTP_URL) is fixed</span></form>` : ''}
${table('audit', 'Audit entries', ['When', 'Who', 'Action', 'Detail'], o.audit, (a) => html`<td>${fmtDateTime(a.at)}</td><td>${a.actor}</td><td>${a.action}</td><td><code>${JSON.stringify(a.detail)}</code></td>`, 'No audit entries.')}`;
  return page({ title: `${TYPE_LABEL[r.type] ?? r.type} request`, viewer: o.viewer, path: `/desk/requests/${r.id}`, flash: o.flash, body });
}
