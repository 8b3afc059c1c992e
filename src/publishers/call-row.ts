// CallState → the `calls` row; written when something a row keeps has changed.

import type { CallUpsert } from '../store/store-types';
import { microsToIso, type CallState } from '../streams';

/** Never throws: a time outside the sane range is written as unknown (null). */
const iso = (micros: number | undefined): string | null => microsToIso(micros) ?? null;

export function toCallRow(call: CallState): CallUpsert {
  const caller = call.legs.find((l) => l.role === 'caller');
  const lastHangup = [...call.legs].reverse().find((l) => l.hangupCause !== undefined);
  return {
    callId: call.callId,
    node: call.node.hostname ?? call.node.name,
    legs: call.legs.map((l) => ({
      uuid: l.uuid,
      role: l.role,
      channel: l.channelName ?? null,
      extension: l.extension ?? null,
      answeredAt: iso(l.answeredAt),
      hungupAt: iso(l.hungupAt),
      hangupCause: l.hangupCause ?? null,
    })),
    caller: call.callerNumber ?? null,
    destination: call.destination ?? null,
    agentExtension: call.agentExtension ?? null,
    group: call.group ?? null,
    direction: call.direction ?? null,
    startedAt: iso(call.startedAt),
    answeredAt: iso(caller?.answeredAt),
    endedAt: call.ended ? iso(call.endedAt) : null,
    hangupCause: call.ended ? (caller?.hangupCause ?? lastHangup?.hangupCause ?? null) : null,
  };
}
