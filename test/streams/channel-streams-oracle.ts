// The channel layer as it was before channel-messages.ts: one RxJS stream per channel (groupBy
// Unique-ID, the channel's lifetime as the duration selector). Not in the daemon's pipeline any
// more (≈ 4 KiB of subjects and subscribers per live call); kept as the oracle that
// channel-messages.test.ts holds channelMessages() to, message for message.

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
  type Subscription,
} from 'rxjs';
import { DEFAULT_HANGUP_GRACE_MS, DEFAULT_TOMBSTONE_CAPACITY, type ChannelEventMessage, type ChannelMessage, type ChannelStreamOptions, type CloseReason } from '../../src/streams/channel-message';
import { channelFacts } from '../../src/streams/freeswitch-fields';
import type { NodeEvent } from '../../src/streams/node-event';
import { newStreamGauges } from '../../src/streams/stream-gauges';
import { Tombstones } from '../../src/streams/tombstones';

/** A live channel: its events in order, then one 'closed' message, then completion. */
export interface ChannelStream {
  readonly uuid: string;
  /** Hot: subscribe synchronously when the stream is emitted, or the first events are missed. */
  readonly messages$: Observable<ChannelMessage>;
}

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
