// Conformance: objection/ (caller presses 9: no recording) and transfer/ (uuid_transfer while bridged).

import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tracesAvailable } from '../support/traces';
import { startHarness, watchSawDestroy, type Harness } from './scenario-harness';
import { drive } from './trace-driver';
import { expectSameFrames, summarize, traceFrames } from './trace-frames';

const OBJECTION_CALLER = '86823ad4-f1ab-4c12-b350-c5d4b1aa3762';
const TRANSFER_CALLER = 'f09a3ec5-68aa-4b9b-864e-495e6d213979';

function watchFrames(scenario: string): ReturnType<typeof summarize> {
  return summarize(traceFrames(scenario, 'watch-json')).filter((f) => f.type !== 'text/disconnect-notice');
}

describe('simulator conformance: objection and transfer', function () {
  let h: Harness;
  before(function () {
    if (!tracesAvailable()) this.skip();
  });
  afterEach(() => h.close());

  it('objection: caller presses 9, no recording, bridge, caller hangs up', async () => {
    h = await startHarness('objection');
    const { sim } = h;
    const call = sim.placeCall({ from: '1000', name: 'sipp 1000', to: '5002' });
    const consent = await h.consent.peer(0);
    const done = drive(consent, 'objection', 'consent-socket', { uuids: new Map([[OBJECTION_CALLER, call.uuid]]) });
    await sim.expectPrompt(call);
    sim.press(call, '9');
    await sim.agentAnswers(call);
    await sim.advance(5000);
    sim.hangup(call);
    await done;
    await watchSawDestroy(h.watch, call.uuid);
    expectSameFrames(summarize(consent.frames), summarize(traceFrames('objection', 'consent-socket')), 'consent-socket');
    expectSameFrames(summarize(h.watch.frames), watchFrames('objection'), 'watch-json');
    expect(existsSync(join(h.recordings, `${call.uuid}.wav`))).to.equal(false);
  });

  it('transfer: uuid_transfer 5 s after the bridge ends the agent leg and re-runs the dialplan', async () => {
    h = await startHarness('transfer');
    const { sim } = h;
    const call = sim.placeCall({ from: '1000', name: 'sipp 1000', to: '5002' });
    const consent = await h.consent.peer(0);
    const done = drive(consent, 'transfer', 'consent-socket', {
      uuids: new Map([[TRANSFER_CALLER, call.uuid]]),
      // The capture sent uuid_transfer 5 s after CHANNEL_BRIDGE: let that time pass first.
      before: async (_i, line) => {
        if (line.startsWith('api uuid_transfer')) await sim.advance(5000);
      },
    });
    await sim.expectPrompt(call);
    sim.press(call, '1');
    const agent = await sim.agentAnswers(call);
    await sim.until(() => call.caller.runningApp === 'playback' && call.caller.ch.profile.destinationNumber === '5001', 'playback after transfer');
    await sim.advance(3000);
    sim.hangup(call);
    await done;
    await watchSawDestroy(h.watch, call.uuid);
    expect(agent.ch.alive).to.equal(false);
    expectSameFrames(summarize(consent.frames), summarize(traceFrames('transfer', 'consent-socket')), 'consent-socket');
    expectSameFrames(summarize(h.watch.frames), watchFrames('transfer'), 'watch-json');
    expect(existsSync(join(h.recordings, `${call.uuid}.wav`))).to.equal(true);
  });
});
