// Header and show-channels names → facts, on real events.

import { expect } from 'chai';
import { channelFacts, originOf, rowFacts, switchTrue } from '../../src/streams/freeswitch-fields';
import { parseShowChannels } from '../../src/streams/channel-row';
import { seedCall } from '../../src/streams/seed-call';
import { tracesAvailable } from '../support/traces';
import { AGENT, CALLER, traceChannelRows, traceEvents } from './fixtures';

(tracesAvailable() ? describe : describe.skip)('streams/freeswitch-fields', () => {
  const events = traceEvents('consent-bridge-coach', 'watch-json');
  const find = (name: string, uuid: string) => events.find((e) => e.name === name && e.headers['Unique-ID'] === uuid)!;

  it('reads the b-leg link from a real CHANNEL_CREATE', () => {
    const facts = channelFacts(find('CHANNEL_CREATE', AGENT))!;
    expect(facts).to.include({
      eventName: 'CHANNEL_CREATE',
      uniqueId: AGENT,
      direction: 'outbound',
      otherLeg: CALLER,
      callUuid: CALLER,
      destination: '1001',
      calleeNumber: '1001',
      callerNumber: '1000',
      timestamp: 1795345811121983,
      hostname: 'vm',
    });
  });

  it('reads both bridge ends from CHANNEL_BRIDGE', () => {
    expect(channelFacts(find('CHANNEL_BRIDGE', CALLER))).to.include({ bridgeA: CALLER, bridgeB: AGENT });
  });

  it('reads Event-Sequence and Core-UUID as the origin', () => {
    expect(originOf(find('CHANNEL_CREATE', CALLER))).to.deep.equal({ coreUuid: '2c923e4a-7233-44c9-b9f7-5151ea79c60f', sequence: 506 });
  });

  it('treats 0 times as "not happened"', () => {
    const facts = channelFacts(find('CHANNEL_CREATE', CALLER))!;
    expect(facts.answeredTime).to.equal(undefined);
    expect(facts.createdTime).to.equal(1795345803301980);
  });

  it('turns a show-channels row into facts', () => {
    const rows = traceChannelRows('consent-bridge-coach', 'coach-socket');
    expect(rows.map((r) => r.uuid)).to.deep.equal([CALLER, AGENT]);
    expect(rowFacts(rows[1]!)).to.include({
      eventName: 'CHANNEL_DATA',
      uniqueId: AGENT,
      direction: 'outbound',
      callUuid: CALLER,
      destination: '1001',
      callState: 'ACTIVE',
      answerState: 'answered',
      createdTime: 1795345811_000_000,
    });
  });

  it('seedCall folds both rows of a bridged call into one state', () => {
    const [callerRow, agentRow] = traceChannelRows('consent-bridge-coach', 'coach-socket');
    const call = seedCall(agentRow!, 'fs1', seedCall(callerRow!, 'fs1'));
    expect(call.callId).to.equal(CALLER);
    expect(call.legs.map((l) => [l.uuid, l.role, l.channelState, l.answered])).to.deep.equal([
      [CALLER, 'caller', 'CS_EXECUTE', true],
      [AGENT, 'agent', 'CS_EXCHANGE_MEDIA', true],
    ]);
    expect(call).to.include({ callerNumber: '1000', destination: '5002', agentExtension: '1001', startedAt: 1795345803_000_000 });
    expect(seedCall(agentRow!, 'fs1').callId).to.equal(CALLER); // the b-leg alone already knows its call
  });

  it('parses an empty show-channels reply as no rows', () => {
    expect(parseShowChannels('{"row_count": 0}')).to.deep.equal([]);
  });

  const truthy: Array<[string | undefined, boolean | undefined]> = [
    ['true', true], ['yes', true], ['on', true], ['1', true], ['TRUE', true],
    ['false', false], ['0', false], ['', false], ['no', false], [undefined, undefined],
  ];
  for (const [value, want] of truthy) {
    it(`switchTrue(${JSON.stringify(value)}) is ${want}`, () => expect(switchTrue(value)).to.equal(want));
  }
});
