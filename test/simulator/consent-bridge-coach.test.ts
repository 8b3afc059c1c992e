// Conformance: consent-bridge-coach (consent menu, recording, bridge, supervisor eavesdrop).

import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frameToEvent } from '../../src/esl/event';
import { Simulator } from '../../src/simulator/simulator';
import { tracesAvailable } from '../support/traces';
import { TestListener, TestPeer } from './esl-test-client';
import { drive } from './trace-driver';
import { expectSameFrames, summarize, traceCommands, traceFrames, withoutDigit } from './trace-frames';

const TRACE_CALLER = '0d2d4bb5-3ac1-4db2-b8c8-e9eb87d35116';
const TRACE_AGENT = '3777d9cc-f04d-46d9-ad1c-35190cbcb635';
const TRACE_SUPERVISOR = 'fd9e7755-81aa-459e-a680-a8c744f7db93';

describe('simulator conformance: consent-bridge-coach', function () {
  let sim: Simulator;
  let consentL: TestListener;
  let coachL: TestListener;
  let watch: TestPeer;
  let recordings: string;

  before(function () {
    if (!tracesAvailable()) this.skip();
  });

  beforeEach(async () => {
    consentL = await TestListener.start();
    coachL = await TestListener.start();
    recordings = mkdtempSync(join(tmpdir(), 'sim-rec-'));
    sim = new Simulator({
      outbound: { host: '127.0.0.1', port: consentL.port },
      supervisorOutbound: { host: '127.0.0.1', port: coachL.port },
      recordingsDir: recordings,
    });
    const port = await sim.listen(0);
    watch = await TestPeer.connect(port);
    for (const cmd of traceCommands('consent-bridge-coach', 'watch-json')) await watch.command(cmd.line);
  });

  afterEach(async () => {
    await sim.stop();
    await consentL.close();
    await coachL.close();
  });

  it('produces the captured frames on the consent socket, the coach socket and the json watcher', async () => {
    const call = sim.placeCall({ from: '1000', name: 'sipp 1000', to: '5002', label: 'c1' });
    const consent = await consentL.peer(0);
    const consentDone = drive(consent, 'consent-bridge-coach', 'consent-socket', { uuids: new Map([[TRACE_CALLER, call.uuid]]) });

    await sim.expectPrompt(call);
    sim.press(call, '1');
    const agent = await sim.agentAnswers(call);

    const sup = sim.placeCall({ from: '1003', name: 'sipp 1003', to: '*97*1001', label: 's1' });
    const coach = await coachL.peer(0);
    const coachDone = drive(coach, 'consent-bridge-coach', 'coach-socket', {
      uuids: new Map([[TRACE_SUPERVISOR, sup.uuid], [TRACE_AGENT, agent.uuid]]),
    });
    await sim.until(() => sup.caller.runningApp === 'eavesdrop', 'eavesdrop');
    sim.press(call, '5', 'agent');
    sim.press(sup, '2130');
    sim.hangup(sup);
    await coachDone;
    await sim.advance(1000);
    // The capture's agent leg reports HANGUP first: both phones hung up together.
    sim.hangup(call, 'both');
    await consentDone;
    await sim.until(() => sim.events.some((e) => e.name === 'CHANNEL_DESTROY' && e.uuid === call.uuid), 'caller destroyed');
    await watch.until(() => watch.frames.some((f) => frameToEvent(f)?.name === 'CHANNEL_DESTROY' && frameToEvent(f)?.headers['Unique-ID'] === call.uuid), 'watch: caller destroy');

    expectSameFrames(summarize(consent.frames), summarize(traceFrames('consent-bridge-coach', 'consent-socket')), 'consent-socket');
    expectSameFrames(
      summarize(withoutDigit(coach.frames, '1', sup.uuid)),
      summarize(traceFrames('consent-bridge-coach', 'coach-socket')),
      'coach-socket',
    );
    const expectedWatch = summarize(traceFrames('consent-bridge-coach', 'watch-json')).filter((f) => f.type !== 'text/disconnect-notice');
    expectSameFrames(summarize(withoutDigit(watch.frames, '1', sup.uuid)), expectedWatch, 'watch-json');

    // show channels as json: same row keys; the capture's list lacked the supervisor's own
    // channel (FreeSWITCH's channel table lags), the simulator lists every live channel.
    const rowKeys = (body: string | undefined): string[] => Object.keys((JSON.parse(body ?? '{}') as { rows: Array<Record<string, string>> }).rows[0] ?? {});
    const capturedShow = traceFrames('consent-bridge-coach', 'coach-socket').find((f) => f.headers['Content-Type'] === 'api/response');
    const show = coach.frames.find((f) => f.headers['Content-Type'] === 'api/response');
    expect(rowKeys(show?.body?.toString())).to.deep.equal(rowKeys(capturedShow?.body?.toString()));

    // The recording is a real stereo WAV whose length is the simulated time.
    const wav = readFileSync(join(recordings, `${call.uuid}.wav`));
    expect(wav.toString('ascii', 0, 4)).to.equal('RIFF');
    expect(wav.readUInt16LE(22)).to.equal(2);
  });
});
