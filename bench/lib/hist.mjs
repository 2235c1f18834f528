// A small log-linear histogram of non-negative integers (microseconds): exact below 128, then 64
// sub-buckets per power of two (relative error under 1.6%). Mergeable across processes as plain arrays.
const SIZE = 2048;

export class Hist {
  constructor(counts) {
    this.counts = counts ? Float64Array.from(counts) : new Float64Array(SIZE);
    this.n = 0; this.max = 0; this.min = Infinity; this.sum = 0;
  }

  static index(v) {
    if (v < 128) return v;
    const e = 31 - Math.clz32(v) - 6;
    const i = 128 + (e - 1) * 64 + ((v >>> e) - 64);
    return i < SIZE ? i : SIZE - 1;
  }

  /** Upper bound of bucket i (the value reported for a percentile falling in it). */
  static upper(i) {
    if (i < 128) return i;
    const e = Math.floor((i - 128) / 64) + 1;
    const m = 64 + ((i - 128) % 64);
    return ((m + 1) << e) - 1;
  }

  add(v) {
    if (!(v >= 0)) v = 0;                 // clock jitter across processes: never negative
    v = Math.round(v);
    if (v > 2 ** 31 - 1) v = 2 ** 31 - 1;
    this.counts[Hist.index(v)]++;
    this.n++; this.sum += v;
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
  }

  merge(o) {
    for (let i = 0; i < SIZE; i++) this.counts[i] += o.counts[i];
    this.n += o.n; this.sum += o.sum;
    if (o.max > this.max) this.max = o.max;
    if (o.min < this.min) this.min = o.min;
  }

  percentile(p) {
    if (this.n === 0) return null;
    const rank = Math.ceil((p / 100) * this.n);
    let acc = 0;
    for (let i = 0; i < SIZE; i++) {
      acc += this.counts[i];
      if (acc >= rank) return Math.min(Hist.upper(i), this.max);
    }
    return this.max;
  }

  toJSON() {
    return { counts: Array.from(this.counts), n: this.n, max: this.max, min: this.min === Infinity ? 0 : this.min, sum: this.sum };
  }

  static fromJSON(j) {
    const h = new Hist(j.counts);
    h.n = j.n; h.max = j.max; h.min = j.n ? j.min : Infinity; h.sum = j.sum;
    return h;
  }

  /** Summary in milliseconds. */
  summaryMs() {
    const ms = (v) => (v == null ? null : Math.round(v / 10) / 100);
    return {
      count: this.n,
      p50: ms(this.percentile(50)), p90: ms(this.percentile(90)), p99: ms(this.percentile(99)),
      max: ms(this.n ? this.max : null), mean: this.n ? Math.round(this.sum / this.n / 10) / 100 : null,
    };
  }
}
