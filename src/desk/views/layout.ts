import { type Html, html } from './html.js';

/** The page shell every desk page shares: skip link, navigation, who is signed in, the flash message. */

export interface Viewer {
  name: string;
  role: 'operator' | 'auditor';
  /** The session's CSRF token: every form carries it. */
  csrf: string;
}

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

const NAV: [string, string][] = [
  ['/desk', 'Requests'],
  ['/desk/persons', 'Persons'],
  ['/desk/retention', 'Retention'],
  ['/desk/pushes', 'Failed pushes'],
  ['/desk/health', 'Health'],
];

export const csrfField = (csrf: string): Html => html`<input type="hidden" name="_csrf" value="${csrf}">`;

/** Auditors read everything and change nothing: no action form is rendered for them. */
export const canAct = (v: Viewer): boolean => v.role === 'operator';

function head(title: string): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · Privacy desk</title><link rel="stylesheet" href="/desk/assets/desk.css"></head>`;
}

export function flashBox(flash: Flash | null): Html {
  if (!flash) return html``;
  // An error interrupts (alert); a confirmation is announced politely (status).
  return flash.kind === 'error'
    ? html`<div class="flash error" role="alert">${flash.text}</div>`
    : html`<div class="flash ok" role="status">${flash.text}</div>`;
}

export function page(o: { title: string; viewer: Viewer; path: string; flash: Flash | null; body: Html }): string {
  const v = o.viewer;
  const nav = NAV.map(([href, label]) => {
    const current = href === '/desk' ? o.path === '/desk' || o.path.startsWith('/desk/requests') : o.path.startsWith(href);
    return html`<li><a href="${href}"${current ? html` aria-current="page"` : ''}>${label}</a></li>`;
  });
  return html`${head(o.title)}
<body><a class="skip" href="#main">Skip to content</a>
<header class="top"><div class="bar"><a class="brand" href="/desk">Privacy desk</a>
<nav aria-label="Desk"><ul>${nav}</ul></nav>
<div class="who"><span>${v.name} <span class="badge">${v.role}</span></span>
<form class="inline" method="post" action="/desk/logout">${csrfField(v.csrf)}<button class="link" type="submit">Sign out</button></form></div>
</div></header>
<main id="main" tabindex="-1"><h1>${o.title}</h1>${flashBox(o.flash)}${o.body}</main></body></html>`.value;
}

/** A page outside the session (sign-in, errors before sign-in): no navigation. */
export function barePage(title: string, body: Html): string {
  return html`${head(title)}<body><main id="main" class="login"><h1>${title}</h1>${body}</main></body></html>`.value;
}
