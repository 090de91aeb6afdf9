// The bench's statistics: medians, and a percentile-bootstrap 95% confidence interval of the median
// of per-round ratios. The resampling is seeded, so a table regenerated from the same rounds is the
// same table.

export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The q-quantile (0..1) of sorted values, by linear interpolation between the closest ranks. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Interval {
  median: number;
  low: number;
  high: number;
}

/**
 * The median of `xs` and the percentile bootstrap's 95% interval for it: `iterations` resamples
 * of xs with replacement, the 2.5th and 97.5th percentiles of their medians. With few rounds the
 * interval cannot be narrower than the rounds' own spread near the median: that is its honesty.
 */
export function bootstrapMedian(
  xs: readonly number[],
  { iterations = 10_000, seed = 1, level = 0.95 } = {},
): Interval {
  if (!xs.length) return { median: NaN, low: NaN, high: NaN };
  const random = seededRandom(seed);
  const medians = new Float64Array(iterations);
  const sample = new Array<number>(xs.length);
  for (let i = 0; i < iterations; i++) {
    for (let j = 0; j < xs.length; j++) sample[j] = xs[Math.floor(random() * xs.length)]!;
    medians[i] = median(sample);
  }
  medians.sort();
  const tail = (1 - level) / 2;
  return {
    median: median(xs),
    low: quantileSorted(Array.from(medians), tail),
    high: quantileSorted(Array.from(medians), 1 - tail),
  };
}
