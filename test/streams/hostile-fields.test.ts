// Hostile header values: checked where they are parsed (absent when they do not fit), and no value makes the reducers or the row/view conversions throw.

import { expect } from 'chai';
import fc from 'fast-check';
import { Subject } from 'rxjs';
import type { EslEvent } from '../../src/esl/frame';
import { toCallRow } from '../../src/publishers/call-row';
import { toCallView } from '../../src/publishers/call-view';
import { CallRegistry } from '../../src/streams/call-registry';
import type { CallState } from '../../src/streams/call-state';
import { parseShowChannels } from '../../src/streams/channel-row';
import { channelFacts, FIELD_LIMITS, originOf, rowFacts } from '../../src/streams/freeswitch-fields';
import { isSaneMicros, MAX_MICROS, microsToDate, microsToIso, MIN_MICROS } from '../../src/streams/micros';
import type { NodeEvent } from '../../src/streams/node-event';
import { hostileValue } from '../support/hostile-values';
import { channelEvent, CORE, newClock, onNode, twoLegCall, uuidFor } from './synthetic';

const UUID = 'aaaaaaaa-0000-4000-8000-000000000001';

function event(headers: Record<string, string>, name = 'CHANNEL_DATA'): EslEvent {
  return { name, format: 'plain', headers: { 'Event-Name': name, 'Unique-ID': UUID, ...headers } };
}

/** Every header the stream layer reads (freeswitch-fields.ts), so the properties cover them all. */
const READ_HEADERS = [
  'Unique-ID', 'Core-UUID', 'FreeSWITCH-Hostname', 'Event-Sequence', 'Event-Date-Timestamp', 'Channel-Name',
  'Channel-State', 'Channel-Call-State', 'Answer-State', 'Call-Direction', 'Caller-Caller-ID-Number',
  'Caller-Destination-Number', 'Caller-Callee-ID-Number', 'Other-Leg-Unique-ID', 'Channel-Call-UUID', 'variable_call_uuid',
  'Bridge-A-Unique-ID', 'Bridge-B-Unique-ID', 'Hangup-Cause', 'Application', 'Application-Data', 'DTMF-Digit',
  'Record-File-Path', 'Playback-File-Path', 'Caller-Channel-Created-Time', 'Caller-Channel-Answered-Time',
  'Caller-Channel-Bridged-Time', 'variable_callwarden_agent', 'variable_callwarden_group', 'variable_callwarden_policy',
  'variable_callwarden_no_record', 'variable_eavesdrop_enable_dtmf', 'variable_eavesdrop_whisper_aleg',
  'variable_eavesdrop_whisper_bleg', 'variable_callwarden_eavesdrop_keys', 'variable_dialed_user',
] as const;

const EVENT_NAMES = [
  'CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_BRIDGE', 'CHANNEL_UNBRIDGE', 'CHANNEL_HOLD', 'CHANNEL_UNHOLD', 'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_DESTROY', 'DTMF', 'RECORD_START', 'RECORD_STOP',
  'PLAYBACK_START', 'PLAYBACK_STOP', 'CHANNEL_DATA',
];

const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(fc.constantFrom(...READ_HEADERS), hostileValue, { maxKeys: READ_HEADERS.length });

function assertWellFormed(call: CallState): void {
  // The row and the view are built for every update in the daemon; neither may throw.
  const row = toCallRow(call);
  const legTimes = ((row.legs ?? []) as Array<{ answeredAt: string | null; hungupAt: string | null }>).flatMap((l) => [l.answeredAt, l.hungupAt]);
  for (const t of [row.startedAt, row.answeredAt, row.endedAt, ...legTimes]) {
    if (t !== null) expect(t).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  const view = toCallView(call);
  expect(JSON.parse(JSON.stringify(view))).to.be.an('object');
}

describe('streams/hostile-fields', () => {
  it('a Caller-Channel-Created-Time of 9e18 is absent, not a RangeError later', () => {
    const facts = channelFacts(event({ 'Caller-Channel-Created-Time': '9000000000000000000', 'Event-Date-Timestamp': '9000000000000000000' }))!;
    expect(facts.createdTime).to.equal(undefined);
    expect(facts.timestamp).to.equal(undefined);
  });

  it('times are kept only within the sane range (2000 to 2200)', () => {
    const at = (v: string) => channelFacts(event({ 'Event-Date-Timestamp': v }))!.timestamp;
    expect(at('1795345811061985')).to.equal(1795345811061985);
    expect(at(String(MIN_MICROS))).to.equal(MIN_MICROS);
    expect(at(String(MAX_MICROS))).to.equal(MAX_MICROS);
    for (const bad of [String(MIN_MICROS - 1), String(MAX_MICROS + 1), '-5', '1e300', 'Infinity', 'NaN', '12abc', '0x10', ' ']) {
      expect(at(bad), bad).to.equal(undefined);
    }
  });

  it('Event-Sequence must be a non-negative safe integer, else the event has no origin', () => {
    const origin = (v: string) => originOf(event({ 'Core-UUID': CORE, 'Event-Sequence': v }));
    expect(origin('42')).to.deep.equal({ coreUuid: CORE, sequence: 42 });
    for (const bad of ['-1', '1.5', '1e300', String(2 ** 53), 'x']) expect(origin(bad), bad).to.equal(undefined);
  });

  it('ids with a space, a line break or past 64 characters are absent; an event without a usable Unique-ID is dropped', () => {
    expect(channelFacts(event({ 'Unique-ID': 'a b' }))).to.equal(undefined);
    expect(channelFacts(event({ 'Unique-ID': `${UUID}\napi uuid_kill x` }))).to.equal(undefined);
    expect(channelFacts(event({ 'Unique-ID': 'x'.repeat(65) }))).to.equal(undefined);
    expect(channelFacts(event({ 'Other-Leg-Unique-ID': 'x\ty' }))!.otherLeg).to.equal(undefined);
  });

  it('strings are bounded and free of control characters, else absent', () => {
    const facts = channelFacts(
      event({
        'Caller-Caller-ID-Number': '1'.repeat(FIELD_LIMITS.text + 1),
        'Caller-Destination-Number': '5000\u0007',
        'variable_callwarden_agent': '1'.repeat(FIELD_LIMITS.extension + 1),
        'variable_callwarden_group': 'hotline',
        'DTMF-Digit': '12',
        'Hangup-Cause': 'NORMAL_CLEARING',
      }),
    )!;
    expect(facts).to.not.have.any.keys('callerNumber', 'destination', 'agent', 'dtmfDigit');
    expect(facts).to.include({ group: 'hotline', hangupCause: 'NORMAL_CLEARING' });
    expect(channelFacts(event({ 'DTMF-Digit': '#' }))!.dtmfDigit).to.equal('#');
  });

  it('show-channels rows: non-string columns dropped, a bad uuid skips the row, a bad call_uuid is absent', () => {
    const rows = parseShowChannels(
      JSON.stringify({
        rows: [
          { uuid: UUID, created_epoch: '9000000000000000000', cid_num: 5, call_uuid: 'x y', dest: '5000' },
          { uuid: 'a\nb', dest: '1' },
          { uuid: 7 },
          null,
          [UUID],
        ],
      }),
    );
    expect(rows).to.have.length(1);
    expect(rows[0]).to.deep.equal({ uuid: UUID, created_epoch: '9000000000000000000', dest: '5000' });
    const facts = rowFacts(rows[0]!);
    expect(facts.createdTime).to.equal(undefined);
    expect(facts.callUuid).to.equal(undefined);
  });

  it('conversions to Date/ISO never throw, whatever number they get', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.constantFrom(9e18, -9e18, Infinity, NaN, 8.64e18, 8.64e18 + 1000)), (n) => {
        const iso = microsToIso(n);
        const date = microsToDate(n);
        if (iso !== undefined) expect(iso).to.equal(date!.toISOString());
        if (isSaneMicros(n)) expect(iso).to.be.a('string');
      }),
      { numRuns: 2000 },
    );
  });

  it('property: any header values in any event order — the reducers never throw, rows and views stay well-formed, the table stays consistent', () => {
    const legs = [uuidFor(90, 'a'), uuidFor(90, 'b'), uuidFor(91, 'a')];
    const anEvent = fc.record({ name: fc.constantFrom(...EVENT_NAMES), uuid: fc.constantFrom(...legs), headers: hostileHeaders });
    fc.assert(
      fc.property(fc.array(anEvent, { minLength: 1, maxLength: 25 }), (events) => {
        const failures: unknown[] = [];
        const registry = new CallRegistry({ onError: (e) => failures.push(e), onPipelineError: (e) => failures.push(e) });
        const source = new Subject<NodeEvent>();
        registry.calls$.subscribe((u) => assertWellFormed(u.call));
        registry.attach(source);
        const clock = newClock();
        for (const e of events) {
          // The hostile headers go over a well-formed event, so every field is reached.
          const base = channelEvent(clock, e.name, e.uuid);
          source.next({ node: 'fs1', event: { ...base, headers: { ...base.headers, ...e.headers } } });
        }
        expect(failures).to.deep.equal([]);
        for (const call of registry.list()) {
          assertWellFormed(call);
          for (const leg of call.legs) if (!leg.closed) expect(registry.byLeg(leg.uuid)?.callId, leg.uuid).to.equal(call.callId);
        }
        // And the same registry still follows a normal call to its end afterwards. Its events
        // take sequence numbers above any the hostile ones claimed (fc.integer() stays below
        // 2^31): an event that reuses a real event's (Core-UUID, Event-Sequence) is by design
        // taken for that event's duplicate — one slot, never more (see dedup-events.test.ts).
        clock.sequence = 2 ** 31;
        let ended = 0;
        registry.calls$.subscribe((u) => u.kind === 'ended' && u.call.callId === uuidFor(7, 'a') && ended++);
        for (const e of onNode(twoLegCall(clock, 7))) source.next(e);
        expect(ended).to.equal(1);
      }),
      { numRuns: 300, ...(process.env.CALLWARDEN_FC_SEED ? { seed: Number(process.env.CALLWARDEN_FC_SEED) } : {}) },
    );
  });
});

describe('streams/agent identity', () => {
  const clock = newClock();
  const a = uuidFor(50, 'a');
  const b = uuidFor(50, 'b');
  const aleg = { 'Call-Direction': 'inbound', 'Channel-Call-UUID': a };
  function agentOf(bleg: Record<string, string>): string | undefined {
    const registry = new CallRegistry();
    const source = new Subject<NodeEvent>();
    registry.attach(source);
    source.next({ node: 'fs1', event: channelEvent(clock, 'CHANNEL_CREATE', a, aleg) });
    source.next({ node: 'fs1', event: channelEvent(clock, 'CHANNEL_CREATE', b, { 'Call-Direction': 'outbound', 'Channel-Call-UUID': a, 'Other-Leg-Unique-ID': a, ...bleg }) });
    return registry.get(a)?.agentExtension;
  }

  it('comes from what was dialled, never from the Callee-ID the answering phone sets', () => {
    // The phone at 1001 answers claiming to be 1002 (P-Asserted-Identity → Caller-Callee-ID-Number).
    expect(agentOf({ 'Caller-Destination-Number': '1001', 'Caller-Callee-ID-Number': '1002' })).to.equal('1001');
    expect(agentOf({ 'Caller-Callee-ID-Number': '1002' })).to.equal(undefined);
  });

  it('dialed_user (FreeSWITCH directory, user/<ext>) wins over the destination; callwarden_agent over both', () => {
    expect(agentOf({ 'Caller-Destination-Number': '5000', variable_dialed_user: '1001' })).to.equal('1001');
    expect(agentOf({ 'Caller-Destination-Number': '5000', variable_dialed_user: '1001', variable_callwarden_agent: '1003' })).to.equal('1003');
  });
});
