import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Deps } from './deps.js';
import { notFoundRoute, registerErrorHandling } from './platform/errors.js';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import { installAuth } from './operators/auth.hooks.js';
import { collectOnScrape } from './platform/scrape-collectors.js';
import { deskRoutes } from './desk/desk.routes.js';
import { openapiDocs } from './platform/openapi.js';
import { queuesDashboard } from './operator/queues-dashboard.js';
import { intakeRoutes } from './intake/intake.routes.js';
import { customersRoutes } from './operator/customers.routes.js';
import { healthRoutes } from './operator/health.routes.js';
import { syncRoutes } from './sync/sync.routes.js';
import { erasureRoutes } from './erasure/erasure.routes.js';
import { legalHoldsRoutes } from './legal-holds/holds.routes.js';
import { retentionRoutes } from './retention/retention.routes.js';
import { fiscalRoutes } from './fiscal/fiscal.routes.js';
import { processorsRoutes } from './processors/processors.routes.js';
import { erasureFollowUpRoutes } from './processors/erasure-followups.routes.js';
import { dsrRoutes } from './dsr/dsr.routes.js';
import { verifyRoutes } from './dsr/verify.routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    routeList: { method: string; url: string }[];
  }
}

/** Builds the HTTP API: platform concerns first, then each capability's routes in its own scope. */
export async function buildApp(deps: Deps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({ loggerInstance: deps.log as FastifyBaseLogger, bodyLimit: 1024 * 1024 });
  // Every route, as registered: the route-walk test checks each against the access policy.
  const routes: { method: string; url: string }[] = [];
  app.decorate('routeList', routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  registerErrorHandling(app);
  await app.register(cookie);
  // Security headers. Referrer-Policy same-origin, not helmet's no-referrer: under no-referrer a browser's own form
  // posts carry `Origin: null`, which the same-site check (operators/same-site.ts) reads where Sec-Fetch-Site is
  // missing; the desk's URLs still never leave the site. Styles and fonts from this site only (helmet's default allows
  // any https: origin; inline styles stay for bull-board and Swagger UI): an operator's browser fetches nothing from
  // third parties, to whom their IP address would be personal data.
  await app.register(helmet, {
    global: true, referrerPolicy: { policy: 'same-origin' },
    contentSecurityPolicy: { directives: { 'style-src': ["'self'", "'unsafe-inline'"], 'font-src': ["'self'", 'data:'] } },
  });
  const auth = installAuth(app, {
    pool: deps.pool, clock: deps.clock, adminToken: config.secrets.adminToken, fiscalToken: config.secrets.fiscalToken,
    metricsToken: config.secrets.metricsToken,
  });
  // Before every route: swagger documents only what is registered after it.
  await openapiDocs(app, { publicUrl: config.publicUrl });

  await app.register(intakeRoutes, {
    webhookSecret: config.secrets.webhookSecret,
    sourceAllowlist: config.sourceAllowlist,
    intake: deps.intake,
    metrics: deps.metrics,
  });

  await app.register(async (api) => {
    // An action without options (`/complete`, `/lift`) may come with a JSON content type and no body: that is no body,
    // not a 400. Anything else goes through Fastify's own parser (prototype-poisoning checks included).
    const json = api.getDefaultJsonParser('error', 'error');
    api.removeContentTypeParser('application/json');
    api.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
      (body.length === 0 ? done(null, undefined) : json(req, body.toString(), done)));
    await api.register(customersRoutes, { pool: deps.pool });
    await api.register(syncRoutes, { services: deps.sync, queues: deps.queues });
    await api.register(erasureRoutes, { eraseSubject: deps.eraseSubject });
    await api.register(legalHoldsRoutes, { pool: deps.pool, clock: deps.clock, subjectKey: deps.subjectKey });
    await api.register(retentionRoutes, { retention: deps.retention, queues: deps.queues, pool: deps.pool });
    await api.register(processorsRoutes, { pool: deps.pool, relay: deps.processors.relay, subjectKey: deps.subjectKey, register: deps.register, clock: deps.clock });
    await api.register(erasureFollowUpRoutes, { pool: deps.pool });
    await api.register(dsrRoutes, { pool: deps.pool, clock: deps.clock, requests: deps.requests, rights: deps.rights, kick: deps.kick });
    // Unknown paths: sign-in is checked on request, before any body is read (a 400 or 413 would reveal the 404).
    api.addHook('onRequest', (req, _reply, done) => (req.is404 ? auth.signedIn(req).then(() => done(), done) : done()));
    api.setNotFoundHandler(notFoundRoute);
  }, { prefix: '/api' });
  await app.register(queuesDashboard, { prefix: '/admin/queues', queues: deps.queues.all });
  // The privacy desk: server-rendered pages for operators (sign-in and assets are public by the policy).
  await app.register(deskRoutes, {
    pool: deps.pool, clock: deps.clock, requests: deps.requests, rights: deps.rights, retention: deps.retention,
    sync: deps.sync, adminToken: config.secrets.adminToken, fiscalToken: config.secrets.fiscalToken,
    queues: deps.queues, relay: deps.processors.relay, kick: deps.kick,
  });
  // Public: the one-time verification page of a privacy request (rate-limited in its own scope).
  await app.register(verifyRoutes, { pool: deps.pool, clock: deps.clock, requests: deps.requests });
  // P13: its own scope and its own token; the operator token is refused.
  await app.register(fiscalRoutes, { prefix: '/api', pool: deps.pool });

  const collect = collectOnScrape(deps.metrics, { pool: deps.pool, queues: deps.queues, clock: deps.clock });
  await app.register(healthRoutes, {
    pool: deps.pool,
    queueBackend: deps.queues.backend,
    metrics: deps.metrics,
    beforeScrape: async () => {
      await Promise.all([deps.relay.refreshBacklogGauge(), collect()]);
    },
  });

  // During shutdown, tell keep-alive clients to reconnect elsewhere so idle sockets do not hold the close open.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  // Deliveries already accepted are committed before their 200, but a batch may still be in flight at close.
  app.addHook('onClose', async () => deps.intake.flushed());
  return app;
}
