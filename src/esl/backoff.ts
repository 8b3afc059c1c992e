// Jittered exponential backoff ("full jitter"): spreads reconnects of many daemons apart.

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly random?: () => number;
}

export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const cap = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  const random = options.random ?? Math.random;
  // Never below half the cap: a daemon that retries at 0 ms in a tight loop helps nobody.
  return Math.round(cap / 2 + (random() * cap) / 2);
}
