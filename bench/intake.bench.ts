import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueName } from '../src/jobs.js';
import { createBenchSchema, dropBenchSchema, REDIS_URL, schemaPool, settings, uniqueName } from './common.js';
import { orderSpecs, orderTemplate, signBody, webhookHeaders } from './fixtures.js';
import { startChild } from './processes.js';
import { type CpuSeconds, meterCpu } from './cpu.js';

/**
 * Intake: signed ~2.5 KB order.updated webhooks, every body distinct, N connections for D seconds, against the real
 * API in its own process (workers stopped; the relay runs as in `start:api`), versus a bare Fastify route that
 * reads the same bodies and answers 200. Same machine, same run, same load generator settings.
 */

export interface LoadResult {
  requestsPerSec: number;
  requestsTotal: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  bodyBytes: number;
  /** CPU used during the measured window (not the warm-up). */
  cpu?: CpuSeconds;
}

export interface IntakeResult {
  connections: number;
  durationSec: number;
  warmupSec: number;
  relayRunning: boolean;
  bodyBytesAvg: number;
  /** The median round's figures (by app/bare ratio); every round is in `rounds`. */
  bare: LoadResult;
  app: LoadResult;
  /** Bare and app measured alternately, each round a fresh process of each (settings.intakeRounds). */
  rounds: { bare: LoadResult; app: LoadResult; ratio: number }[];
  /** Inbox rows written by the app run (warm-up + measured): the 200 answers, plus up to one in-flight request per connection and run. */
  inboxRows: number;
  /** Answers 200 counted by the load generator (warm-up + measured, every round). */
  answered200: number;
  /** The median round's app/bare ratio. */
  ratio: number;
  /** The median of the rounds' app p99 latencies (judged against the target). */
  appP99MedianMs: number;
  /**
   * Reference servers measured in the same run (bench/intake-references.ts), each with its share of bare: the issue's
   * naive verify-parse-queue.add, and the least intake that still commits to Postgres before its 200. They run in the
   * first round; their ratios are to that round's bare figure, and appOfFloor compares that round's app.
   */
  references: { naive: LoadResult & { ratio: number }; floor: LoadResult & { ratio: number }; appOfFloor: number } | null;
  target: { minRatio: number; maxP99Ms: number };
  /** allCommitted: every answer 200 is an inbox row (a 200 means committed to Postgres). p99: the median round's p99. */
  met: { ratio: boolean; p99: boolean; zeroNon2xx: boolean; allCommitted: boolean };
}

const TEMPLATES = 500;
/** Distinct bodies are prepared for this rate; above it bodies would repeat (reported as a warning). */
const MAX_RATE = 16_000;

/** What autocannon@9's per-connection request iterator holds (not in its typings; autocannon is pinned). */
interface RequestIteratorInternals {
  requests: { requestBuffer: Buffer }[];
  currentRequestIndex: number;
  currentRequest: { requestBuffer: Buffer };
}

/**
 * Unique, correctly signed bodies: a template per simulated person, a fresh order id per request.
 *
 * Every connection replays its own list of ready-made HTTP/1.1 request buffers, prepared before autocannon
 * starts. Cheaper options measured worse: signing in autocannon's setupRequest (rebuilds the request each time)
 * left the generator CPU-bound at ~2/3 of its static-body rate against the bare route, and client.setRequests()
 * (~50 ms per connection) stalls the first connections' requests for seconds. So the lists are installed
 * straight into each client's request iterator.
 */
export function bodySource() {
  const templates = orderSpecs(TEMPLATES, 1, 7).map(({ person, customerId, seed }) => orderTemplate({ person, customerId, seed }));
  const headers = webhookHeaders('order.updated');
  let seq = 0;
  let bytes = 0;
  let built = 0;

  function request(host: string, path: string): { requestBuffer: Buffer } {
    const n = ++seq;
    const body = Buffer.from(templates[n % TEMPLATES]!.join(String(1_000_000_000 + n)));
    bytes += body.length;
    built++;
    const head = [`POST ${path} HTTP/1.1`, `Host: ${host}`, 'Connection: keep-alive',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      `x-wc-webhook-signature: ${signBody(body)}`, `Content-Length: ${body.length}`, '', ''].join('\r\n');
    return { requestBuffer: Buffer.concat([Buffer.from(head, 'latin1'), body]) };
  }

  return {
    /** One list of `perConnection` requests for each connection. */
    prepare(url: URL, connections: number, perConnection: number) {
      return Array.from({ length: connections }, () => Array.from({ length: perConnection }, () => request(url.host, url.pathname)));
    },
    avgBytes: () => (built ? Math.round(bytes / built) : 0),
  };
}

function install(client: autocannon.Client, list: { requestBuffer: Buffer }[]): void {
  const it = (client as unknown as { requestIterator?: RequestIteratorInternals }).requestIterator;
  if (!it || !Array.isArray(it.requests) || typeof it.currentRequestIndex !== 'number') {
    throw new Error('autocannon internals changed (client.requestIterator); update bench/intake.bench.ts');
  }
  it.requests = list;
  it.currentRequestIndex = 0;
  it.currentRequest = list[0]!;
}

/**
 * `dedupes`: the server answers a repeated body as a duplicate (a cheaper path), so repeats would flatter its figure
 * and are worth a warning; the bare route answers every body alike, and on a fast machine outruns the prepared bodies.
 */
export async function load(url: string, durationSec: number, src: ReturnType<typeof bodySource>, dedupes = true): Promise<LoadResult> {
  const connections = settings.intakeConnections;
  const perConnection = Math.ceil((MAX_RATE * durationSec) / connections);
  const lists = src.prepare(new URL(url), connections, perConnection);
  let next = 0;
  const r = await autocannon({
    url, // the path is part of the URL: autocannon has no top-level `path` option
    method: 'POST',
    connections,
    pipelining: 1,
    duration: durationSec,
    ...(settings.intakeRate ? { overallRate: settings.intakeRate } : {}),
    setupClient: (client) => install(client, lists[next++]!),
  });
  const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v?.count ?? 0]));
  const capacity = perConnection * connections;
  if (dedupes && r.requests.sent > capacity) console.error(`  warning: ${r.requests.sent} requests sent but only ${capacity} distinct bodies prepared; bodies repeated`);
  return {
    requestsPerSec: r.requests.average,
    requestsTotal: r.requests.total,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyMaxMs: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
    bodyBytes: src.avgBytes(),
  };
}

interface Measured { warm: LoadResult; result: LoadResult }

async function measure(mode: 'bare' | 'app' | 'floor' | 'naive', env: Record<string, string>, src: ReturnType<typeof bodySource>, durationSec: number): Promise<Measured> {
  const child = startChild(mode, env);
  const meterPool = schemaPool(env.BENCH_SCHEMA!, 1);
  try {
    const { port } = await child.next('listening');
    const url = `http://127.0.0.1:${port}/webhooks/woocommerce`;
    // Every server starts from a clean checkpoint: none pays for the dirty pages and WAL of the one before it.
    await meterPool.query('CHECKPOINT').catch(() => undefined);
    process.stdout.write(`  ${mode}: warm-up ${settings.intakeWarmup} s … `);
    const warm = await load(url, settings.intakeWarmup, src, mode !== 'bare');
    process.stdout.write(`measuring ${durationSec} s … `);
    const stopMeter = await meterCpu(child.proc.pid, meterPool);
    const result = await load(url, durationSec, src, mode !== 'bare');
    result.cpu = await stopMeter();
    process.stdout.write(`${Math.round(result.requestsPerSec)} req/s\n`);
    return { warm, result };
  } finally {
    await meterPool.end();
    await child.stop();
  }
}

/** The item whose key is the median (the lower middle one for an even count). */
function medianBy<T>(items: T[], key: (x: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** `durationSec`: the measured load per server (default BENCH_DURATION); a figure only reported may take less. */
export async function runIntakeBench(opts: { references?: boolean; rounds?: number; durationSec?: number } = {}): Promise<IntakeResult> {
  const durationSec = opts.durationSec ?? settings.intakeDuration;
  const schema = await createBenchSchema('intake');
  const prefix = uniqueName('bench-intake').replace(/_/g, '-');
  const env = { BENCH_SCHEMA: schema, BENCH_QUEUE_PREFIX: prefix, BENCH_INTAKE_RELAY: settings.intakeRelay ? '1' : '0' };
  const roundCount = opts.rounds ?? 1;
  try {
    const src = bodySource();
    const measured: { bare: Measured; app: Measured }[] = [];
    let references: { naive: LoadResult; floor: LoadResult } | null = null;
    for (let i = 0; i < roundCount; i++) {
      if (roundCount > 1) console.log(`  round ${i + 1} of ${roundCount}`);
      const bare = await measure('bare', env, src, durationSec);
      // The references run once, in the first round, against that round's bare figure.
      if (i === 0 && opts.references) references = { naive: (await measure('naive', env, src, durationSec)).result, floor: (await measure('floor', env, src, durationSec)).result };
      measured.push({ bare, app: await measure('app', env, src, durationSec) });
    }

    const pool = schemaPool(schema, 1);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_inbox');
    await pool.end();
    const inboxRows = rows[0]!.n;
    const answered = (r: LoadResult) => r.statusCodes['200'] ?? 0;
    // Requests still in flight when autocannon stops may commit without their answer being counted.
    const counted = measured.reduce((n, { app }) => n + answered(app.warm) + answered(app.result), 0);
    if (inboxRows < counted || inboxRows > counted + 2 * settings.intakeConnections * roundCount) {
      console.error(`  warning: ${inboxRows} inbox rows for ${counted} answers 200 (duplicates or lost rows?)`);
    }

    const rounds = measured.map(({ bare, app }) => ({ bare: bare.result, app: app.result, ratio: app.result.requestsPerSec / bare.result.requestsPerSec }));
    const { bare, app, ratio } = medianBy(rounds, (r) => r.ratio);
    const first = rounds[0]!.bare;
    const ofFirstBare = (r: LoadResult) => r.requestsPerSec / first.requestsPerSec;
    const target = { minRatio: 0.4, maxP99Ms: 25 };
    const medianP99 = medianBy(rounds, (r) => r.app.latencyP99Ms).app.latencyP99Ms;
    return {
      connections: settings.intakeConnections,
      durationSec,
      warmupSec: settings.intakeWarmup,
      relayRunning: settings.intakeRelay,
      bodyBytesAvg: app.bodyBytes,
      bare,
      app,
      rounds,
      inboxRows,
      answered200: counted,
      ratio,
      appP99MedianMs: medianP99,
      references: references && {
        naive: { ...references.naive, ratio: ofFirstBare(references.naive) },
        floor: { ...references.floor, ratio: ofFirstBare(references.floor) },
        appOfFloor: rounds[0]!.app.requestsPerSec / references.floor.requestsPerSec,
      },
      target,
      met: {
        ratio: ratio >= target.minRatio,
        p99: medianP99 <= target.maxP99Ms,
        zeroNon2xx: measured.flatMap(({ bare: b, app: a }) => [b.warm, b.result, a.warm, a.result]).every((r) => r.non2xx === 0 && r.errors === 0),
        allCommitted: inboxRows >= counted,
      },
    };
  } finally {
    await obliterate(prefix);
    await dropBenchSchema(schema);
  }
}

/** Removes every key the run left in Redis under its private prefix. */
export async function obliterate(prefix: string): Promise<void> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queues = Object.values(QueueName).map((name) => new Queue(name, { connection, prefix }));
  await Promise.all(queues.map((q) => q.obliterate({ force: true }).catch(() => undefined)));
  await Promise.all(queues.map((q) => q.close()));
  connection.disconnect();
}
