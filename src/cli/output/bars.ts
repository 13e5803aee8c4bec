// Horizontal bars for histograms (status's idle histogram, top's header), in eighths of a cell so
// that small counts still show, scaled to the largest bucket.
const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** A bar `width` cells long for `value` out of `max`; a non-zero value always shows at least ▏. */
export function bar(value: number, max: number, width: number): string {
  if (value <= 0 || max <= 0) return "";
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  return "█".repeat(Math.floor(eighths / 8)) + (EIGHTHS[eighths % 8] as string);
}

export interface Bucket {
  le: string;
  count: number;
}

/** A bucket's label as people read it: `≤1s`, and `>1d` for the last (+Inf) one. */
export function bucketName(bucket: Bucket, previous: Bucket | undefined): string {
  return bucket.le === "+Inf" ? `>${previous?.le ?? "0"}` : `≤${bucket.le}`;
}

/** One line per bucket: label, bar, count; an empty histogram is one line that says so. */
export function histogramLines(buckets: readonly Bucket[], width = 30): string[] {
  const max = Math.max(0, ...buckets.map((b) => b.count));
  if (max === 0) return ["none"];
  const labels = buckets.map((b, i) => bucketName(b, buckets[i - 1]));
  const pad = Math.max(...labels.map((l) => l.length));
  return buckets.map((b, i) => {
    const drawn = bar(b.count, max, width);
    return `${(labels[i] as string).padEnd(pad)} ${drawn.padEnd(width)} ${b.count}`.trimEnd();
  });
}
