import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { createOperator } from '../../src/operators/operators.service.js';
import { DAY, type DsrWorld, startDsrWorld } from '../dsr/world.js';

/**
 * The privacy desk in a real browser: Debian's chromium driven by playwright-core, against the real app and workers
 * (Postgres, Redis, a local SMTP server). One browser for the file; a fresh profile directory of our own.
 */

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
const DOCS = join(__dirname, '..', '..', 'docs');
const CLIENT = 'marit.visser@example.nl';

let world: DsrWorld;
let browser: BrowserContext;
let page: Page;
let base: string;
let profile: string;
const tokens = { operator: '', auditor: '' };

beforeAll(async () => {
  world = await startDsrWorld();
  await world.ctx.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(world.ctx.app.server.address() as AddressInfo).port}`;
  tokens.operator = (await createOperator(world.ctx.pool, { name: 'olga', role: 'operator', ttlDays: 90, now: new Date() })).token;
  tokens.auditor = (await createOperator(world.ctx.pool, { name: 'aart', role: 'auditor', ttlDays: 90, now: new Date() })).token;
  await world.mirrorPerson(CLIENT, { first_name: 'Marit', last_name: 'Visser' });
  // chromium.launch() refuses a --user-data-dir argument; a persistent context is how Playwright takes our fresh one.
  profile = await mkdtemp(join(tmpdir(), 'desk-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function signIn(name: string, token: string): Promise<void> {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('domcontentloaded');
}

const flash = () => page.locator('.flash').innerText();
const requestIdOf = (url: string) => /\/desk\/requests\/([0-9a-f-]{36})$/.exec(new URL(url).pathname)?.[1] ?? '';
let requestId = '';

describe('the privacy desk in chromium', () => {
  test('when a wrong token is entered, then the sign-in page says so and no session starts', async () => {
    await page.goto(`${base}/desk`);
    expect(new URL(page.url()).pathname).toBe('/desk/login'); // an anonymous visitor is sent to sign in
    // One character changed; never to the one it already was (that would be the right token).
    const last = tokens.operator.slice(-1);
    await signIn('olga', `${tokens.operator.slice(0, -1)}${last === 'x' ? 'y' : 'x'}`);
    expect(await page.getByRole('alert').innerText()).toContain('Wrong name or token');
    expect((await browser.cookies()).find((c) => c.name === 'woo_session')).toBeUndefined();
  });

  test('when an operator signs in and files a request from the desk form, then the list shows it with its due date and days left', async () => {
    await page.goto(`${base}/desk`);
    await signIn('olga', tokens.operator);
    expect(new URL(page.url()).pathname).toBe('/desk'); // back where they were going
    const session = (await browser.cookies()).find((c) => c.name === 'woo_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });

    await page.getByLabel('Type').selectOption('access');
    await page.getByLabel("Requester's email").fill(CLIENT);
    await page.getByLabel('Language of the mails').selectOption('en');
    await page.getByRole('button', { name: 'File request' }).click();
    await page.waitForURL(/\/desk\/requests\/[0-9a-f-]{36}$/);
    requestId = requestIdOf(page.url());
    expect(await flash()).toContain('Request filed');

    const dueAt = (await world.ctx.pool.query('SELECT due_at FROM privacy_requests WHERE id = $1', [requestId])).rows[0].due_at as Date;
    await page.getByRole('link', { name: 'Requests', exact: true }).click();
    const row = page.locator(`tr[data-request-id="${requestId}"]`);
    expect(await row.locator('time').nth(1).getAttribute('datetime')).toBe(dueAt.toISOString());
    expect(await row.innerText()).toMatch(/Access\s+marit\.visser@example\.nl\s+Awaiting verification[\s\S]*30 days left/);
  });

  test('when the operator extends the request with a reason, then the due date moves by those days and the requester is mailed', async () => {
    await page.goto(`${base}/desk/requests/${requestId}`);
    await page.getByLabel('Reason (mailed to the requester)').first().fill('We need the records from the warehouse');
    await page.getByLabel('Days (1–61)').fill('14');
    await page.getByRole('button', { name: 'Extend' }).click();
    expect(await flash()).toContain('Deadline extended by 14 days');
    expect(await page.locator('dl.facts').first().innerText()).toContain('We need the records from the warehouse');
    await page.goto(`${base}/desk`);
    expect(await page.locator(`tr[data-request-id="${requestId}"]`).innerText()).toMatch(/extended[\s\S]*44 days left/);
    await world.waitForMails(CLIENT, 1, (m) => /extend|verleng/i.test(m.subject + m.text));
  });

  test('when the operator verifies with a note and completes, then the request is completed and the export is mailed', async () => {
    await page.goto(`${base}/desk/requests/${requestId}`);
    await page.getByLabel('How was the requester verified?').fill('Called back on the phone number of the last order');
    await page.getByRole('button', { name: 'Mark verified' }).click();
    expect(await flash()).toContain('Requester verified');
    await page.getByRole('button', { name: 'Complete request' }).click();
    expect(await flash()).toContain('Request completed');
    expect(await page.locator('dl.facts').first().innerText()).toContain('Completed');
    expect(await page.locator('#steps').innerText()).toMatch(/verified[\s\S]*Called back[\s\S]*completed/);
    expect(await page.getByRole('heading', { name: 'Actions' }).count()).toBe(0); // nothing left to do
    const mails = await world.waitForMails(CLIENT, 1, (m) => m.attachments.some((a) => a.filename.endsWith('.json')));
    expect(mails[0]!.attachments[0]!.content.length).toBeGreaterThan(100);
    await page.reload();
    expect(await page.locator('#mails').innerText()).toMatch(/completion\s+sent/);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'desk-request.png'), fullPage: true });
  });

  test('when the list holds several requests, then the overdue one is highlighted, and a screenshot is saved', async () => {
    // A restriction of the mirrored client waits for verification; the others are unknown addresses (received).
    for (const [type, email] of [['erasure', 'jan.de.boer@example.nl'], ['objection', 'fatima.el.amrani@example.nl'], ['restriction', CLIENT]]) {
      expect((await world.fileRequest(type!, email!, { lang: 'nl' })).status).toBe(201);
    }
    const late = (await world.fileRequest('portability', 'sanne.smit@example.nl')).body.id as string;
    await world.ctx.pool.query('UPDATE privacy_requests SET received_at = now() - $2::interval, due_at = now() - $3::interval WHERE id = $1',
      [late, `${33 * DAY} milliseconds`, `${3 * DAY} milliseconds`]);
    await page.goto(`${base}/desk`);
    const lateRow = page.locator(`tr[data-request-id="${late}"]`);
    expect(await lateRow.getAttribute('class')).toContain('overdue');
    expect(await lateRow.innerText()).toContain('3 days overdue');
    // Earliest due first: the overdue request heads the list.
    expect(await page.locator('#open-requests tbody tr').first().getAttribute('data-request-id')).toBe(late);
    await mkdir(ARTIFACTS, { recursive: true });
    await mkdir(DOCS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'desk-list.png'), fullPage: true });
    await copyFile(join(ARTIFACTS, 'desk-list.png'), join(DOCS, 'desk.png'));
  });

  test('when a desk form is posted without its CSRF token, then it is refused with 403 and nothing changes', async () => {
    const url = `${base}/desk/requests`;
    // page.request is Playwright's client, not the page: it says what a browser posting from a desk page says, so
    // the request passes the same-site check and it is the CSRF token that refuses it.
    const headers = { 'sec-fetch-site': 'same-origin' };
    const without = await page.request.post(url, { headers, form: { type: 'erasure', email: 'nobody@example.nl' }, maxRedirects: 0 });
    expect(without.status()).toBe(403);
    expect(await without.text()).toContain('This form is out of date');
    const wrong = await page.request.post(url, { headers, form: { type: 'erasure', email: 'nobody@example.nl', _csrf: 'forged' }, maxRedirects: 0 });
    expect(wrong.status()).toBe(403);
    expect(await wrong.text()).toContain('This form is out of date');
    const { rows } = await world.ctx.pool.query(`SELECT count(*)::int AS n FROM privacy_requests WHERE email = 'nobody@example.nl'`);
    expect(rows[0].n).toBe(0);
  });

  test('P2/P4: when the operator opens the job dashboard and the API docs, then they render, the dashboard\'s own calls go through, and nothing is fetched from another host', async () => {
    const elsewhere: string[] = [];
    const cspErrors: string[] = [];
    const onRequest = (r: { url(): string }) => { if (new URL(r.url()).origin !== base) elsewhere.push(r.url()); };
    const onConsole = (m: { type(): string; text(): string }) => { if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text()); };
    page.on('request', onRequest);
    page.on('console', onConsole);
    try {
      await page.goto(`${base}/admin/queues`);
      await page.getByText('maintenance').first().waitFor({ timeout: 15_000 });
      // A call of the dashboard's own, from the page: same-origin, so the session may change things.
      const status = (path: string) => page.evaluate(async (p) => (await fetch(p, { method: 'PUT' })).status, path);
      expect(await status('api/queues/maintenance/pause')).toBe(200);
      expect(await world.ctx.deps.queues.maintenance.isPaused()).toBe(true);
      expect(await status('api/queues/maintenance/resume')).toBe(200);
      expect(await world.ctx.deps.queues.maintenance.isPaused()).toBe(false);
      // The API docs (Swagger UI) likewise render from this site alone.
      await page.goto(`${base}/docs`);
      await page.locator('.opblock-summary-path', { hasText: '/webhooks/woocommerce' }).first().waitFor({ timeout: 15_000 });
    } finally {
      page.off('request', onRequest);
      page.off('console', onConsole);
      await page.goto(`${base}/desk`); // the next test starts from a desk page
    }
    expect(elsewhere).toEqual([]); // bull-board's page linked Google Fonts; the link is removed
    expect(cspErrors).toEqual([]);
  });

  test('when an auditor signs in, then every page is readable and shows no action buttons', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(new URL(page.url()).pathname).toBe('/desk/login');
    await signIn('aart', tokens.auditor);
    for (const path of ['/desk', `/desk/requests/${requestId}`, '/desk/persons?email=marit.visser%40example.nl', '/desk/retention', '/desk/pushes', '/desk/health']) {
      const res = await page.goto(`${base}${path}`);
      expect(res?.status()).toBe(200);
      expect(await page.locator('main form[method="post"]').count()).toBe(0);
    }
    await page.goto(`${base}/desk`);
    expect(await page.getByRole('heading', { name: 'File a request' }).count()).toBe(0);
    expect(await page.locator('#open-requests tbody tr').count()).toBeGreaterThan(0);
  });
});
