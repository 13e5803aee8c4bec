// A histogram of the current state rather than of events: the daemon counts each scan's idle times
// into fixed buckets (no object per socket) and publishes the last scan's counts on scrape.
import type { Histogram, Registry } from "prom-client";

export class SnapshotHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram";
  readonly aggregator = "sum";
  /** Upper bounds in the metric's unit; a +Inf bucket follows. */
  readonly bounds: readonly number[];
  private counts: Float64Array;
  private sum = 0;

  constructor(options: { name: string; help: string; bounds: readonly number[]; registry: Registry }) {
    this.name = options.name;
    this.help = options.help;
    this.bounds = options.bounds;
    this.counts = new Float64Array(options.bounds.length + 1);
    options.registry.registerMetric(this as unknown as Histogram);
  }

  /** Replaces the published counts: `counts[i]` observations in bucket i (not cumulative). */
  publish(counts: ArrayLike<number>, sum: number): void {
    this.counts = Float64Array.from(counts);
    this.sum = sum;
  }

  collect(): void {}

  get(): { name: string; help: string; type: string; aggregator: string; values: unknown[] } {
    const values: unknown[] = [];
    let cumulative = 0;
    this.counts.forEach((n, i) => {
      cumulative += n;
      const le = i < this.bounds.length ? String(this.bounds[i]) : "+Inf";
      values.push({ metricName: `${this.name}_bucket`, labels: { le }, value: cumulative });
    });
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.sum });
    values.push({ metricName: `${this.name}_count`, labels: {}, value: cumulative });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
