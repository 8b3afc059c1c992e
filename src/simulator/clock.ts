// Virtual time: the simulator's notion of "now" in µs, advanced only on request.

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

export interface TimerHandle {
  cancel(): void;
}

/**
 * A 30 s call must take milliseconds: nothing here waits in real time. Timers run in time
 * order when `advance` moves the clock past them; ties run in the order they were set.
 */
export class VirtualClock {
  private nowUs: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(startMs: number = Date.UTC(2026, 10, 22, 11, 10, 0)) {
    this.nowUs = Math.round(startMs * 1000);
  }

  /** Microseconds since the epoch, like Event-Date-Timestamp. */
  get now(): number {
    return this.nowUs;
  }

  get nowMs(): number {
    return Math.floor(this.nowUs / 1000);
  }

  /** Moves time forward by a few µs so events of one step keep distinct, increasing stamps. */
  tick(us = 20): void {
    this.nowUs += us;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { at: this.nowUs + Math.max(0, Math.round(ms * 1000)), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Runs every timer due within `ms`, in order, then sets the clock to the end of the span. */
  advance(ms: number): void {
    const end = this.nowUs + Math.round(ms * 1000);
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: Timer | undefined;
      for (const t of this.timers) if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (next === undefined) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      if (next.at > this.nowUs) this.nowUs = next.at;
      next.fn();
    }
    if (end > this.nowUs) this.nowUs = end;
  }

  /** When the earliest pending timer is due (µs), if any. */
  nextDue(): number | undefined {
    let at: number | undefined;
    for (const t of this.timers) if (!t.cancelled && (at === undefined || t.at < at)) at = t.at;
    return at;
  }

  /** Moves the clock to `us` (never backwards) without running timers. */
  setNow(us: number): void {
    if (us > this.nowUs) this.nowUs = us;
  }

  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** Event-Date-Local: "2026-11-22 11:10:03" (the simulated host runs on UTC). */
export function dateLocal(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Event-Date-GMT: "Sun, 22 Nov 2026 11:10:03 GMT". */
export function dateGmt(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} GMT`;
}

/** RFC2822_DATE variable: "Sun, 22 Nov 2026 11:10:03 +0000". */
export function rfc2822(us: number): string {
  return dateGmt(us).replace(/GMT$/, '+0000');
}
