// Open-loop load: request i is due at start + i/rate whatever happened to the ones before, and its
// latency runs from that intended time, not from when it was actually sent. A closed loop (each
// connection waits for its answer before sending again) sends less while the server stalls, and so
// hides the stall from its own percentiles; here a stall shows as the latency of every request
// that fell due during it.

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Resolves at or after `at` (a time of now()). */
  sleepUntil(at: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleepUntil: (at) =>
    new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now()))),
};

export interface OpenLoopOptions {
  /** Requests per second. */
  rate: number;
  durationMs: number;
  clock?: Clock;
  /** Sends one request; resolves when its answer is complete. A rejection is counted, not thrown. */
  send(): Promise<void>;
  /** Latency of a completed request, from its intended send time (ms). */
  record(latencyMs: number): void;
}

export interface OpenLoopResult {
  sent: number;
  failed: number;
  /** How far behind its schedule the sender ever was when it sent a request (ms): its own stall. */
  maxSendLagMs: number;
  elapsedMs: number;
}

/**
 * Sends `rate × duration` requests on schedule, then waits for the last answers. Requests that fell
 * due while the sender itself was held up go out at once, each timed from when it was due.
 */
export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const clock = o.clock ?? realClock;
  const interval = 1000 / o.rate;
  const total = Math.floor((o.durationMs * o.rate) / 1000);
  const start = clock.now();
  const inFlight = new Set<Promise<void>>();
  let failed = 0;
  let maxSendLagMs = 0;
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    if (clock.now() < due) await clock.sleepUntil(due);
    maxSendLagMs = Math.max(maxSendLagMs, clock.now() - due);
    const p = o.send().then(
      () => o.record(clock.now() - due),
      () => void failed++,
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }
  await Promise.all(inFlight);
  return { sent: total, failed, maxSendLagMs, elapsedMs: clock.now() - start };
}
