// The latency marks and summaries parts 3 and 4 of `make bench` share, so their figures are taken the same way.

import { performance } from 'node:perf_hooks';

/**
 * Milliseconds on the machine's clock, comparable across the two processes: each process's
 * high-resolution origin plus its monotonic time since.
 */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** p50, p99 and the largest of `values` (NaN for none). */
export function stats(values: readonly number[]): { p50: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1] ?? NaN };
}
