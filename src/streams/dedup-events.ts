// Drops an event seen twice (same Core-UUID + Event-Sequence), e.g. on the inbound and an outbound socket.

import { defer, filter, type MonoTypeOperatorFunction } from 'rxjs';
import { originOf } from './freeswitch-fields';
import type { NodeEvent } from './node-event';

export interface DedupOptions {
  /**
   * How far (in Event-Sequence numbers) an event may trail a later one of its FreeSWITCH
   * and still be recognised as a duplicate. The sequence counts every event of the switch,
   * subscribed or not, so a busy switch moves it fast; an event lagging by more than this
   * cannot be told apart from a duplicate and is passed (see SequenceWindow).
   */
  readonly window?: number;
  /** How many FreeSWITCH runs (Core-UUIDs) are remembered; the least recently seen is forgotten. */
  readonly maxCores?: number;
  /** Counters the operator updates, for metrics and tests. */
  readonly stats?: DedupStats;
}

export interface DedupStats {
  passed: number;
  duplicates: number;
  /** Older than the window: cannot be told apart from a duplicate, so passed (and counted). */
  stale: number;
}

export const DEFAULT_DEDUP_WINDOW = 65_536;
export const DEFAULT_DEDUP_MAX_CORES = 32;

export function newDedupStats(): DedupStats {
  return { passed: 0, duplicates: 0, stale: 0 };
}

/**
 * The sequence numbers seen from one FreeSWITCH run: a ring of `window` slots, slot
 * `sequence % window` holding the latest number seen there. Memory is fixed at
 * construction, whatever the traffic.
 *
 * There is deliberately no global high-water mark: `Event-Sequence` comes from the wire,
 * and with one a single event claiming sequence 2^53 (from any peer on the outbound port,
 * with the switch's Core-UUID) would make every later real event look "too old" and be
 * dropped, blinding the daemon. Here such a number occupies one slot; a real event that
 * later maps to that slot is 'stale' (its slot holds a later number) and is passed, since
 * a dropped hangup or RECORD_START costs far more than a duplicate the reducers absorb.
 */
export class SequenceWindow {
  private readonly ring: Float64Array;

  constructor(readonly window: number) {
    this.ring = new Float64Array(window).fill(-1);
  }

  /** Records `sequence` (a non-negative integer); says whether it is new, a duplicate, or too old to know. */
  admit(sequence: number): 'new' | 'duplicate' | 'stale' {
    const slot = sequence % this.window;
    const held = this.ring[slot]!;
    if (held === sequence) return 'duplicate';
    if (held > sequence) return 'stale';
    this.ring[slot] = sequence;
    return 'new';
  }
}

/** Holds one SequenceWindow per Core-UUID, at most `maxCores` of them. */
export class EventDeduplicator {
  // A Map iterates in insertion order; re-inserting on use makes the first key the least recent.
  private readonly cores = new Map<string, SequenceWindow>();

  constructor(
    private readonly window = DEFAULT_DEDUP_WINDOW,
    private readonly maxCores = DEFAULT_DEDUP_MAX_CORES,
  ) {}

  admit(coreUuid: string, sequence: number): 'new' | 'duplicate' | 'stale' {
    let seen = this.cores.get(coreUuid);
    if (seen === undefined) {
      seen = new SequenceWindow(this.window);
      if (this.cores.size >= this.maxCores) this.cores.delete(this.cores.keys().next().value as string);
    } else {
      this.cores.delete(coreUuid);
    }
    this.cores.set(coreUuid, seen);
    return seen.admit(sequence);
  }

  get coreCount(): number {
    return this.cores.size;
  }
}

/**
 * Events without Core-UUID or Event-Sequence pass untouched: nothing identifies them, and
 * dropping them would lose data. State is per subscription (defer), so two subscribers
 * never share a window.
 */
export function dedupEvents(options: DedupOptions = {}): MonoTypeOperatorFunction<NodeEvent> {
  return (source) =>
    defer(() => {
      const dedup = new EventDeduplicator(options.window, options.maxCores);
      const stats = options.stats;
      return source.pipe(
        filter(({ event }) => {
          const origin = originOf(event);
          const verdict = origin === undefined ? 'new' : dedup.admit(origin.coreUuid, origin.sequence);
          if (stats !== undefined) {
            if (verdict === 'new') stats.passed++;
            else if (verdict === 'duplicate') stats.duplicates++;
            else stats.stale++;
          }
          // Only a proven duplicate is dropped; see SequenceWindow for why 'stale' passes.
          return verdict !== 'duplicate';
        }),
      );
    });
}
