// How much of one turn of the event loop a source of work has used, so it can let the rest run.

import { performance } from 'node:perf_hooks';

/**
 * Work that arrives without I/O in between never lets the event loop poll its sockets or run
 * its timers: libuv reads a busy socket up to 32 times per turn, and better-sqlite3 answers an
 * awaited knex query within the microtask checkpoint that asked it (a hundred call controllers
 * reading consent and writing evidence ran query after query; the load bench saw 150–400 ms
 * stalls, mostly microtasks). A budget marks when its work began in the current turn (the
 * first `used()` of a turn; a setImmediate ends the turn) and says when `sliceMs` of it are
 * spent; the work then waits for the next turn: the ESL connection pauses its socket, SQLite
 * queries await `pause()`.
 */
export class TurnBudget {
  private turnStarted = 0;
  /** A setImmediate is pending that marks the end of the current turn. */
  private inTurn = false;
  /** How often `pause()` had to wait for the next turn (tests, diagnostics). */
  yields = 0;

  constructor(private readonly sliceMs: number) {}

  /** Whether this turn's slice is spent; the first call of a turn starts the slice and says no. */
  used(): boolean {
    const now = performance.now();
    if (!this.inTurn) {
      this.inTurn = true;
      this.turnStarted = now;
      setImmediate(() => {
        this.inTurn = false;
      });
      return false;
    }
    return now - this.turnStarted >= this.sliceMs;
  }

  /**
   * Runs `fn` in a later turn, when this budget has a slice for it: sources that share one
   * budget (every call socket of the outbound server) then take turns, as many per turn as the
   * slice allows, in the order they asked. What `fn` sets off in process.nextTick (a resumed
   * socket's data, its end and teardown) runs before the next one is weighed.
   */
  later(fn: () => void): void {
    const attempt = (): void => {
      if (!this.used()) return fn();
      this.yields++;
      setImmediate(attempt);
    };
    setImmediate(attempt);
  }

  /** undefined: go on now; a promise: go on once it resolves (in the next turn of the loop). */
  pause(): Promise<void> | undefined {
    if (!this.used()) return undefined;
    this.yields++;
    return new Promise((resolve) => setImmediate(resolve));
  }
}
