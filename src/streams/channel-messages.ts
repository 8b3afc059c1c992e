// Every channel's messages, interleaved, as channelStreams + mergeMap gives them, with one small record per live channel instead of a group's observables.

import { asyncScheduler, EMPTY, Observable, type OperatorFunction, type Subscription } from 'rxjs';
import { channelFacts, type ChannelFacts } from './freeswitch-fields';
import { DEFAULT_HANGUP_GRACE_MS, DEFAULT_TOMBSTONE_CAPACITY, type ChannelMessage, type ChannelStreamOptions, type CloseReason } from './channel-message';
import type { NodeEvent } from './node-event';
import { newStreamGauges } from './stream-gauges';
import { Tombstones } from './tombstones';

/** What is kept of one live channel: the node its last event came from, and its grace timer. */
interface OpenChannel {
  node: string;
  grace: Subscription | undefined;
}

/**
 * channelStreams flattened (what the call registry consumes): the same messages in the same
 * order — a channel's events, then one 'closed' message at CHANNEL_DESTROY, at the grace's end
 * after CHANNEL_HANGUP_COMPLETE, or when expire$ names it; late events of an ended channel
 * dropped; nothing 'closed' when the source completes (shutdown).
 *
 * Written by hand rather than as groupBy → mergeMap: those hold, per live channel, a Subject,
 * its grouped observable, a duration subscriber, the lifetime's and the consumer's
 * subscribers and their closures — ≈2 KiB a channel, 4 a call (issue 12: heap per live
 * call). Here a live channel is one entry of one Map.
 */
export function channelMessages(options: ChannelStreamOptions = {}): OperatorFunction<NodeEvent, ChannelMessage> {
  const graceMs = options.hangupGraceMs ?? DEFAULT_HANGUP_GRACE_MS;
  const scheduler = options.scheduler ?? asyncScheduler;
  const gauges = options.gauges ?? newStreamGauges();
  const expire$ = options.expire$ ?? EMPTY;

  return (source) =>
    new Observable<ChannelMessage>((subscriber) => {
      const tombstones = options.tombstones ?? new Tombstones(options.tombstoneCapacity ?? DEFAULT_TOMBSTONE_CAPACITY);
      const open = new Map<string, OpenChannel>();

      const close = (uuid: string, reason: CloseReason): void => {
        const channel = open.get(uuid);
        if (channel === undefined) return;
        forget(uuid, channel);
        tombstones.add(uuid);
        if (reason === 'destroy') gauges.closedByDestroy++;
        else if (reason === 'grace') gauges.closedByGrace++;
        else gauges.closedByExpiry++;
        subscriber.next({ kind: 'closed', uuid, node: channel.node, reason });
      };
      const forget = (uuid: string, channel: OpenChannel): void => {
        open.delete(uuid);
        gauges.openGroups--;
        if (channel.grace !== undefined) {
          channel.grace.unsubscribe();
          channel.grace = undefined;
          gauges.activeSubscriptions--;
        }
      };
      const forgetAll = (): void => {
        for (const [uuid, channel] of [...open]) forget(uuid, channel);
      };

      const expireSub = expire$.subscribe((uuid) => close(uuid, 'expired'));
      const sourceSub = source.subscribe({
        next: ({ node, event }) => {
          // A throw here (a bug on one hostile event) errors the stream, as map() would.
          let facts: ChannelFacts | undefined;
          try {
            facts = channelFacts(event);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          if (facts === undefined) return;
          const uuid = facts.uniqueId;
          if (tombstones.has(uuid)) {
            gauges.lateEvents++;
            return;
          }
          let channel = open.get(uuid);
          if (channel === undefined) {
            channel = { node, grace: undefined };
            open.set(uuid, channel);
            gauges.openGroups++;
          }
          channel.node = node;
          subscriber.next({ kind: 'event', uuid, node, event, facts });
          // The consumer may have ended this channel (expire$) or everything (unsubscribed) meanwhile.
          if (open.get(uuid) !== channel) return;
          if (facts.eventName === 'CHANNEL_DESTROY') close(uuid, 'destroy');
          else if (facts.eventName === 'CHANNEL_HANGUP_COMPLETE' && channel.grace === undefined) {
            const graced = channel;
            gauges.activeSubscriptions++;
            graced.grace = scheduler.schedule(() => {
              if (graced.grace === undefined) return;
              graced.grace = undefined;
              gauges.activeSubscriptions--;
              close(uuid, 'grace');
            }, graceMs);
          }
        },
        error: (err: unknown) => {
          forgetAll();
          subscriber.error(err);
        },
        complete: () => {
          // Shutdown says nothing about the channels: no 'closed' for them.
          forgetAll();
          subscriber.complete();
        },
      });
      return () => {
        sourceSub.unsubscribe();
        expireSub.unsubscribe();
        forgetAll();
      };
    });
}
