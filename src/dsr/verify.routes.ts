import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { z } from 'zod';
import { checkout, type Pool } from '../platform/db.js';
import type { Clock } from '../platform/clock.js';
import { MAX_TRIES, codeMatches, hashOf } from './verification.js';
import type { RequestsService } from './requests.service.js';
import { docs } from '../platform/openapi.js';

/**
 * Public verification (P14): `GET /verify/:token` shows a small form, `POST /verify/:token` with the 6-digit code
 * from the same mail verifies the request. Rate-limited per client, expiring, limited tries; the answers reveal
 * nothing about the request or the person.
 */

const tokenParams = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/) });
const codeBody = z.object({ code: z.string().trim().regex(/^\d{6}$/) });

/* $1 token hash */
const TOKEN = /* sql */ `
  SELECT t.id, t.request_id, t.code_hash, t.expires_at, t.attempts, t.used_at, r.status
  FROM verification_tokens t JOIN privacy_requests r ON r.id = t.request_id WHERE t.token_hash = $1 FOR UPDATE OF t`;

const page = (title: string, body: string) => `<!doctype html><html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
input,button{font-size:1.2rem;padding:.4rem .6rem}label{display:block;margin:.8rem 0 .3rem}</style></head>
<body><h1>${title}</h1>${body}</body></html>`;

const form = (token: string, message = '') => page('Bevestig uw verzoek / Confirm your request', `${message}
<p>Vul de code van 6 cijfers uit de e-mail in. / Enter the 6-digit code from the e-mail.</p>
<form method="post" action="/verify/${token}"><label for="code">Code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
<button type="submit">Bevestigen / Confirm</button></form>`);

const TOKEN_EXAMPLE = { token: 'Qm9vZ2llLXZlcmlmeS10b2tlbi0wMTIzNDU2Nzg5YWJj' };
const tags = ['verification (public)'];

export async function verifyRoutes(app: FastifyInstance, opts: { pool: Pool; clock: Clock; requests: RequestsService; max?: number }): Promise<void> {
  await app.register(rateLimit, { max: opts.max ?? 20, timeWindow: '1 minute' });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.get('/verify/:token', docs({
    summary: 'The page a requester opens from the verification mail: a form for the 6-digit code', tags, params: tokenParams,
    examples: { params: TOKEN_EXAMPLE }, invalidExample: false,
    responses: { 200: { description: 'the form', type: 'text/html', example: '<!doctype html>…<form method="post" action="/verify/…"><input id="code" name="code">…' },
      404: { description: 'not a valid link', type: 'text/html', example: '<!doctype html>…<h1>Niet gevonden / Not found</h1>…' } },
  }), async (req, reply) => {
    const p = tokenParams.safeParse(req.params);
    if (!p.success) return reply.status(404).type('text/html').send(page('Niet gevonden / Not found', '<p>Deze link is ongeldig. / This link is not valid.</p>'));
    return reply.type('text/html').send(form(p.data.token));
  });

  app.post('/verify/:token', docs({
    summary: 'Verify a privacy request with the 6-digit code from the same mail (form post, or JSON for an API client)',
    description: 'Rate-limited per client; limited tries; the answers reveal nothing about the request or the person. '
      + 'A form post (application/x-www-form-urlencoded) gets HTML; a JSON post gets JSON.',
    tags, params: tokenParams, body: codeBody, invalidExample: false,
    examples: { params: TOKEN_EXAMPLE, body: { code: '493027' } },
    responses: {
      200: { description: 'verified', example: { status: 'verified' } },
      400: { description: 'not 6 digits, or the wrong code (with the tries left)', example: { error: 'wrong_code', message: 'wrong code; 4 attempt(s) left', reqId: 'req-1', triesLeft: 4 } },
      404: { description: 'not a valid link', example: { error: 'not_found', message: 'this link is not valid', reqId: 'req-1' } },
      410: { description: 'expired, used, out of tries, or the request is no longer waiting', example: { error: 'expired', message: 'this link has expired or was used already; please contact the shop', reqId: 'req-1' } },
    },
  }), async (req, reply) => {
    const wantsJson = (req.headers['content-type'] ?? '').includes('json');
    // JSON errors in the shape of every other route's ({error, message, reqId}); the HTML says the same in nl and en.
    const answer = (status: number, error: [code: string, message: string] | null, html: string, extra: Record<string, unknown> = {}) =>
      wantsJson
        ? reply.status(status).send(error ? { error: error[0], message: error[1], reqId: req.id, ...extra } : { status: 'verified' })
        : reply.status(status).type('text/html').send(html);
    const p = tokenParams.safeParse(req.params);
    const b = codeBody.safeParse(req.body ?? {});
    if (!p.success) return answer(404, ['not_found', 'this link is not valid'], page('Niet gevonden / Not found', '<p>Deze link is ongeldig. / This link is not valid.</p>'));
    if (!b.success) return answer(400, ['invalid_code', 'enter the 6 digits from the mail'], form(p.data.token, '<p><strong>Vul 6 cijfers in. / Enter 6 digits.</strong></p>'));
    const client = await checkout(opts.pool);
    let verifiedRequest: string | null = null;
    try {
      await client.query('BEGIN');
      const t = (await client.query(TOKEN, [hashOf(p.data.token)])).rows[0];
      const now = opts.clock.now();
      let result: [number, [string, string] | null, string, Record<string, unknown>?];
      if (!t || t.used_at || t.expires_at < now || t.attempts >= MAX_TRIES || !['received', 'awaiting_verification'].includes(t.status)) {
        result = [410, ['expired', 'this link has expired or was used already; please contact the shop'], page('Verlopen / Expired', '<p>Deze link is verlopen of al gebruikt. Neem contact op met de winkel. / This link has expired or was used already. Please contact the shop.</p>')];
      } else if (!codeMatches(b.data.code, t.code_hash)) {
        await client.query('UPDATE verification_tokens SET attempts = attempts + 1 WHERE id = $1', [t.id]);
        const left = MAX_TRIES - t.attempts - 1;
        result = [400, ['wrong_code', `wrong code; ${left} attempt(s) left`], form(p.data.token, `<p><strong>Onjuiste code; nog ${left} poging(en). / Wrong code; ${left} attempt(s) left.</strong></p>`), { triesLeft: left }];
      } else {
        await client.query('UPDATE verification_tokens SET used_at = $2, attempts = attempts + 1 WHERE id = $1', [t.id, now]);
        verifiedRequest = t.request_id;
        result = [200, null, page('Bevestigd / Confirmed', '<p>Dank u. Uw verzoek is bevestigd en wordt behandeld. / Thank you. Your request is confirmed and being handled.</p>')];
      }
      await client.query('COMMIT');
      if (verifiedRequest) await opts.requests.verify(verifiedRequest, 'requester', 'one-time code from the known address', 'code');
      return answer(...result);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  });
}
