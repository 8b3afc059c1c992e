// One stream per channel (groupBy Unique-ID) that completes when FreeSWITCH is done with the channel.

import {
  asyncScheduler,
  defer,
  EMPTY,
  filter,
  finalize,
  map,
  Observable,
  groupBy,
  type GroupedObservable,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { EslEvent } from '../esl/frame';
import { channelFacts, type ChannelFacts } from './freeswitch-fields';
import type { NodeEvent } from './node-event';
import { newStreamGauges, type StreamGauges } from './stream-gauges';
import { Tombstones } from './tombstones';

/**
 * Why a channel's stream ended: its CHANNEL_DESTROY arrived; the grace after
 * CHANNEL_HANGUP_COMPLETE ran out without one; or the owner expired it (resync found the
 * channel gone from `show channels`).
 */
export type CloseReason = 'destroy' | 'grace' | 'expired';

export interface ChannelEventMessage {
  readonly kind: 'event';
  readonly uuid: string;
  readonly node: string;
  readonly event: EslEvent;
  readonly facts: ChannelFacts;
}

export interface ChannelClosedMessage {
  readonly kind: 'closed';
  readonly uuid: string;
  readonly node: string;
  readonly reason: CloseReason;
}

export type ChannelMessage = ChannelEventMessage | ChannelClosedMessage;

/** A live channel: its events in order, then one 'closed' message, then completion. */
export interface ChannelStream {
  readonly uuid: string;
  /** Hot: subscribe synchronously when the stream is emitted, or the first events are missed. */
  readonly messages$: Observable<ChannelMessage>;
}

export interface ChannelStreamOptions {
  /**
   * How long after CHANNEL_HANGUP_COMPLETE a channel may wait for its CHANNEL_DESTROY.
   * FreeSWITCH holds DESTROY back while a lingering outbound socket stays open (traces
   * README), so a daemon that never closes such a socket would otherwise leak the channel.
   */
  readonly hangupGraceMs?: number;
  /** Scheduler of the grace timer; tests pass a TestScheduler. */
  readonly scheduler?: SchedulerLike;
  /** How many ended channel uuids are remembered to drop late events (see tombstones.ts). */
  readonly tombstoneCapacity?: number;
  /** A set to share with the owner (the registry must not seed a channel that just ended); else one per subscription. */
  readonly tombstones?: Tombstones;
  /** Uuids to close now whatever their state (the registry's resync after a reconnect). */
  readonly expire$?: Observable<string>;
  readonly gauges?: StreamGauges;
}

export const DEFAULT_HANGUP_GRACE_MS = 10_000;
export const DEFAULT_TOMBSTONE_CAPACITY = 10_000;

/**
 * Splits the (deduplicated) event stream into one ChannelStream per `Unique-ID`.
 *
 * The channel's end is groupBy's duration selector, not a `takeUntil` inside the group:
 * only the duration selector removes the group's Subject from groupBy's internal map, so
 * with takeUntil every channel ever seen would stay in memory.
 *
 * CHANNEL_DESTROY, not CHANNEL_HANGUP_COMPLETE, is the last event of a channel: in every
 * trace RECORD_STOP, the caller's HANGUP_COMPLETE and the final variables come before it,
 * and only DESTROY means FreeSWITCH has let go of the channel.
 */
export function channelStreams(options: ChannelStreamOptions = {}): OperatorFunction<NodeEvent, ChannelStream> {
  const graceMs = options.hangupGraceMs ?? DEFAULT_HANGUP_GRACE_MS;
  const scheduler = options.scheduler ?? asyncScheduler;
  const gauges = options.gauges ?? newStreamGauges();
  const expire$ = options.expire$ ?? EMPTY;

  return (source) =>
    defer(() => {
      const tombstones = options.tombstones ?? new Tombstones(options.tombstoneCapacity ?? DEFAULT_TOMBSTONE_CAPACITY);
      // The duration selector knows why a group ended; the group's consumer needs it for the
      // 'closed' message. Handed over in two variables while the duration notifies groupBy,
      // which completes the group (and runs the consumer's complete handler) synchronously.
      // Not a WeakMap keyed by group: its table also held every ended group not yet
      // collected and grew to ~128 KiB in the first 10,000 calls (issue 12: flat heap).
      let closingGroup: object | undefined;
      let closingReason: CloseReason | undefined;

      // Uuids the registry asks to close now: one subscription for all channels, dispatched by uuid.
      const expiring = new Map<string, () => void>();
      const expireSub = expire$.subscribe((uuid) => expiring.get(uuid)?.());

      /**
       * One channel's end: CHANNEL_DESTROY, the grace after CHANNEL_HANGUP_COMPLETE, or an
       * expiry. Written as one subscriber on the group rather than a merge of three filtered
       * pipes: it runs for every live channel, and each operator is a few hundred bytes of
       * heap per channel (issue 12: heap per live call).
       */
      const lifetime = (group: GroupedObservable<string, ChannelEventMessage>): Observable<CloseReason> =>
        new Observable<CloseReason>((subscriber) => {
          gauges.openGroups++;
          gauges.activeSubscriptions++;
          let done = false;
          let grace: Subscription | undefined;
          const close = (reason: CloseReason): void => {
            if (done) return;
            done = true;
            tombstones.add(group.key);
            if (reason === 'destroy') gauges.closedByDestroy++;
            else if (reason === 'grace') gauges.closedByGrace++;
            else gauges.closedByExpiry++;
            // Saved and restored: the 'closed' message may make a consumer close another channel.
            const outerGroup = closingGroup;
            const outerReason = closingReason;
            closingGroup = group;
            closingReason = reason;
            try {
              subscriber.next(reason);
              subscriber.complete();
            } finally {
              closingGroup = outerGroup;
              closingReason = outerReason;
            }
          };
          const expire = (): void => close('expired');
          expiring.set(group.key, expire);
          const events = group.subscribe({
            next: (m) => {
              if (m.facts.eventName === 'CHANNEL_DESTROY') close('destroy');
              else if (m.facts.eventName === 'CHANNEL_HANGUP_COMPLETE' && grace === undefined) {
                grace = scheduler.schedule(() => close('grace'), graceMs);
              }
            },
            error: (err: unknown) => subscriber.error(err),
            complete: () => subscriber.complete(),
          });
          return () => {
            events.unsubscribe();
            grace?.unsubscribe();
            if (expiring.get(group.key) === expire) expiring.delete(group.key);
            gauges.openGroups--;
            gauges.activeSubscriptions--;
          };
        });

      return source.pipe(
        map(({ node, event }): ChannelEventMessage | undefined => {
          const facts = channelFacts(event);
          if (facts === undefined) return undefined;
          if (tombstones.has(facts.uniqueId)) {
            gauges.lateEvents++;
            return undefined;
          }
          return { kind: 'event', uuid: facts.uniqueId, node, event, facts };
        }),
        filter((m): m is ChannelEventMessage => m !== undefined),
        groupBy((m) => m.uuid, { duration: lifetime }),
        map((group): ChannelStream => {
          // The channel's events, then one 'closed' message when its lifetime ended it. One
          // subscriber per live channel (see lifetime: each operator costs heap per channel).
          const messages$ = new Observable<ChannelMessage>((subscriber) => {
            gauges.activeSubscriptions++;
            let node = '';
            const events = group.subscribe({
              next: (m) => {
                node = m.node;
                subscriber.next(m);
              },
              error: (err: unknown) => subscriber.error(err),
              complete: () => {
                const reason = closingGroup === group ? closingReason : undefined;
                // No reason: the whole source completed (shutdown), which says nothing about the channel.
                if (reason !== undefined) subscriber.next({ kind: 'closed', uuid: group.key, node, reason });
                subscriber.complete();
              },
            });
            return () => {
              events.unsubscribe();
              gauges.activeSubscriptions--;
            };
          });
          return { uuid: group.key, messages$ };
        }),
        finalize(() => expireSub.unsubscribe()),
      );
    });
}
