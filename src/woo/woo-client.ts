import https from 'node:https';
import type { Logger } from 'pino';
import * as WooCommerceRestApiModule from '@woocommerce/woocommerce-rest-api';
import { backoffMs, retryAfterMs } from './retry.js';

// The package's CJS build exports the class as `default`; ESM and CJS callers both land on the class.
interface WooApi {
  get(endpoint: string, params?: object): Promise<{ data: unknown; headers: unknown }>;
  post(endpoint: string, data: unknown, params?: object): Promise<{ data: unknown; headers: unknown }>;
  put(endpoint: string, data: unknown, params?: object): Promise<{ data: unknown; headers: unknown }>;
}
const interop = WooCommerceRestApiModule as unknown as { default: { default?: unknown } };
const WooCommerceRestApi = (interop.default.default ?? interop.default) as new (opts: Record<string, unknown>) => WooApi;

/** A failed WooCommerce REST call. The message names method, path, status and WooCommerce's error code only. */
export class WooError extends Error {
  constructor(
    readonly status: number | null,
    readonly code: string,
    readonly retryable: boolean,
    message: string,
  ) {
    super(message);
  }
  get safeMessage(): string {
    return this.message;
  }
}

export interface WooClientConfig {
  url: string;
  consumerKey: string;
  consumerSecret: string;
  timeoutMs: number;
  /** Extra CA (PEM) to trust, for shops with a private or self-signed certificate. */
  ca?: string | null;
  maxAttempts?: number;
  log: Logger;
  metrics?: { wooRequests: { inc(labels: { outcome: string }): void } };
  sleep?: (ms: number) => Promise<void>;
}

export interface WooResponse {
  data: unknown;
  headers: Record<string, string | undefined>;
}

/** Some shops send > 16 KB of response headers (Node's default limit: "Header overflow" since WC 8.7). */
const MAX_HEADER_BYTES = 256 * 1024;

/**
 * The shop's REST API v3 through @woocommerce/woocommerce-rest-api, made production-safe: an explicit timeout
 * (the library has none), retries with backoff on 429 (honouring Retry-After), 5xx and network errors, a large
 * response-header limit, Basic auth over HTTPS only, and no `axiosConfig.headers` (it would replace the library's).
 */
export function createWooClient(cfg: WooClientConfig) {
  const agent = new https.Agent({ keepAlive: true, ca: cfg.ca ?? undefined });
  const api = new WooCommerceRestApi({
    url: cfg.url,
    consumerKey: cfg.consumerKey,
    consumerSecret: cfg.consumerSecret,
    version: 'wc/v3',
    queryStringAuth: false,
    timeout: cfg.timeoutMs,
    axiosConfig: {
      httpsAgent: agent,
      maxRedirects: 0,
      // Our own transport only to raise Node's response-header limit; everything else is https.request.
      transport: { request: (opts: https.RequestOptions, cb: never) => https.request({ ...opts, maxHeaderSize: MAX_HEADER_BYTES }, cb) },
    },
  });
  const maxAttempts = cfg.maxAttempts ?? 4;
  const sleep = cfg.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  async function request(method: 'get' | 'post' | 'put', endpoint: string, params: Record<string, unknown> = {}, data?: unknown): Promise<WooResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = method === 'get' ? await api.get(endpoint, params) : await api[method](endpoint, data, params);
        cfg.metrics?.wooRequests.inc({ outcome: 'ok' });
        return { data: res.data, headers: res.headers as Record<string, string | undefined> };
      } catch (err) {
        const e = toWooError(err, method, endpoint);
        cfg.metrics?.wooRequests.inc({ outcome: e.status ? String(e.status) : 'network' });
        // A POST that may have reached the shop is not repeated (it would create twice); 429 and refused are safe.
        const safeToRepeat = method !== 'post' || e.status === 429 || e.code === 'ECONNREFUSED';
        if (!e.retryable || !safeToRepeat || attempt >= maxAttempts) throw e;
        const headers = (err as { response?: { headers?: Record<string, string> } }).response?.headers;
        const wait = e.status === 429 ? retryAfterMs(headers?.['retry-after']) ?? backoffMs(attempt) : backoffMs(attempt);
        cfg.log.warn({ method, endpoint: redactIds(endpoint), status: e.status, code: e.code, attempt, waitMs: wait }, 'WooCommerce request failed; retrying');
        await sleep(wait);
      }
    }
  }

  return {
    get: (endpoint: string, params?: Record<string, unknown>) => request('get', endpoint, params),
    post: (endpoint: string, data: unknown) => request('post', endpoint, {}, data),
    put: (endpoint: string, data: unknown) => request('put', endpoint, {}, data),
    close: () => agent.destroy(),
  };
}

export type WooClient = ReturnType<typeof createWooClient>;

const redactIds = (endpoint: string) => endpoint.replace(/\/\d+/g, '/:id');

function toWooError(err: unknown, method: string, endpoint: string): WooError {
  const e = err as { response?: { status?: number; data?: { code?: unknown } }; code?: string };
  const where = `${method.toUpperCase()} ${redactIds(endpoint)}`;
  if (e.response?.status) {
    const status = e.response.status;
    const code = typeof e.response.data?.code === 'string' ? e.response.data.code : `http_${status}`;
    const retryable = status === 429 || status === 408 || status >= 500;
    return new WooError(status, code, retryable, `WooCommerce ${where} answered ${status} (${code})`);
  }
  const code = e.code ?? 'network_error';
  // Certificate problems will not fix themselves; timeouts, resets and refused connections may.
  const retryable = !/CERT|SSL|ERR_TLS|DEPTH_ZERO|SELF_SIGNED/i.test(code) && code !== 'ERR_INVALID_URL';
  return new WooError(null, code, retryable, `WooCommerce ${where} failed: ${code}`);
}
