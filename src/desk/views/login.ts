import { type Html, html } from './html.js';
import { barePage, flashBox } from './layout.js';

/**
 * The sign-in form: a name and a token (an operator account's token, or ADMIN_TOKEN / FISCAL_TOKEN for the names
 * admin and fiscal). `csrf` is the pre-session token that the sign-in POST must echo (double-submit cookie).
 */
export function loginPage(o: { csrf: string; next: string | null; error: string | null; name?: string }): string {
  const body: Html = html`${flashBox(o.error ? { kind: 'error', text: o.error } : null)}
<section class="card"><form class="stack" method="post" action="/desk/login">
<input type="hidden" name="_csrf" value="${o.csrf}">
${o.next ? html`<input type="hidden" name="next" value="${o.next}">` : ''}
<label for="name">Name</label>
<input id="name" name="name" type="text" autocomplete="username" required maxlength="100" value="${o.name ?? ''}" autofocus>
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required maxlength="200">
<p class="hint">Your operator token (<code>npm run operator:create</code> prints it once).</p>
<button type="submit">Sign in</button></form></section>`;
  return barePage('Sign in to the privacy desk', body);
}

/** An error page for someone signed in or not (e.g. 403 for an auditor's POST, 404 for an unknown request). */
export function errorPage(status: number, message: string, signedIn: boolean): string {
  const title = status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status === 429 ? 'Too many attempts' : status >= 500 ? 'Something went wrong' : 'That did not work';
  return barePage(title, html`<p>${message}</p><p><a href="${signedIn ? '/desk' : '/desk/login'}">${signedIn ? 'Back to the desk' : 'Sign in'}</a></p>`);
}
