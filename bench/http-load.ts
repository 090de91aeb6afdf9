// The bench's own load generator over node:http keep-alive connections: a closed loop (N
// connections, each sending its next request when the last is answered) for throughput, and the
// open loop of open-loop.ts for latency at a fixed rate. Every answer is checked: anything but
// HTTP 200 with no GraphQL `errors` is a failure, and a run with a failure is refused (RunFailed).
import http from 'node:http';
import { LogHistogram } from './histogram.js';
import { openLoop } from './open-loop.js';
import type { Scenario } from './scenarios.js';

export class RunFailed extends Error {}

/** What a failed answer was: its status and its errors' codes (never their messages: they may name people). */
async function describe(status: number, body: Buffer): Promise<string> {
  try {
    const json = JSON.parse(body.toString('utf8')) as {
      errors?: { extensions?: { code?: string } }[];
    };
    return `HTTP ${status} ${JSON.stringify(json.errors?.map((e) => e.extensions?.code ?? '?') ?? [])}`;
  } catch {
    return `HTTP ${status} (body not JSON)`;
  }
}

// A GraphQL response with errors has a top-level "errors" member; none of the scenarios' fields
// or aliases is named so, and a string value's quotes would be escaped.
const ERRORS = Buffer.from('"errors":');

/** Sends one scenario's request to one server. */
export class Sender {
  private readonly agent: http.Agent;
  private readonly url: URL;
  private readonly body: Buffer;
  private readonly headers: Record<string, string | number>;
  failures = 0;
  firstFailure: string | null = null;
  /** Requests sent again after the keep-alive race (see attempt). */
  retries = 0;

  constructor(base: string, scenario: Scenario, maxSockets: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
    this.url = new URL('/graphql', base);
    this.body = Buffer.from(scenario.body);
    this.headers = { ...scenario.headers, 'content-length': this.body.length };
  }

  /** Resolves on a good answer; rejects (and counts) a bad one or a transport error. */
  send(): Promise<void> {
    return new Promise((resolve, reject) => this.attempt(resolve, reject, true));
  }

  private attempt(resolve: () => void, reject: (e: Error) => void, mayRetry: boolean): void {
    const req = http.request(
      this.url,
      { method: 'POST', agent: this.agent, headers: this.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => this.fail(err.message, reject));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          if (res.statusCode === 200 && !body.includes(ERRORS)) return resolve();
          void describe(res.statusCode ?? 0, body).then((d) => this.fail(d, reject));
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The keep-alive race (node's docs, request.reusedSocket): the server closed an idle
      // connection as this request went out on it, before any answer. Sent again once, on a new
      // connection, timed from the first send; counted, and reported.
      if (mayRetry && req.reusedSocket && err.code === 'ECONNRESET') {
        this.retries++;
        return this.attempt(resolve, reject, false);
      }
      this.fail(err.message, reject);
    });
    req.end(this.body);
  }

  private fail(what: string, reject: (e: Error) => void): void {
    this.failures++;
    this.firstFailure ??= what;
    reject(new RunFailed(what));
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface LoadRun {
  requests: number;
  failures: number;
  firstFailure: string | null;
  /** Requests sent a second time after the keep-alive race (a reset before any answer). */
  retries: number;
  elapsedMs: number;
  histogram: LogHistogram;
  /** Open loop only: how far the sender itself ever fell behind its schedule (ms). */
  maxSendLagMs?: number;
}

function summary(senders: Sender[], requests: number, elapsedMs: number, histogram: LogHistogram) {
  return {
    requests,
    failures: senders.reduce((n, s) => n + s.failures, 0),
    firstFailure: senders.find((s) => s.firstFailure)?.firstFailure ?? null,
    retries: senders.reduce((n, s) => n + s.retries, 0),
    elapsedMs,
    histogram,
  };
}

/** `connections` loops, spread round-robin over the senders (one per server), for `seconds`. */
export async function closedLoop(
  senders: Sender[],
  connections: number,
  seconds: number,
): Promise<LoadRun> {
  const histogram = new LogHistogram();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let requests = 0;
  const loop = async (sender: Sender) => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      // A failure is counted by the sender; the loop goes on, and the run is refused at the end.
      const ok = await sender.send().then(
        () => true,
        () => false,
      );
      if (ok) histogram.record(performance.now() - sent);
      requests++;
    }
  };
  await Promise.all(
    Array.from({ length: connections }, (_, i) => loop(senders[i % senders.length]!)),
  );
  return summary(senders, requests, performance.now() - start, histogram);
}

/** Requests at `rate` per second for `seconds`, each timed from its intended send time. */
export async function openLoopRun(sender: Sender, rate: number, seconds: number): Promise<LoadRun> {
  const histogram = new LogHistogram();
  const r = await openLoop({
    rate,
    durationMs: seconds * 1000,
    send: () => sender.send(),
    record: (ms) => histogram.record(ms),
  });
  return { ...summary([sender], r.sent, r.elapsedMs, histogram), maxSendLagMs: r.maxSendLagMs };
}
