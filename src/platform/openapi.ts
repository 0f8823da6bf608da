import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { z } from 'zod';
import { accessFor } from '../operators/access-policy.js';

/**
 * OpenAPI at /docs (`/docs/json`, `/docs/yaml`), generated from the same zod schemas the handlers parse with.
 *
 * Documentation only — Fastify never validates or serialises with it. A route's docs are split on purpose:
 * `schema` carries just `summary`, `description` and `tags` (keys Fastify ignores), and the zod schemas and examples
 * travel in `config.openapi`, which only the swagger `transform` below reads. Fastify therefore compiles no Ajv
 * validator (zod in the handler, via parseInput, stays the one validator, so 400s keep our
 * `{error: 'invalid_request', message: '<field>: <problem>'}`) and no response serializer (which would silently
 * drop fields a response schema does not list). No validator compiler is swapped anywhere, at the root or per route.
 */

export interface ResponseDocs {
  description: string;
  example?: unknown;
  /** Content type, when not JSON (text/html, application/pdf, text/plain…). */
  type?: string;
}

export interface RouteDocs {
  summary: string;
  description?: string;
  tags: string[];
  body?: z.ZodType;
  /** The body's media type when not JSON (the desk's forms: application/x-www-form-urlencoded). */
  bodyType?: string;
  querystring?: z.ZodType;
  params?: z.ZodType;
  examples?: {
    body?: unknown; querystring?: Record<string, unknown>; params?: Record<string, unknown>;
    /** A bad request, shown with the 400 our zod parse answers to it (default: every part left out). */
    invalid?: { body?: unknown; querystring?: unknown; params?: unknown };
  };
  responses: Record<number, ResponseDocs>;
  /** false when the handler does not parse its input with zod (bull-board's routes): no example of our 400. */
  invalidExample?: false;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Read only by the OpenAPI transform (platform/openapi.ts); never by Fastify's validation. */
    openapi?: RouteDocs;
  }
}

/**
 * Route options that document a route: `app.get(url, docs({...}), handler)`. Other route options go in `more`
 * (e.g. `docs(d, { config: { rateLimit } })`): its config is merged with the docs, not replaced.
 */
export function docs<M extends { config?: object; [option: string]: unknown }>(d: RouteDocs, more?: M) {
  return {
    ...more,
    schema: { summary: d.summary, ...(d.description ? { description: d.description } : {}), tags: d.tags },
    config: { ...more?.config, openapi: d },
  };
}

type Json = Record<string, unknown>;
const toJson = (s: z.ZodType): Json => z.toJSONSchema(s, { io: 'input', target: 'openapi-3.0', unrepresentable: 'any' }) as Json;

/** Query and path parameters: each property carries its example, which becomes the parameter's example. */
function withPropertyExamples(schema: Json, example: Record<string, unknown> | undefined): Json {
  const props = (schema.properties ?? {}) as Record<string, Json>;
  for (const [k, v] of Object.entries(example ?? {})) if (props[k]) props[k] = { ...props[k], examples: [v] };
  return schema;
}

const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null || v === undefined || typeof v === 'object' ? 'object' : typeof v);

function responseOf(status: number, r: ResponseDocs): Json {
  if (status === 204) return { description: r.description, type: 'null' }; // no body
  const type = r.type ?? 'application/json';
  const schema = type === 'application/pdf' ? { type: 'string', format: 'binary' } : type === 'application/json' ? { type: typeOf(r.example) } : { type: 'string' };
  return { description: r.description, content: { [type]: { schema, ...(r.example === undefined ? {} : { example: r.example }) } } };
}

/** Our 400 for a bad request (by default one that leaves out everything): the message parseInput gives, field by field. */
function invalidExample(d: RouteDocs): Json | null {
  if (d.invalidExample === false) return null;
  const bad = d.examples?.invalid ?? {};
  const messages = (['params', 'querystring', 'body'] as const).flatMap((part) => {
    const r = d[part]?.safeParse(bad[part] ?? {});
    return r && !r.success ? r.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`) : [];
  });
  if (!messages.length) return null;
  return responseOf(400, { description: 'invalid input: each bad field is named', example: { error: 'invalid_request', message: messages.join('; '), reqId: 'req-1' } });
}

const SIGNED_IN: Record<string, string[]>[] = [{ bearer: [] }, { session: [] }]; // either one: an operator's bearer token or the desk session
const errorExample = (status: number, error: string, message: string) =>
  [status, responseOf(status, { description: message, example: { error, message, reqId: 'req-1' } })] as const;

/** Adds what every route shares from the one access policy: who may call it, and the 401/403 it answers. */
function accessDocs(method: string, url: string): Json {
  const access = accessFor(method, url);
  if (access.kind === 'public') return { security: [] };
  if (access.kind === 'metrics') return { security: [{ metrics: [] }], errors: [errorExample(401, 'unauthorized', 'missing or invalid METRICS_TOKEN')] };
  const errors = [errorExample(401, 'unauthorized', 'sign in: missing or invalid bearer token or session')];
  if (access.kind === 'write') errors.push(errorExample(403, 'forbidden', 'auditors have read-only access'));
  if (access.kind === 'fiscal') errors.push(errorExample(403, 'forbidden', 'the fiscal archive is readable only by auditors (FISCAL_TOKEN) — P13: personnel lose access'));
  return { security: SIGNED_IN, errors };
}

function transform({ schema, url, route }: { schema: unknown; url: string; route: { method: string | string[]; config?: { openapi?: RouteDocs } } }) {
  const base = (schema ?? {}) as Json;
  const d = route.config?.openapi;
  // A prefixed plugin's '/' is registered as both /admin/queues and /admin/queues/: one OpenAPI path, without the slash.
  const path = url.length > 1 ? url.replace(/\/$/, '') : url;
  if (base.hide || !d) return { schema: base, url: path };
  const methods = [route.method].flat();
  const { security, errors = [] } = accessDocs(methods.find((m) => m !== 'HEAD') ?? methods[0]!, url) as { security: unknown; errors?: (readonly [number, Json])[] };
  const invalid = invalidExample(d);
  const out: Json = {
    ...base, security,
    response: {
      ...Object.fromEntries(Object.entries(d.responses).map(([status, r]) => [status, responseOf(Number(status), r)])),
      ...(invalid && !d.responses[400] ? { 400: invalid } : {}),
      ...Object.fromEntries(errors.filter(([status]) => !d.responses[status])),
    },
  };
  const bodyExample = d.examples?.body === undefined ? {} : { examples: [d.examples.body] };
  if (d.body) out.body = { ...toJson(d.body), ...bodyExample };
  else if (d.examples?.body !== undefined) out.body = { type: typeOf(d.examples.body), ...bodyExample }; // a body zod does not parse (the webhook)
  if (d.bodyType) out.consumes = [d.bodyType];
  if (d.querystring) out.querystring = withPropertyExamples(toJson(d.querystring), d.examples?.querystring);
  if (d.params) out.params = withPropertyExamples(toJson(d.params), d.examples?.params);
  return { schema: out, url: path };
}

/**
 * Registers @fastify/swagger and the UI at /docs. Call it at the root, before any route is registered: swagger
 * collects routes with an onRoute hook, so it only sees routes added after it. /docs and its assets are not public:
 * the central auth hook asks for an operator (bearer token or desk session) like any other route.
 */
export async function openapiDocs(app: FastifyInstance, opts: { publicUrl?: string | null } = {}): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'woo-companion',
        version: '1.0.0',
        description: 'Operator API of woo-companion. Sign in with `Authorization: Bearer <ADMIN_TOKEN | FISCAL_TOKEN | operator token>` or the desk session. Errors are `{error, message, reqId}`.',
      },
      ...(opts.publicUrl ? { servers: [{ url: opts.publicUrl }] } : {}),
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN, FISCAL_TOKEN, or an operator token woo_op_<id>_<secret>' },
          session: { type: 'apiKey', in: 'cookie', name: 'woo_session', description: 'the desk session, after signing in at /desk/login' },
          metrics: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN' },
        },
      },
      security: SIGNED_IN,
    },
    transform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
}
