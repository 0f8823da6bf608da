/**
 * Shared plumbing of the fake review providers (reviews-own.ts, kiyoh.ts): a node:http server on 127.0.0.1:0 that
 * records every request (method, path, query, headers, parsed body, the status it got) and can inject faults the
 * way a proxy or rate limiter in front of the real service would: `failNext(n, {status, retryAfter})` answers before
 * the request reaches the service (nothing is stored), `timeoutAfterAccept(n)` lets the service store the request
 * and then never answers (the client times out; the invitation exists all the same), `delayNext(ms)` stores the next
 * request at once and answers it only after ms (a slow site: the call is still on the wire meanwhile).
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON; the raw text when it was not JSON; undefined when there was no body. */
  body: unknown;
  /** The status answered; null when the fake never answered (timeoutAfterAccept). */
  status: number | null;
}

export interface Fault {
  status: number;
  /** Sent as Retry-After (seconds, or an HTTP date string). */
  retryAfter?: number | string;
  /** Overrides the provider's usual error body for this status. */
  body?: unknown;
}

export interface Incoming {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** True when a body was sent but was not valid JSON. */
  badJson: boolean;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeControls {
  url: string;
  requests: RecordedRequest[];
  failNext(n: number, f: Fault): void;
  timeoutAfterAccept(n?: number): void;
  delayNext(ms: number): void;
  close(): Promise<void>;
}

export async function startFakeHttp(handle: (req: Incoming) => Reply, faultBody: (status: number) => unknown): Promise<FakeControls> {
  const faults: { remaining: number; fault: Fault }[] = [];
  let silent = 0;
  const delays: number[] = [];
  const requests: RecordedRequest[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw === '' ? undefined : raw;
      let badJson = false;
      if (raw !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          badJson = true;
        }
      }
      const rec: RecordedRequest = {
        method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers,
        body, status: null,
      };
      requests.push(rec);

      const answer = (r: Reply) => {
        rec.status = r.status;
        const headers: Record<string, string> = { ...r.headers };
        if (r.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
        res.writeHead(r.status, headers);
        res.end(r.body === undefined ? undefined : JSON.stringify(r.body));
      };

      const rule = faults.find((f) => f.remaining > 0);
      if (rule) {
        rule.remaining--;
        const { status, retryAfter, body: override } = rule.fault;
        return answer({
          status,
          body: override ?? faultBody(status),
          headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
        });
      }
      const reply = handle({ method: rec.method, path: rec.path, headers: req.headers, body, badJson });
      if (silent > 0) {
        silent--;
        return undefined; // accepted and stored, never answered
      }
      const delay = delays.shift();
      if (delay !== undefined) return void setTimeout(() => answer(reply), delay);
      return answer(reply);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext: (n, fault) => void faults.push({ remaining: n, fault }),
    timeoutAfterAccept: (n = 1) => void (silent += n),
    delayNext: (ms) => void delays.push(ms),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
