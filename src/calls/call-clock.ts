// The time a call controller reads and the timers it sets: the system clock in production, the simulator's virtual clock in tests.

export interface CallClock {
  /** Microseconds since the epoch, the unit of FreeSWITCH's Event-Date-Timestamp. */
  nowMicros(): number;
  /** Runs `fn` after `ms`; cancel() before it ran prevents it. */
  setTimer(ms: number, fn: () => void): { cancel(): void };
}

export const systemClock: CallClock = {
  nowMicros: () => Date.now() * 1000,
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, Math.max(0, Math.min(ms, 2_147_483_647)));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
