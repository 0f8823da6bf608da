import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { normaliseSource } from '../config.js';
import { AppError } from '../platform/errors.js';
import type { Metrics } from '../platform/metrics.js';
import { isHandledTopic } from '../mirror/delivery.js';
import type { IntakeService } from './intake.service.js';
import { isPing, mediaKind } from './ping.js';
import { isValidSignature, signingKey } from './signature.js';
import { deliveryFingerprint } from './delivery-key.js';
import { readJson } from './json-scan.js';
import { docs } from '../platform/openapi.js';
import { lazyRequestLogger } from '../platform/logger.js';

export interface IntakeRouteOptions {
  webhookSecret: string;
  sourceAllowlist: string[] | null;
  intake: IntakeService;
  metrics: Metrics;
}

const BODY_LIMIT = 10 * 1024 * 1024;
const resourceIdOf = (id: unknown): number | null => (typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null);
const header = (req: FastifyRequest, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * The security headers that matter for a JSON answer to a server-to-server POST, fixed once. Global helmet is off for
 * this route: it rebuilt its whole middleware on every request (~6 % of a webhook's CPU) for headers that guard HTML
 * pages (script/style sources, opener and agent-cluster isolation, DNS prefetch). Nothing here may be framed, loaded
 * as a script or style, sniffed as another type, or reached over plain HTTP.
 */
const JSON_SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
};
// onRequest, so every answer carries them: the 413 and 415 of body parsing and the error handler's JSON too.
const setSecurityHeaders: onRequestHookHandler = (_req, reply, done) => {
  reply.headers(JSON_SECURITY_HEADERS);
  done();
};

/**
 * POST /webhooks/woocommerce. WooCommerce never retries and disables a webhook after repeated failures,
 * so this route answers 200 as soon as the delivery is committed to Postgres, and never 5xx for client input.
 */
export async function intakeRoutes(app: FastifyInstance, opts: IntakeRouteOptions): Promise<void> {
  // Raw bytes for every media type: the HMAC covers the exact body, and the 415 decision is ours to make.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
  const secret = signingKey(opts.webhookSecret);
  // A body over the limit never reaches the handler: counted here, then answered by the app's error handler.
  app.setErrorHandler((err: { statusCode?: number }) => {
    if (err.statusCode === 413) opts.metrics.webhookDeliveries.inc({ status: 'rejected', reason: 'too_large' });
    throw err;
  });

  const reject = (status: number, code: string, message: string, reason: string) => {
    opts.metrics.webhookDeliveries.inc({ status: 'rejected', reason });
    return new AppError(status, code, message);
  };
  const answer = (reply: FastifyReply, status: 'accepted' | 'duplicate' | 'ignored', reason: string) => {
    opts.metrics.webhookDeliveries.inc({ status, reason });
    opts.metrics.intakeLatency.observe({ status }, reply.elapsedTime / 1000);
    return reply.status(200).send({ status });
  };

  app.post('/webhooks/woocommerce', docs({
    summary: 'WooCommerce webhook delivery (public; authenticated by its HMAC signature)',
    description: 'Headers: X-WC-Webhook-Signature (base64 HMAC-SHA256 of the raw body with the webhook secret), X-WC-Webhook-Topic, '
      + 'X-WC-Webhook-Source, X-WC-Webhook-ID, X-WC-Webhook-Delivery-ID. The delivery is stored in the inbox before the 200; '
      + 'duplicates answer duplicate; unknown topics or sources answer ignored. WooCommerce\'s ping (form-encoded webhook_id) answers ok.',
    tags: ['webhooks (public)'], invalidExample: false,
    examples: { body: { id: 1042, number: '1042', status: 'processing', currency: 'EUR', total: '59.95', date_created_gmt: '2026-06-01T09:00:00',
      billing: { first_name: 'Jan', last_name: 'Jansen', email: 'jan@example.com' }, line_items: [{ name: 'Teapot', quantity: 1, total: '49.95' }] } },
    responses: {
      200: { description: 'accepted, duplicate, ignored (or ok for a ping)', example: { status: 'accepted' } },
      401: { description: 'missing or invalid signature', example: { error: 'invalid_signature', message: 'missing or invalid X-WC-Webhook-Signature', reqId: 'req-1' } },
      415: { description: 'not JSON', example: { error: 'unsupported_media_type', message: 'webhook bodies must be application/json', reqId: 'req-1' } },
      503: { description: 'the inbox could not store it; WooCommerce retries', example: { error: 'unavailable', message: 'the delivery could not be stored; please retry', reqId: 'req-1' } },
    },
  }, { bodyLimit: BODY_LIMIT, helmet: false, onRequest: setSecurityHeaders, childLoggerFactory: lazyRequestLogger }), async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const kind = mediaKind(req.headers['content-type']);
    if (kind === 'other') {
      throw reject(415, 'unsupported_media_type', 'webhook bodies must be application/json', 'media_type');
    }
    if (kind === 'form' && isPing(req.headers, body)) {
      opts.metrics.webhookDeliveries.inc({ status: 'ping', reason: 'ping' });
      return reply.status(200).send({ status: 'ok' });
    }
    if (!isValidSignature(body, header(req, 'x-wc-webhook-signature'), secret)) {
      throw reject(401, 'invalid_signature', 'missing or invalid X-WC-Webhook-Signature', 'signature');
    }
    const json = readJson(body); // scanned, not parsed: see json-scan.ts
    if (!json.valid) throw reject(400, 'invalid_json', 'body is not valid JSON', 'json');
    const topic = header(req, 'x-wc-webhook-topic')?.trim().toLowerCase();
    if (!topic) throw reject(400, 'missing_topic', 'missing X-WC-Webhook-Topic header', 'topic');

    const source = normaliseSource(header(req, 'x-wc-webhook-source') ?? '');
    if (opts.sourceAllowlist && !opts.sourceAllowlist.includes(source)) return answer(reply, 'ignored', 'source');
    if (!isHandledTopic(topic)) return answer(reply, 'ignored', 'topic');

    let status: 'accepted' | 'duplicate';
    try {
      status = await opts.intake.record({
        source, topic, webhookId: header(req, 'x-wc-webhook-id') ?? null, bodySha256: deliveryFingerprint(body, topic, header(req, 'x-wc-webhook-delivery-id')), body,
        resourceId: resourceIdOf(json.id),
      });
    } catch (err) {
      req.log.error({ err }, 'inbox insert failed');
      throw reject(503, 'unavailable', 'the delivery could not be stored; please retry', 'storage');
    }
    return answer(reply, status, topic);
  });
}
