import { type Html, html } from './html.js';
import { type Flash, type Viewer, page } from './layout.js';
import { fmtDate, fmtDateTime } from './format.js';

/** A person by email: composite status, orders, each order's pushes (sync state) and its shipment label. */

export interface SyncInfo { processor: string; kind: string; status: string; reason: string | null; attempts: number; lastError: string | null }
export interface OrderInfo {
  wcOrderId: number; number: string; status: string; total: string; currency: string; dateCreated: Date | null;
  syncs: SyncInfo[];
  /** 'available': a PDF can be downloaded; 'purged': removed after its period or an erasure; null: none made. */
  label: 'available' | 'purged' | null;
}
export interface PersonInfo {
  id: number; name: string; emails: string[]; status: 'erased' | 'objected' | 'restricted' | 'active';
  restricted: boolean; objection: string; legalHold: boolean; lastActivityAt: Date | null; accountDeletedAt: Date | null;
  orders: OrderInfo[];
}

const STATUS_TONE: Record<string, string> = { active: 'ok', restricted: 'warn', objected: 'warn', erased: 'bad' };
const SYNC_TONE: Record<string, string> = { done: 'ok', failed: 'bad', held: 'warn', pending: '', skipped: '' };

function syncList(syncs: SyncInfo[]): Html {
  if (!syncs.length) return html`<span class="muted">none</span>`;
  return html`<ul class="plain">${syncs.map((s) => html`<li>${s.processor} ${s.kind}: <span class="badge ${SYNC_TONE[s.status] ?? ''}">${s.status}</span>${s.reason ? html` <span class="muted">(${s.reason})</span>` : ''}${s.lastError ? html` <span class="muted">— ${s.lastError}</span>` : ''}</li>`)}</ul>`;
}

function label(o: OrderInfo): Html {
  if (o.label === 'available') return html`<a href="/api/orders/${o.wcOrderId}/label" download>Label (PDF)</a>`;
  if (o.label === 'purged') return html`<span class="muted">removed</span>`;
  return html`<span class="muted">—</span>`;
}

function person(p: PersonInfo): Html {
  return html`<section class="card" aria-labelledby="person-${p.id}-h"><h2 id="person-${p.id}-h">${p.name || 'Person'} <span class="badge ${STATUS_TONE[p.status] ?? ''}">${p.status}</span></h2>
<dl class="facts"><dt>Emails</dt><dd>${p.emails.join(', ') || '—'}</dd>
<dt>Restricted</dt><dd>${p.restricted ? 'yes' : 'no'}</dd><dt>Objection</dt><dd>${p.objection}</dd>
<dt>Legal hold</dt><dd>${p.legalHold ? 'yes — not erased while it lasts' : 'no'}</dd>
<dt>Last activity</dt><dd>${fmtDateTime(p.lastActivityAt)}</dd>
${p.accountDeletedAt ? html`<dt>Shop account deleted</dt><dd>${fmtDateTime(p.accountDeletedAt)}</dd>` : ''}</dl>
${p.orders.length ? html`<table><caption>${p.orders.length} order(s), newest first</caption>
<thead><tr><th scope="col">Order</th><th scope="col">Date</th><th scope="col">Status</th><th scope="col" class="num">Total</th><th scope="col">Pushes</th><th scope="col">Label</th></tr></thead>
<tbody>${p.orders.map((o) => html`<tr><td>#${o.number} <span class="muted">(id ${o.wcOrderId})</span></td><td>${fmtDate(o.dateCreated)}</td><td>${o.status}</td>
<td class="num">${o.currency} ${o.total}</td><td>${syncList(o.syncs)}</td><td>${label(o)}</td></tr>`)}</tbody></table>` : html`<p class="muted">No orders.</p>`}
</section>`;
}

export function personsPage(o: { viewer: Viewer; flash: Flash | null; email: string | null; persons: PersonInfo[] }): string {
  const body = html`<section class="card"><form class="stack" method="get" action="/desk/persons" role="search">
<label for="q-email">Email address</label><input id="q-email" name="email" type="email" required maxlength="320" value="${o.email ?? ''}">
<button type="submit">Find</button></form></section>
${o.email === null ? '' : o.persons.length ? o.persons.map(person) : html`<p role="status">No person with this email in the mirror.</p>`}`;
  return page({ title: 'Persons', viewer: o.viewer, path: '/desk/persons', flash: o.flash, body });
}
