// Backoff and lockout after failed logins, per client address and per user name (pure state with an injected clock).

import type { WebLockoutConfig } from './web-config';

interface Entry {
  failures: number;
  blockedUntil: number;
}

/** How many keys are remembered per kind; the oldest go first (an attacker cycling names cannot grow memory). */
const MAX_KEYS = 10_000;

export type ThrottleVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * After `threshold` failures, each further attempt must wait baseDelay·2^(failures−threshold),
 * capped at maxDelay; an attempt inside the wait is refused without checking the password (so
 * guessing stays slow even with the right one). A success clears the user's and the address'
 * count. Both keys count: many names from one address, and one name from many addresses.
 */
export class LoginThrottle {
  private readonly byAddress = new Map<string, Entry>();
  private readonly byUser = new Map<string, Entry>();

  constructor(
    private readonly config: WebLockoutConfig,
    private readonly now: () => number = Date.now,
  ) {}

  check(address: string, user: string | undefined): ThrottleVerdict {
    const t = this.now();
    const waits = [this.byAddress.get(address), user !== undefined ? this.byUser.get(user.toLowerCase()) : undefined]
      .filter((e): e is Entry => e !== undefined && e.blockedUntil > t)
      .map((e) => e.blockedUntil - t);
    return waits.length === 0 ? { allowed: true } : { allowed: false, retryAfterMs: Math.max(...waits) };
  }

  /** Returns true when this failure starts (or lengthens) a lockout. */
  failed(address: string, user: string | undefined): boolean {
    const a = this.bump(this.byAddress, address);
    const u = user !== undefined ? this.bump(this.byUser, user.toLowerCase()) : false;
    return a || u;
  }

  succeeded(address: string, user: string): void {
    this.byAddress.delete(address);
    this.byUser.delete(user.toLowerCase());
  }

  private bump(map: Map<string, Entry>, key: string): boolean {
    const entry = map.get(key) ?? { failures: 0, blockedUntil: 0 };
    map.delete(key);
    entry.failures++;
    const over = entry.failures - this.config.threshold;
    if (over >= 0) {
      const delay = Math.min(this.config.maxDelayMs, this.config.baseDelayMs * 2 ** Math.min(over, 40));
      entry.blockedUntil = this.now() + delay;
    }
    map.set(key, entry);
    if (map.size > MAX_KEYS) map.delete(map.keys().next().value as string);
    return over >= 0;
  }
}
