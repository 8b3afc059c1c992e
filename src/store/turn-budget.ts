// Gives the event loop a turn during long chains of synchronous queries (SQLite).

import { performance } from 'node:perf_hooks';

/**
 * better-sqlite3 answers without I/O, so an awaited knex query resolves in the same microtask
 * checkpoint that asked it: a hundred call controllers each reading consent and writing
 * evidence run query after query without ever letting the event loop poll its sockets (the
 * load bench saw 150–400 ms stalls, mostly microtasks). Each query asks `pause()` first: once
 * queries have run for `sliceMs` within one turn of the loop, the next waits for the check
 * phase of the next turn (setImmediate), so timers, socket reads and fsync callbacks run.
 */
export class TurnBudget {
  private turnStarted = 0;
  /** A setImmediate is pending that marks the end of the current turn. */
  private inTurn = false;
  /** How often a query had to wait for the next turn (tests, diagnostics). */
  yields = 0;

  constructor(private readonly sliceMs: number) {}

  /** undefined: run now; a promise: run once it resolves (in the next turn of the loop). */
  pause(): Promise<void> | undefined {
    const now = performance.now();
    if (!this.inTurn) {
      this.inTurn = true;
      this.turnStarted = now;
      setImmediate(() => {
        this.inTurn = false;
      });
      return undefined;
    }
    if (now - this.turnStarted < this.sliceMs) return undefined;
    this.yields++;
    return new Promise((resolve) => setImmediate(resolve));
  }
}
