import type { RequestRow } from '../../dsr/requests.repository.js';
import { REQUEST_TYPES, isOverdue } from '../../dsr/request-rules.js';
import { type Html, html } from './html.js';
import { type Flash, type Viewer, canAct, csrfField, page } from './layout.js';
import { STATUS_LABEL, TYPE_LABEL, daysLeftText, fmtDate, fmtDateTime, isoOf } from './format.js';

/** The desk's front page: open privacy requests by due date, recently closed ones, and the form to file one. */

export interface ClosedRequest {
  id: string;
  type: string;
  status: string;
  closedAt: Date | null;
}

export const statusBadge = (status: string): Html => {
  const tone = status === 'completed' ? 'ok' : status === 'rejected' ? 'bad' : status === 'in_progress' ? '' : 'warn';
  return html`<span class="badge ${tone}">${STATUS_LABEL[status] ?? status}</span>`;
};

function openRow(r: RequestRow, now: Date): Html {
  const overdue = isOverdue(r, now);
  return html`<tr class="${overdue ? 'overdue' : ''}" data-request-id="${r.id}">
<td><a href="/desk/requests/${r.id}">${TYPE_LABEL[r.type] ?? r.type}</a>${r.linkedTo ? html` <span class="badge">duplicate</span>` : ''}</td>
<td>${r.email ?? html`<span class="muted">(erased)</span>`}</td>
<td>${statusBadge(r.status)}</td>
<td><time datetime="${isoOf(r.receivedAt)}">${fmtDate(r.receivedAt)}</time></td>
<td><time datetime="${isoOf(r.dueAt)}">${fmtDate(r.dueAt)}</time>${r.extendedAt ? html` <span class="badge">extended</span>` : ''}</td>
<td class="${overdue ? 'overdue-text' : ''}">${daysLeftText(r.dueAt, now)}</td></tr>`;
}

function openTable(rows: RequestRow[], now: Date): Html {
  const overdue = rows.filter((r) => isOverdue(r, now)).length;
  if (!rows.length) return html`<p>No open privacy requests.</p>`;
  return html`<table id="open-requests"><caption>${rows.length} open, ${overdue} overdue — earliest due first</caption>
<thead><tr><th scope="col">Type</th><th scope="col">Email</th><th scope="col">Status</th><th scope="col">Received</th><th scope="col">Due</th><th scope="col">Days left</th></tr></thead>
<tbody>${rows.map((r) => openRow(r, now))}</tbody></table>`;
}

function closedTable(rows: ClosedRequest[]): Html {
  if (!rows.length) return html``;
  return html`<section class="card" aria-labelledby="closed-h"><h2 id="closed-h">Recently closed</h2>
<table><caption>Completed or rejected, most recent first</caption>
<thead><tr><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Closed</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><td><a href="/desk/requests/${r.id}">${TYPE_LABEL[r.type] ?? r.type}</a></td><td>${statusBadge(r.status)}</td>
<td><time datetime="${isoOf(r.closedAt)}">${fmtDateTime(r.closedAt)}</time></td></tr>`)}</tbody></table></section>`;
}

const field = (id: string, label: string, attrs: Html = html``) =>
  html`<label for="${id}">${label}</label><input id="${id}" name="${id}" type="text" ${attrs}>`;

function fileForm(v: Viewer): Html {
  return html`<section class="card" aria-labelledby="file-h"><h2 id="file-h">File a request</h2>
<form class="stack" method="post" action="/desk/requests">${csrfField(v.csrf)}
<label for="type">Type</label><select id="type" name="type" required>${REQUEST_TYPES.map((t) => html`<option value="${t}">${TYPE_LABEL[t]}</option>`)}</select>
<label for="email">Requester's email</label><input id="email" name="email" type="email" required maxlength="320" autocomplete="off">
<label for="lang">Language of the mails</label><select id="lang" name="lang"><option value="nl">Nederlands</option><option value="en">English</option></select>
<label for="note">Note <span class="muted">(optional)</span></label><textarea id="note" name="note" maxlength="1000"></textarea>
<details><summary>Corrections (rectification only)</summary><fieldset><legend>New values — leave empty what stays</legend>
${field('firstName', 'First name')}${field('lastName', 'Last name')}${field('billing.address1', 'Billing address')}
${field('billing.postcode', 'Billing postcode')}${field('billing.city', 'Billing city')}${field('billing.country', 'Billing country (2 letters)', html`maxlength="2"`)}
${field('billing.phone', 'Billing phone')}</fieldset></details>
<button type="submit">File request</button></form></section>`;
}

export function requestListPage(o: { viewer: Viewer; flash: Flash | null; now: Date; open: RequestRow[]; closed: ClosedRequest[] }): string {
  const body = html`<section class="card" aria-labelledby="open-h"><h2 id="open-h">Open requests</h2>${openTable(o.open, o.now)}</section>
<div class="grid">${canAct(o.viewer) ? fileForm(o.viewer) : ''}${closedTable(o.closed)}</div>`;
  return page({ title: 'Privacy requests', viewer: o.viewer, path: '/desk', flash: o.flash, body });
}
