// Builds minimal but well-formed channel events for lifecycle and leak tests.

import type { EslEvent } from '../../src/esl/frame';
import type { NodeEvent } from '../../src/streams/node-event';

export const CORE = '11111111-2222-4333-8444-555555555555';

export interface SyntheticClock {
  sequence: number;
  micros: number;
}

export function newClock(): SyntheticClock {
  return { sequence: 1, micros: 1_795_000_000_000_000 };
}

/** One event of `uuid` with the headers the stream layer reads; `extra` adds or overrides. */
export function channelEvent(clock: SyntheticClock, name: string, uuid: string, extra: Record<string, string> = {}): EslEvent {
  clock.micros += 1000;
  return {
    name,
    format: 'json',
    headers: {
      'Event-Name': name,
      'Core-UUID': CORE,
      'FreeSWITCH-Hostname': 'synthetic',
      'Event-Sequence': String(clock.sequence++),
      'Event-Date-Timestamp': String(clock.micros),
      'Unique-ID': uuid,
      ...extra,
    },
  };
}

export function uuidFor(n: number, leg: 'a' | 'b'): string {
  const hex = n.toString(16).padStart(12, '0');
  return `${leg === 'a' ? 'aaaaaaaa' : 'bbbbbbbb'}-0000-4000-8000-${hex}`;
}

/**
 * The full life of a two-leg call as FreeSWITCH orders it (consent-bridge-coach):
 * create, answer, bridge, hangup, the b-leg completes and is destroyed, then the a-leg.
 */
export function twoLegCall(clock: SyntheticClock, n: number, agentExtension = '1001'): EslEvent[] {
  const a = uuidFor(n, 'a');
  const b = uuidFor(n, 'b');
  const aleg = { 'Call-Direction': 'inbound', 'Channel-Call-UUID': a, 'Caller-Caller-ID-Number': '1000', 'Caller-Destination-Number': '5002' };
  const bleg = {
    'Call-Direction': 'outbound',
    'Channel-Call-UUID': a,
    'Other-Leg-Unique-ID': a,
    'Caller-Destination-Number': agentExtension,
    'Caller-Callee-ID-Number': agentExtension,
  };
  return [
    channelEvent(clock, 'CHANNEL_CREATE', a, aleg),
    channelEvent(clock, 'CHANNEL_ANSWER', a, aleg),
    channelEvent(clock, 'CHANNEL_CREATE', b, bleg),
    channelEvent(clock, 'CHANNEL_ANSWER', b, bleg),
    channelEvent(clock, 'CHANNEL_BRIDGE', a, { ...aleg, 'Bridge-A-Unique-ID': a, 'Bridge-B-Unique-ID': b, 'Other-Leg-Unique-ID': b }),
    channelEvent(clock, 'CHANNEL_HANGUP', b, { ...bleg, 'Hangup-Cause': 'NORMAL_CLEARING' }),
    channelEvent(clock, 'CHANNEL_HANGUP', a, { ...aleg, 'Hangup-Cause': 'NORMAL_CLEARING' }),
    channelEvent(clock, 'CHANNEL_UNBRIDGE', a, { ...aleg, 'Bridge-A-Unique-ID': a, 'Bridge-B-Unique-ID': b }),
    // After unbridge FreeSWITCH points the b-leg's Channel-Call-UUID at itself.
    channelEvent(clock, 'CHANNEL_HANGUP_COMPLETE', b, { ...bleg, 'Channel-Call-UUID': b, 'Hangup-Cause': 'NORMAL_CLEARING' }),
    channelEvent(clock, 'CHANNEL_DESTROY', b, { ...bleg, 'Channel-Call-UUID': b }),
    channelEvent(clock, 'CHANNEL_HANGUP_COMPLETE', a, { ...aleg, 'Hangup-Cause': 'NORMAL_CLEARING' }),
    channelEvent(clock, 'CHANNEL_DESTROY', a, aleg),
  ];
}

export function onNode(events: readonly EslEvent[], node = 'fs1'): NodeEvent[] {
  return events.map((event) => ({ node, event }));
}
