import pino from 'pino';
import { DAY, startDsrWorld, type DsrWorld } from './world.js';
import { createMailJobs } from '../../src/mail/mail.jobs.js';

/**
 * P14b: a concluded request keeps its administration (type, dates, outcome, subject key), and a person's erasure clears
 * its address — but an address that is nobody's in the mirror has no erasure to wait for. The daily privacy-data purge
 * clears it once the request's mails have had MAIL_RETENTION_DAYS (7) to go out; requests of known persons, open
 * requests and addresses under a legal hold (P12) keep theirs.
 */
let w: DsrWorld;
const STRANGER = 'never.bought@example.com';
const REJECTED = 'spam.sender@example.com';
const HELD = 'under.inquiry@example.com';
const WAITING = 'still.waiting@example.com';
const KNOWN = 'anna.klant@example.com';

beforeAll(async () => {
  w = await startDsrWorld();
  await w.mirrorPerson(KNOWN, { first_name: 'Anna', last_name: 'Klant', orders: 1 });
}, 60_000);
afterAll(async () => { await w?.close(); });

const row = async (id: string) => (await w.ctx.pool.query(
  'SELECT email, note, rejection_reason, status, no_data_held, subject_key IS NOT NULL AS keyed FROM privacy_requests WHERE id = $1', [id])).rows[0];
const stepNotes = async (id: string) => (await w.ctx.pool.query(
  'SELECT note FROM privacy_request_steps WHERE request_id = $1 AND note IS NOT NULL ORDER BY id', [id])).rows.map((r) => r.note);
const purge = () => createMailJobs({ pool: w.ctx.pool, log: pino({ level: 'silent' }), clock: w.clock, config: w.ctx.config.dsr }).handlePurge();
const file = async (type: string, email: string, extra: Record<string, unknown> = {}) => (await w.fileRequest(type, email, { lang: 'en', ...extra })).body;

describe('P14b the address of a concluded request that is nobody\'s', () => {
  test('when it is 7 days past its conclusion, then the purge clears the address and notes, keeping the administration; known, open and held addresses stay', async () => {
    const stranger = await file('erasure', STRANGER, { note: 'asked by phone' });
    expect((await w.api('POST', `/api/privacy-requests/${stranger.id}/verify`, { note: 'Mr Stranger called from 06-12345678' })).status).toBe(200);
    expect((await w.complete(stranger.id)).body).toMatchObject({ status: 'completed', noDataHeld: true });
    const rejected = await file('access', REJECTED);
    expect((await w.api('POST', `/api/privacy-requests/${rejected.id}/reject`, { reason: 'sent by a bot of spam.sender' })).body).toMatchObject({ status: 'rejected' });
    const held = await file('access', HELD);
    expect((await w.complete(held.id)).body).toMatchObject({ status: 'completed', noDataHeld: true });
    const hold = (await w.api('POST', '/api/legal-holds', { email: HELD, reason: 'police inquiry' })).body;
    const waiting = await file('access', WAITING);
    const known = await file('access', KNOWN);
    await w.api('POST', `/api/privacy-requests/${known.id}/verify`, { note: 'called back on the known number' });
    expect((await w.complete(known.id)).body).toMatchObject({ status: 'completed', noDataHeld: false });

    // Within the 7 days the "no data held" mail may still be going out: nothing is cleared.
    w.clock.advance(6 * DAY);
    expect((await purge()).requests).toBe(0);
    expect(await row(stranger.id)).toMatchObject({ email: STRANGER, note: 'asked by phone' });
    expect(await stepNotes(stranger.id)).toEqual(expect.arrayContaining(['asked by phone', 'Mr Stranger called from 06-12345678']));

    w.clock.advance(2 * DAY);
    expect((await purge()).requests).toBe(2);
    expect(await row(stranger.id)).toMatchObject({ email: null, note: null, status: 'completed', no_data_held: true, keyed: true });
    expect(await stepNotes(stranger.id)).toEqual([]);
    expect((await w.api('GET', `/api/privacy-requests/${stranger.id}`)).body).toMatchObject({ type: 'erasure', status: 'completed', email: null });
    expect(await row(rejected.id)).toMatchObject({ email: null, rejection_reason: null, status: 'rejected' });
    expect(await row(held.id)).toMatchObject({ email: HELD });
    expect(await row(waiting.id)).toMatchObject({ email: WAITING, status: 'received' });
    expect(await row(known.id)).toMatchObject({ email: KNOWN });
    expect(await stepNotes(known.id)).toContain('called back on the known number');
    expect((await purge()).requests).toBe(0); // nothing left to clear: idempotent

    // Once the hold is released, the held address goes at the next purge too.
    expect((await w.api('DELETE', `/api/legal-holds/${hold.id}`)).status).toBe(204);
    expect((await purge()).requests).toBe(1);
    expect(await row(held.id)).toMatchObject({ email: null });
  });
});
