// What the channel layer hands the call table: each channel's events, then one 'closed' message (channel-messages.ts makes them).

import type { Observable, SchedulerLike } from 'rxjs';
import type { EslEvent } from '../esl/frame';
import type { ChannelFacts } from './freeswitch-fields';
import type { StreamGauges } from './stream-gauges';
import type { Tombstones } from './tombstones';

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
