// The bench's statistics helpers (bench/stats.ts, histogram.ts, open-loop.ts): exact outcomes on
// fixed inputs and a fake clock, nothing timed.
import { describe, expect, it } from 'vitest';
import { LogHistogram } from '../../bench/histogram.js';
import { openLoop, type Clock } from '../../bench/open-loop.js';
import { bootstrapMedian, median, quantileSorted } from '../../bench/stats.js';

describe('bootstrap interval of the median', () => {
  it('is the median itself when every round agrees', () => {
    expect(bootstrapMedian([0.9, 0.9, 0.9, 0.9, 0.9])).toEqual({
      median: 0.9,
      low: 0.9,
      high: 0.9,
    });
  });

  it('lies within the rounds, holds the median, and is the same for the same seed', () => {
    const xs = [0.82, 0.95, 0.88, 0.91, 0.86, 0.9, 0.87];
    const a = bootstrapMedian(xs, { seed: 7 });
    expect(a.median).toBe(0.88);
    expect(a.low).toBeGreaterThanOrEqual(0.82);
    expect(a.high).toBeLessThanOrEqual(0.95);
    expect(a.low).toBeLessThanOrEqual(0.88);
    expect(a.high).toBeGreaterThanOrEqual(0.88);
    expect(bootstrapMedian(xs, { seed: 7 })).toEqual(a);
  });

  it('narrows as rounds that agree are added', () => {
    const few = bootstrapMedian([0.8, 0.9, 1.0]);
    const many = bootstrapMedian([0.8, 0.9, 1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]);
    expect(many.high - many.low).toBeLessThan(few.high - few.low);
    expect(many).toEqual({ median: 0.9, low: 0.9, high: 0.9 });
  });

  it('median and quantiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantileSorted([10, 20, 30, 40, 50], 0.25)).toBe(20);
    expect(quantileSorted([10, 20], 0.5)).toBe(15);
  });
});

describe('log-bucket histogram', () => {
  it('reads percentiles to within 1% above the true value', () => {
    const h = new LogHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i);
    for (const [p, exact] of [
      [50, 500],
      [99, 990],
      [100, 1000],
    ] as const) {
      expect(h.percentile(p)).toBeGreaterThanOrEqual(exact);
      expect(h.percentile(p)).toBeLessThanOrEqual(exact * 1.01);
    }
    expect(h.count).toBe(1000);
    expect(h.mean).toBe(500.5);
    expect(h.max).toBe(1000);
  });

  it('merging runs equals recording them all in one', () => {
    const a = new LogHistogram();
    const b = new LogHistogram();
    const all = new LogHistogram();
    for (let i = 0; i < 300; i++) {
      const x = 5 + ((i * 37) % 101);
      (i % 3 ? a : b).record(x);
      all.record(x);
    }
    b.record(2500); // one stall in one run
    all.record(2500);
    const merged = LogHistogram.merged([a, b]);
    expect(merged.count).toBe(all.count);
    expect(merged.max).toBe(2500);
    expect(merged.mean).toBeCloseTo(all.mean, 9);
    for (const p of [1, 50, 90, 99, 99.9, 100])
      expect(merged.percentile(p)).toBe(all.percentile(p));
    // The stall is the run's slowest request: p99.9 of 301 values is it.
    expect(merged.percentile(99.9)).toBe(2500);
  });

  it('refuses what is not a latency', () => {
    expect(() => new LogHistogram().record(-1)).toThrow('not a latency');
    expect(() => new LogHistogram().record(NaN)).toThrow('not a latency');
  });
});

/** A clock that moves only when the loop sleeps or a test says so; timers fire in time order. */
function fakeClock() {
  let now = 0;
  const timers: { at: number; fire: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    sleepUntil: (at) =>
      new Promise((resolve) => {
        timers.push({ at, fire: resolve });
        timers.sort((x, y) => x.at - y.at);
      }),
  };
  /** Runs timers until none is left, letting promises settle between them. */
  const run = async (done: Promise<unknown>) => {
    let finished = false;
    void done.finally(() => (finished = true));
    while (!finished) {
      await new Promise((r) => setImmediate(r));
      const t = timers.shift();
      if (!t) continue;
      now = Math.max(now, t.at);
      t.fire();
    }
  };
  return { clock, run, advance: (ms: number) => (now += ms) };
}

describe('open-loop scheduler', () => {
  it('sends rate × duration requests on schedule and times each from its intended send', async () => {
    const { clock, run } = fakeClock();
    const sentAt: number[] = [];
    const latencies: number[] = [];
    const done = openLoop({
      rate: 100,
      durationMs: 100,
      clock,
      // The server answers in 3 ms.
      send: () => {
        sentAt.push(clock.now());
        return clock.sleepUntil(clock.now() + 3);
      },
      record: (ms) => latencies.push(ms),
    });
    await run(done);
    const r = await done;
    expect(r).toMatchObject({ sent: 10, failed: 0, maxSendLagMs: 0 });
    expect(sentAt).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(latencies).toEqual(Array(10).fill(3));
  });

  it('does not hide a stall: requests due during it count the wait from when they were due', async () => {
    const { clock, run, advance } = fakeClock();
    const latencies: number[] = [];
    let n = 0;
    const done = openLoop({
      rate: 100,
      durationMs: 100,
      clock,
      send: () => {
        // The 3rd send holds the sender for 45 ms (a stall); every answer takes 2 ms.
        if (++n === 3) advance(45);
        return clock.sleepUntil(clock.now() + 2);
      },
      record: (ms) => latencies.push(ms),
    });
    await run(done);
    const r = await done;
    expect(r.sent).toBe(10);
    expect(r.maxSendLagMs).toBe(35); // request 4 was due at 30, sent at 65
    // Request 3 (due 20) is answered at 67; 4–7 (due 30, 40, 50, 60) go out at 65, answered at 67.
    expect(latencies).toEqual([2, 2, 47, 37, 27, 17, 7, 2, 2, 2]);
  });

  it('counts a failed request and goes on', async () => {
    const { clock, run } = fakeClock();
    let n = 0;
    const done = openLoop({
      rate: 10,
      durationMs: 500,
      clock,
      send: () => (++n === 2 ? Promise.reject(new Error('HTTP 500')) : Promise.resolve()),
      record: () => undefined,
    });
    await run(done);
    expect(await done).toMatchObject({ sent: 5, failed: 1 });
  });
});
