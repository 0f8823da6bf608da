import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Pool } from '../platform/db.js';
import type { Clock } from '../platform/clock.js';
import { AppError } from '../platform/errors.js';
import { audit } from '../audit/audit.repository.js';
import { AUDITED_READS, type Principal, accessFor, authorise } from './access-policy.js';
import { operatorById, sessionOf, touchOperator } from './operators.repository.js';
import { bootstrapTokenStillValid, parseToken, secretMatches } from './operator-token.js';
import { fromThisSite } from './same-site.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The desk session's CSRF token, when signed in through the desk. */
    csrf: string | null;
  }
}

export const SESSION_COOKIE = 'woo_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authentication and authorisation for every route, from the one policy table (access-policy.ts): bearer tokens
 * (ADMIN_TOKEN, FISCAL_TOKEN, operator accounts), the desk's session cookie, and METRICS_TOKEN for /metrics. Every
 * operator action, and every read of a person, an export or a fiscal row, lands in the audit trail with the name.
 */
export function installAuth(app: FastifyInstance, deps: {
  pool: Pool; clock: Clock; adminToken: string; fiscalToken: string | null; metricsToken: string | null;
}): { signedIn: (req: FastifyRequest) => Promise<void> } {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  const same = (a: Buffer, b: Buffer | null) => b !== null && timingSafeEqual(a, b);
  const admin = digest(deps.adminToken);
  const fiscal = deps.fiscalToken ? digest(deps.fiscalToken) : null;
  const metrics = deps.metricsToken ? digest(deps.metricsToken) : null;
  // scrypt is deliberately slow: a verified token's match with its account's secret hash is remembered for a minute.
  // The account row is still read on every request, so a revocation, an expiry or a new secret counts at once.
  const verified = new Map<string, { secretHash: Buffer; until: number }>();
  // Failed account-token checks per client: past the limit, 429 (P4: precautions against misuse; scrypt is costly).
  const failures = new Map<string, { n: number; since: number }>();

  const bearer = (req: FastifyRequest) => /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? null;

  async function principalOf(req: FastifyRequest): Promise<Principal | null> {
    const token = bearer(req);
    if (token) {
      const d = digest(token);
      if (same(d, admin)) return { name: 'admin', role: 'operator', via: 'admin_token' };
      if (same(d, fiscal)) return { name: 'fiscal', role: 'auditor', via: 'fiscal_token' };
      const parsed = parseToken(token);
      if (!parsed) return null;
      // Only account tokens cost a scrypt check; past 30 failed ones a minute from one client, it gets 429.
      const attempt = `${req.ip}:${parsed.id}`; // per client and account: nobody locks out a colleague's other address
      if (tooMany(attempt)) throw new AppError(429, 'too_many_attempts', 'too many failed sign-ins; wait a minute');
      const op = await operatorById(deps.pool, parsed.id);
      if (!op || op.revokedAt || op.expiresAt <= deps.clock.now()) {
        failed(attempt);
        return null;
      }
      const key = d.toString('hex');
      const hit = verified.get(key);
      if (!(hit && hit.until > Date.now() && hit.secretHash.equals(op.secretHash))) {
        if (!(await secretMatches(parsed.secret, op.salt, op.secretHash))) {
          failed(attempt);
          return null;
        }
        verified.set(key, { secretHash: op.secretHash, until: Date.now() + 60_000 });
        void touchOperator(deps.pool, op.id).catch(() => undefined);
      }
      return { name: op.name, role: op.role, via: 'account' };
    }
    const cookie = req.cookies?.[SESSION_COOKIE];
    if (cookie) {
      const s = await sessionOf(deps.pool, cookie, deps.clock.now());
      // A bootstrap sign-in lasts only while its token is still the one configured (rotated or unset: signed out).
      const configured = s?.name === 'admin' ? deps.adminToken : s?.name === 'fiscal' ? deps.fiscalToken : null;
      if (s && (!s.bootstrap || bootstrapTokenStillValid(s.bootstrapToken, configured))) {
        req.csrf = s.csrf;
        return { name: s.name, role: s.role, via: 'session' };
      }
    }
    return null;
  }

  function tooMany(ip: string): boolean {
    const f = failures.get(ip);
    return !!f && Date.now() - f.since < 60_000 && f.n >= 30;
  }
  function failed(ip: string): void {
    const f = failures.get(ip);
    if (!f || Date.now() - f.since >= 60_000) failures.set(ip, { n: 1, since: Date.now() });
    else f.n++;
    if (failures.size > 10_000) failures.clear();
  }

  app.decorateRequest('principal', null);
  app.decorateRequest('csrf', null);
  const authenticate: onRequestAsyncHookHandler = async (req, reply) => {
    const url = req.routeOptions.url!;
    const access = accessFor(req.method, url);
    if (access.kind === 'public') return;
    if (access.kind === 'metrics') {
      const token = bearer(req);
      if (token && same(digest(token), metrics)) return;
      throw new AppError(401, 'unauthorized', deps.metricsToken ? 'missing or invalid METRICS_TOKEN' : 'METRICS_TOKEN is not configured');
    }
    const p = await principalOf(req);
    const denied = authorise(access, p);
    if (denied) {
      // A person opening a desk page without a session is sent to the sign-in page, not shown JSON.
      const page = url.startsWith('/desk') || ((url.startsWith('/admin/queues') || url.startsWith('/docs')) && (req.headers.accept ?? '').includes('text/html'));
      if (denied.status === 401 && req.method === 'GET' && page) {
        return reply.redirect(`/desk/login?next=${encodeURIComponent(req.url)}`);
      }
      throw new AppError(denied.status, denied.status === 401 ? 'unauthorized' : 'forbidden', denied.message);
    }
    if (p?.via === 'session' && !SAFE_METHODS.has(req.method) && !fromThisSite(req.headers)) {
      throw new AppError(403, 'cross_site_request', 'a change made with the desk session must come from this site\'s own pages (Sec-Fetch-Site or Origin)');
    }
    req.principal = p;
  };
  // Attached per route as it is registered, from the access policy: a public route (the webhook intake above all)
  // runs no authentication or audit hook at all. Auth comes first among the route's own hooks.
  app.addHook('onRoute', (route) => {
    if ([route.method].flat().every((m) => accessFor(m, route.url).kind === 'public')) return;
    route.onRequest = [authenticate, ...[route.onRequest ?? []].flat()];
    route.onSend = [auditSuccess, ...[route.onSend ?? []].flat()];
  });

  // Before the answer leaves (onSend): once an operator sees success, the audit entry exists.
  async function auditSuccess(req: FastifyRequest, reply: FastifyReply, payload: unknown) {
    const url = req.routeOptions.url;
    const p = req.principal;
    if (!url || !p || reply.statusCode >= 400) return payload;
    const write = req.method !== 'GET' && req.method !== 'HEAD';
    if (!write && !AUDITED_READS.some((r) => r.test(url))) return payload;
    await audit(deps.pool, {
      actor: p.name, action: `${write ? 'operator.action' : 'operator.read'} ${req.method} ${url}`,
      detail: { status: reply.statusCode, via: p.via, params: req.params ?? {} },
    }).catch(() => undefined);
    return payload;
  }

  return {
    /** Unknown paths under a signed-in prefix: sign in first, so route names cannot be probed anonymously. */
    async signedIn(req: FastifyRequest): Promise<void> {
      const denied = authorise({ kind: 'read' }, await principalOf(req));
      if (denied) throw new AppError(denied.status, 'unauthorized', denied.message);
    },
  };
}
