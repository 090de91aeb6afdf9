// Latency histogram with logarithmic buckets: each bucket is 1% wider than the one before, so any
// percentile is read to within 1% of the true value, whatever the range (0.01 ms to minutes), in
// a few hundred counters. Histograms of separate runs merge by adding counts.

const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** The smallest latency told apart from zero: 1 µs. */
const MIN_MS = 0.001;

export class LogHistogram {
  private readonly counts = new Map<number, number>();
  private total = 0;
  private sum = 0;
  private largest = 0;

  /** Bucket i holds values in (MIN·G^(i−1), MIN·G^i]; everything at or below MIN is bucket 0. */
  private static bucketOf(ms: number): number {
    return ms <= MIN_MS ? 0 : Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH);
  }

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`not a latency: ${ms}`);
    const b = LogHistogram.bucketOf(ms);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.total++;
    this.sum += ms;
    if (ms > this.largest) this.largest = ms;
  }

  /** Adds `other`'s counts to this one (runs of the same server and scenario). */
  merge(other: LogHistogram): this {
    for (const [b, n] of other.counts) this.counts.set(b, (this.counts.get(b) ?? 0) + n);
    this.total += other.total;
    this.sum += other.sum;
    this.largest = Math.max(this.largest, other.largest);
    return this;
  }

  get count(): number {
    return this.total;
  }

  /** The exact mean of the recorded values. */
  get mean(): number {
    return this.total ? this.sum / this.total : NaN;
  }

  get max(): number {
    return this.largest;
  }

  /**
   * The value at percentile p (0–100): the upper edge of the bucket holding the ceil(p% · n)-th
   * smallest value (capped at the largest recorded), so never under the true value and at most 1% over.
   */
  percentile(p: number): number {
    if (!this.total) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      seen += this.counts.get(b)!;
      if (seen >= rank) return Math.min(MIN_MS * GROWTH ** b, this.largest);
    }
    return this.largest;
  }

  static merged(histograms: readonly LogHistogram[]): LogHistogram {
    return histograms.reduce((acc, h) => acc.merge(h), new LogHistogram());
  }
}
