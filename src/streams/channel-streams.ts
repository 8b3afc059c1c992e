// One stream per channel (groupBy Unique-ID) that completes when FreeSWITCH is done with the channel.

import {
  asyncScheduler,
  concat,
  defer,
  EMPTY,
  filter,
  finalize,
  map,
  merge,
  mergeMap,
  of,
  switchMap,
  take,
  tap,
  timer,
  groupBy,
  type GroupedObservable,
  type MonoTypeOperatorFunction,
  type Observable,
  type OperatorFunction,
  type SchedulerLike,
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
      // 'closed' message. Keyed weakly by the group object, so nothing outlives the group.
      const reasons = new WeakMap<object, CloseReason>();

      const lifetime = (group: GroupedObservable<string, ChannelEventMessage>): Observable<CloseReason> => {
        const destroyed$ = group.pipe(
          filter((m) => m.facts.eventName === 'CHANNEL_DESTROY'),
          map((): CloseReason => 'destroy'),
        );
        const graceOver$ = group.pipe(
          filter((m) => m.facts.eventName === 'CHANNEL_HANGUP_COMPLETE'),
          take(1),
          switchMap(() => timer(graceMs, scheduler)),
          map((): CloseReason => 'grace'),
        );
        const expired$ = expire$.pipe(
          filter((uuid) => uuid === group.key),
          map((): CloseReason => 'expired'),
        );
        return defer(() => {
          gauges.openGroups++;
          return merge(destroyed$, graceOver$, expired$).pipe(
            take(1),
            tap((reason) => {
              reasons.set(group, reason);
              tombstones.add(group.key);
              if (reason === 'destroy') gauges.closedByDestroy++;
              else if (reason === 'grace') gauges.closedByGrace++;
              else gauges.closedByExpiry++;
            }),
            finalize(() => gauges.openGroups--),
          );
        }).pipe(counted(gauges));
      };

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
          let node = '';
          const events$ = group.pipe(tap((m) => (node = m.node)));
          const closed$ = defer(() => {
            const reason = reasons.get(group);
            // No reason: the whole source completed (shutdown), which says nothing about the channel.
            return reason === undefined ? EMPTY : of<ChannelClosedMessage>({ kind: 'closed', uuid: group.key, node, reason });
          });
          return { uuid: group.key, messages$: concat(events$, closed$).pipe(counted(gauges)) };
        }),
      );
    });
}

/** channelStreams flattened: every channel's messages, interleaved as they happen. */
export function channelMessages(options: ChannelStreamOptions = {}): OperatorFunction<NodeEvent, ChannelMessage> {
  return (source) => source.pipe(channelStreams(options), mergeMap((channel) => channel.messages$));
}

function counted<T>(gauges: StreamGauges): MonoTypeOperatorFunction<T> {
  return (source) =>
    defer(() => {
      gauges.activeSubscriptions++;
      return source.pipe(finalize(() => gauges.activeSubscriptions--));
    });
}
