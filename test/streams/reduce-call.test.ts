// The CallState reducer, table-driven on real events from the traces.

import { expect } from 'chai';
import type { EslEvent } from '../../src/esl/frame';
import { callerLeg, legOf, liveAgentLeg, type CallState, type LegRole } from '../../src/streams/call-state';
import { channelFacts } from '../../src/streams/freeswitch-fields';
import { attachLeg, closeLeg, detachLeg, emptyCall, reduceCall } from '../../src/streams/reduce-call';
import { tracesAvailable } from '../support/traces';
import { AGENT, CALLER, traceEvents } from './fixtures';

const seq = (e: EslEvent) => Number(e.headers['Event-Sequence']);

/** Folds one call's events, the legs' roles given (linking is call-table's job). */
function fold(events: readonly EslEvent[], roles: Record<string, LegRole>, from: CallState = emptyCall(CALLER, 'fs1')): CallState {
  let state = from;
  for (const event of events) {
    const facts = channelFacts(event);
    if (facts === undefined || roles[facts.uniqueId] === undefined) continue;
    state = reduceCall(state, facts, roles[facts.uniqueId]!, 'fs1');
  }
  return state;
}

function withHeaders(event: EslEvent, name: string, extra: Record<string, string>): EslEvent {
  return { ...event, name, headers: { ...event.headers, 'Event-Name': name, ...extra } };
}

(tracesAvailable() ? describe : describe.skip)('streams/reduce-call', () => {
  const coach = traceEvents('consent-bridge-coach', 'watch-json');
  const objection = traceEvents('objection', 'watch-json');
  const transfer = traceEvents('transfer', 'watch-json');
  const legs = { [CALLER]: 'caller', [AGENT]: 'agent' } as Record<string, LegRole>;
  const upTo = (events: EslEvent[], last: number) => events.filter((e) => seq(e) <= last);
  const after = (events: EslEvent[], first: number) => events.filter((e) => seq(e) >= first);

  const cases: Array<{ title: string; state: () => CallState; pick: (s: CallState) => unknown; want: unknown }> = [
    {
      title: 'CHANNEL_CREATE: the caller leg with its numbers',
      state: () => fold(upTo(coach, 506), legs),
      pick: (s) => [s.callId, s.direction, s.callerNumber, s.destination, s.startedAt, callerLeg(s)?.answered, s.ended],
      want: [CALLER, 'inbound', '1000', '5002', 1795345803301980, false, false],
    },
    {
      title: 'CHANNEL_ANSWER: answered at Event-Date-Timestamp',
      state: () => fold(upTo(coach, 533), legs),
      pick: (s) => [callerLeg(s)?.answered, callerLeg(s)?.answeredAt],
      want: [true, 1795345803321984],
    },
    {
      title: 'PLAYBACK_START / _STOP: the consent prompt',
      state: () => fold(upTo(coach, 540), legs),
      pick: (s) => s.playbacks,
      want: [{ path: 'tone_stream://%(500,0,440)', leg: CALLER, startedAt: 1795345803361981, stoppedAt: 1795345804041983, active: false }],
    },
    {
      title: 'DTMF: the caller presses 1, with leg, role and time',
      state: () => fold(upTo(coach, 541), legs),
      pick: (s) => s.digits,
      want: [{ leg: CALLER, role: 'caller', digit: '1', at: 1795345811061985 }],
    },
    {
      title: 'RECORD_START: recording observed on the caller leg',
      state: () => fold(upTo(coach, 546), legs),
      pick: (s) => [s.recording, s.recordings],
      want: [true, [{ path: `/var/lib/freeswitch/recordings/${CALLER}.wav`, leg: CALLER, startedAt: 1795345811101986, active: true }]],
    },
    {
      title: 'b-leg CREATE: the agent extension from the dialled destination',
      state: () => fold(upTo(coach, 552), legs),
      pick: (s) => [s.agentExtension, legOf(s, AGENT)?.role, legOf(s, AGENT)?.direction, s.legs.length],
      want: ['1001', 'agent', 'outbound', 2],
    },
    {
      title: 'CHANNEL_BRIDGE: both legs bridged to each other',
      state: () => fold(upTo(coach, 563), legs),
      pick: (s) => [legOf(s, CALLER)?.bridgedTo, legOf(s, AGENT)?.bridgedTo, legOf(s, AGENT)?.bridgedAt],
      want: [AGENT, CALLER, 1795345811661992],
    },
    {
      title: 'DTMF while bridged: the agent presses 5',
      state: () => fold(upTo(coach, 616), legs),
      pick: (s) => s.digits.map((d) => `${d.role}:${d.digit}`),
      want: ['caller:1', 'agent:5'],
    },
    {
      title: 'hangup: causes and times; unbridged',
      state: () => fold(upTo(coach, 648), legs),
      pick: (s) => [legOf(s, AGENT)?.hungup, legOf(s, AGENT)?.hangupCause, legOf(s, AGENT)?.hangupCompleteAt, legOf(s, CALLER)?.bridgedTo, liveAgentLeg(s)],
      want: [true, 'NORMAL_CLEARING', 1795345841841980, undefined, undefined],
    },
    {
      title: 'RECORD_STOP after the agent is gone, before the caller completes',
      state: () => fold(upTo(coach, 651), legs),
      pick: (s) => [s.recording, s.recordings[0]?.stoppedAt, legOf(s, CALLER)?.hangupCompleteAt],
      want: [false, 1795345841841980, undefined],
    },
    {
      title: 'CHANNEL_DESTROY alone does not end the call: closing the legs does',
      state: () => fold(coach, legs),
      pick: (s) => [s.ended, legOf(s, CALLER)?.destroyedAt, closeLeg(closeLeg(s, AGENT, 'destroy'), CALLER, 'destroy').ended],
      want: [false, 1795345842061983, true],
    },
    {
      title: 'objection: the caller presses 9, nothing is recorded',
      state: () => fold(objection, roles(objection)),
      pick: (s) => [s.digits.map((d) => d.digit), s.recordings.length, s.recording, s.agentExtension],
      want: [['9'], 0, false, '1001'],
    },
    {
      title: 'transfer: the agent leg ends, the call and its recording go on',
      state: () => fold(upTo(transfer, 852), roles(transfer)),
      pick: (s) => [s.legs.map((l) => `${l.role}:${l.hungup}`), s.recording, s.destination, callerLeg(s)?.destination, liveAgentLeg(s)],
      want: [['caller:false', 'agent:true'], true, '5002', '5001', undefined],
    },
    {
      title: 'mid-call start (daemon restarted): answer time from headers, a stop without its start',
      state: () => fold(after(coach, 637), legs),
      pick: (s) => [callerLeg(s)?.answered, callerLeg(s)?.answeredAt, s.recordings, s.startedAt],
      want: [
        true,
        1795345803321984,
        [{ path: `/var/lib/freeswitch/recordings/${CALLER}.wav`, leg: CALLER, stoppedAt: 1795345841841980, active: false }],
        1795345803301980,
      ],
    },
    {
      title: 'callwarden_* variables: group, policy, veto, agent',
      state: () => {
        const create = coach.find((e) => seq(e) === 506)!;
        return fold(
          [withHeaders(create, 'CHANNEL_CREATE', {
            variable_callwarden_group: 'advice',
            variable_callwarden_policy: 'permanent-opt-out',
            variable_callwarden_no_record: 'true',
            variable_callwarden_agent: '2002',
          })],
          legs,
        );
      },
      pick: (s) => [s.group, s.policyOverride, s.noRecord, s.agentExtension],
      want: ['advice', 'permanent-opt-out', true, '2002'],
    },
    {
      title: 'a DTMF event carries no variables: the veto seen before stays',
      state: () => {
        const create = coach.find((e) => seq(e) === 506)!;
        const dtmf = coach.find((e) => seq(e) === 541)!;
        return fold([withHeaders(create, 'CHANNEL_CREATE', { variable_callwarden_no_record: 'yes' }), dtmf], legs);
      },
      pick: (s) => s.noRecord,
      want: true,
    },
    {
      title: 'CHANNEL_HOLD / CHANNEL_UNHOLD',
      state: () => {
        const base = coach.find((e) => seq(e) === 563)!;
        return fold([withHeaders(base, 'CHANNEL_HOLD', {})], legs);
      },
      pick: (s) => [s.onHold, callerLeg(s)?.held, fold([withHeaders(coach.find((e) => seq(e) === 563)!, 'CHANNEL_UNHOLD', {})], legs, s).onHold],
      want: [true, true, false],
    },
  ];

  for (const c of cases) {
    it(c.title, () => expect(c.pick(c.state())).to.deep.equal(c.want));
  }

  it('never modifies the state it was given', () => {
    const before = fold(upTo(coach, 546), legs);
    const frozen = JSON.stringify(before);
    fold(after(coach, 547), legs, before);
    expect(JSON.stringify(before)).to.equal(frozen);
  });

  it('moves a leg with its digits between calls', () => {
    const full = fold(upTo(coach, 616), legs);
    const { call: rest, detached } = detachLeg(full, AGENT);
    expect(rest.legs.map((l) => l.uuid)).to.deep.equal([CALLER]);
    expect(rest.digits.map((d) => d.digit)).to.deep.equal(['1']);
    const other = attachLeg(emptyCall('other', 'fs1'), detached!, 'supervisor');
    expect(other.legs[0]).to.include({ uuid: AGENT, role: 'supervisor' });
    expect(other.digits).to.deep.equal([{ leg: AGENT, role: 'supervisor', digit: '5', at: 1795345819381985 }]);
  });
});

/** caller = the inbound leg, agent = the outbound one (for single-call traces). */
function roles(events: readonly EslEvent[]): Record<string, LegRole> {
  const out: Record<string, LegRole> = {};
  for (const e of events) {
    const id = e.headers['Unique-ID'];
    if (id !== undefined && out[id] === undefined) out[id] = e.headers['Call-Direction'] === 'outbound' ? 'agent' : 'caller';
  }
  return out;
}
