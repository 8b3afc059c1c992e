// The daemon's live call table: wires dedup → channel streams → CallTable and answers lookups.

import { Observable, Subject, Subscription } from 'rxjs';
import { CallTable, type CallUpdate } from './call-table';
import type { CallState } from './call-state';
import type { ChannelRow } from './channel-row';
import { channelMessages } from './channel-messages';
import { DEFAULT_TOMBSTONE_CAPACITY, type ChannelMessage, type ChannelStreamOptions } from './channel-message';
import { dedupEvents, newDedupStats, type DedupOptions, type DedupStats } from './dedup-events';
import type { NodeEvent } from './node-event';
import { newStreamGauges, type StreamGauges } from './stream-gauges';
import { Tombstones } from './tombstones';

export interface CallRegistryOptions {
  readonly dedup?: Omit<DedupOptions, 'stats'>;
  readonly channels?: Omit<ChannelStreamOptions, 'expire$' | 'gauges' | 'tombstones'>;
  /**
   * Called when folding one message throws (a bug, never FreeSWITCH's fault): the message
   * is skipped and the shared stream goes on, so one bad call cannot stop all the others.
   */
  readonly onError?: (error: unknown, message?: ChannelMessage) => void;
  /**
   * Called when the attached pipeline itself failed (a bug in an operator, or the source
   * errored) and was re-attached: `restarts` counts re-attachments since construction,
   * `gaveUp` is true when the source failed again at once too often and is left detached.
   */
  readonly onPipelineError?: (error: unknown, restarts: number, gaveUp: boolean) => void;
}

/**
 * How many times in a row the pipeline may fail without passing a single message before the
 * registry stops re-attaching: an errored Subject errors again on every subscription, and
 * re-attaching to it for ever would spin. Any message that gets through resets the count.
 */
export const MAX_CONSECUTIVE_PIPELINE_FAILURES = 100;

/** Follows one call (CallRegistry.watch). */
export interface CallWatcher {
  /** Every update of the call, its last ('ended' or 'absorbed') included. */
  callUpdated(update: CallUpdate): void;
  /** After the last update, or when the registry is disposed: nothing more comes. */
  callClosed(): void;
}

export class CallRegistry {
  /** Every state change, hot; never errors, completes on dispose(). */
  readonly calls$: Observable<CallUpdate>;
  readonly gauges: StreamGauges = newStreamGauges();
  readonly dedupStats: DedupStats = newDedupStats();
  /** Times an attached pipeline failed and was attached again (see attach). */
  pipelineRestarts = 0;

  private readonly table = new CallTable();
  private readonly updates = new Subject<CallUpdate>();
  private readonly expire = new Subject<string>();
  private readonly tombstones: Tombstones;
  /** Calls someone follows: callId → its watchers (added on demand, dropped with the last one or with the call). */
  private readonly perCall = new Map<string, CallWatcher[]>();

  constructor(private readonly options: CallRegistryOptions = {}) {
    this.calls$ = this.updates.asObservable();
    this.tombstones = new Tombstones(options.channels?.tombstoneCapacity ?? DEFAULT_TOMBSTONE_CAPACITY);
  }

  /**
   * Feeds the merged events of all ESL connections in. Attach one merged stream (several
   * attachments would each dedup on their own and see each other's duplicates).
   *
   * The pipeline heals: if it errors (nothing should make it, but an operator bug on one
   * hostile event must not stop call tracking for good), it is counted, reported and
   * subscribed again at once to the same source. The call table is kept, so calls go on
   * being tracked; per-channel streams start afresh and pick up their legs from the next
   * events (dedup starts afresh too: at worst one duplicate passes, and the reducers take
   * it). Unsubscribing the returned subscription detaches whatever attachment is current.
   */
  attach(events$: Observable<NodeEvent>): Subscription {
    const attachment = new Subscription();
    let failuresInARow = 0;
    const connect = (): void => {
      if (attachment.closed) return;
      let current: Subscription | undefined;
      current = events$
        .pipe(
          dedupEvents({ ...this.options.dedup, stats: this.dedupStats }),
          channelMessages({
            ...this.options.channels,
            expire$: this.expire,
            gauges: this.gauges,
            tombstones: this.tombstones,
          }),
        )
        .subscribe({
          next: (message) => {
            failuresInARow = 0;
            let updates: CallUpdate[];
            try {
              updates = this.table.apply(message);
            } catch (error) {
              this.options.onError?.(error, message);
              return;
            }
            this.emit(updates);
          },
          error: (error: unknown) => {
            if (current !== undefined) attachment.remove(current);
            failuresInARow++;
            const gaveUp = failuresInARow > MAX_CONSECUTIVE_PIPELINE_FAILURES;
            if (!gaveUp) this.pipelineRestarts++;
            this.reportPipelineError(error, gaveUp);
            if (!gaveUp) connect();
          },
        });
      // An already-errored source fails inside subscribe(), before `current` is set; then
      // the re-attachment has already happened and this subscription is closed.
      if (!current.closed) attachment.add(current);
    };
    connect();
    return attachment;
  }

  private reportPipelineError(error: unknown, gaveUp: boolean): void {
    try {
      if (this.options.onPipelineError) this.options.onPipelineError(error, this.pipelineRestarts, gaveUp);
      else this.options.onError?.(error);
    } catch {
      // A failing reporter must not stop the re-attachment.
    }
  }

  /**
   * One call's own updates (the per-call stream of DESIGN.md): what a monitor lookup or a
   * live-ops wait follows, so its work does not grow with the number of other live calls —
   * each update is handed to its call's watchers by one Map lookup, never filtered out of
   * calls$ by every subscriber. Hot; completes after the call's last update ('ended' or
   * 'absorbed') or on dispose(); nothing is kept for a call nobody follows.
   */
  call$(callId: string): Observable<CallUpdate> {
    return new Observable<CallUpdate>((subscriber) => {
      const watcher: CallWatcher = { callUpdated: (u) => subscriber.next(u), callClosed: () => subscriber.complete() };
      this.watch(callId, watcher);
      return () => this.unwatch(callId, watcher);
    });
  }

  /**
   * call$ without an observable: `watcher` gets the call's updates, then callClosed() after
   * its last one or on dispose() (at once if the registry is disposed already). What a call
   * controller uses: an object with two methods costs a live call far less heap than
   * call$'s subscriber chain (issue 12: heap per live call). A watcher that throws is
   * reported (onError) and the others still get the update.
   */
  watch(callId: string, watcher: CallWatcher): void {
    if (this.updates.closed || this.updates.isStopped) {
      this.tell(watcher, undefined);
      return;
    }
    // A new list, not a push: an update being handed out goes on over the list it started with.
    const watchers = this.perCall.get(callId);
    this.perCall.set(callId, watchers === undefined ? [watcher] : [...watchers, watcher]);
  }

  /** Stops `watcher` (nothing more is delivered to it); a call left with none is forgotten. */
  unwatch(callId: string, watcher: CallWatcher): void {
    const watchers = this.perCall.get(callId);
    if (watchers === undefined) return;
    const i = watchers.indexOf(watcher);
    if (i === -1) return;
    if (watchers.length === 1) this.perCall.delete(callId);
    else this.perCall.set(callId, watchers.filter((w) => w !== watcher));
  }

  /** Calls someone follows (call$, watch) right now (leak checks: 0 once nobody follows a call). */
  get followedCalls(): number {
    return this.perCall.size;
  }

  get size(): number {
    return this.table.size;
  }

  get(callId: string): CallState | undefined {
    return this.table.get(callId);
  }

  byLeg(uuid: string): CallState | undefined {
    return this.table.byLeg(uuid);
  }

  list(): CallState[] {
    return this.table.list();
  }

  /** The call in which extension's agent leg is up now (coaching: `*98*<ext>`). */
  activeCallOfAgent(extension: string): CallState | undefined {
    return this.table.activeCallOfAgent(extension);
  }

  callsOfAgent(extension: string): CallState[] {
    return this.table.callsOfAgent(extension);
  }

  /** Uuids the table still routes; 0 when no call is live (leak checks). */
  get routeCount(): number {
    return this.table.routeCount;
  }

  /** Take before sending `show channels as json`; pass to resync with its rows. */
  mark(): number {
    return this.table.mark();
  }

  /**
   * Rebuilds the table for one node from `show channels as json` (after a reconnect, and
   * periodically: it is also the backstop for a channel whose end we never saw). Rows seed
   * or refresh their legs; open legs of that node missing from the rows and seen before
   * `mark` are closed as 'expired'. Legs first seen after the mark are kept: they may have
   * been created after FreeSWITCH produced the snapshot.
   */
  resync(node: string, rows: readonly ChannelRow[], mark: number): void {
    const present = new Set(rows.map((r) => r.uuid));
    for (const row of rows) {
      // A channel that ended while the snapshot was on its way must not come back.
      if (this.tombstones.has(row.uuid)) continue;
      this.emit(this.table.seed(node, row));
    }
    for (const uuid of this.table.openLegsOf(node)) {
      if (present.has(uuid) || !this.table.seenBefore(uuid, mark)) continue;
      // Close its channel group first (that also emits its 'closed' message); then close
      // legs that never had a group (seeded, no events since).
      this.expire.next(uuid);
      this.emit(this.table.close(uuid, 'expired'));
      this.tombstones.add(uuid);
    }
  }

  /** Completes calls$; attached subscriptions are the caller's to unsubscribe. */
  dispose(): void {
    this.updates.complete();
    const followed = [...this.perCall.values()];
    this.perCall.clear();
    for (const watchers of followed) for (const w of watchers) this.tell(w, undefined);
    this.expire.complete();
  }

  /** Every update once to calls$ and once to its own call's stream (if anyone follows it). */
  private emit(updates: readonly CallUpdate[]): void {
    for (const update of updates) {
      this.updates.next(update);
      const callId = update.call.callId;
      const watchers = this.perCall.get(callId);
      if (watchers === undefined) continue;
      if (update.kind === 'updated') {
        for (const w of watchers) this.tell(w, update);
        continue;
      }
      // The call's last update: nobody can follow it any more, so its entry goes now.
      this.perCall.delete(callId);
      for (const w of watchers) this.tell(w, update);
      for (const w of watchers) this.tell(w, undefined);
    }
  }

  /** One update (or, undefined, the end) to one watcher; its failure is not the other watchers'. */
  private tell(watcher: CallWatcher, update: CallUpdate | undefined): void {
    try {
      if (update === undefined) watcher.callClosed();
      else watcher.callUpdated(update);
    } catch (error) {
      try {
        this.options.onError?.(error);
      } catch {
        // A failing reporter must not stop the other watchers.
      }
    }
  }
}
