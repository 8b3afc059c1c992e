// Conformance: daemon-kill9-midcall/ and daemon-restart-midcall/ (the controller's socket closes while it holds the bridge).

import { expect } from 'chai';
import { frameToEvent } from '../../src/esl/event';
import type { EslFrame } from '../../src/esl/frame';
import type { Session } from '../../src/simulator/session';
import { CAPTURED_AGENT } from '../../src/simulator/simulator';
import { tracesAvailable } from '../support/traces';
import { TestPeer } from './esl-test-client';
import { startHarness, watchSawDestroy, type Harness } from './scenario-harness';
import { expectSameFrames, summarize, traceFrames, type FrameSummary } from './trace-frames';

const PROMPT = '1 1 2 10000 # /usr/share/freeswitch/sounds/callwarden/de/consent-menu.wav /usr/share/freeswitch/sounds/callwarden/de/invalid-entry.wav callwarden_consent_digit [19] 10000';

/** The frames of one channel (by Unique-ID) from its CHANNEL_ANSWER on (before it, the captures' vanilla dialplan logs and sleeps). */
function channelFrames(frames: readonly EslFrame[], uuid: string, fromAnswer: boolean): FrameSummary[] {
  const mine = summarize(frames.filter((f) => frameToEvent(f)?.headers['Unique-ID'] === uuid));
  const start = fromAnswer ? mine.findIndex((f) => f.event === 'CHANNEL_ANSWER') : 0;
  return mine.slice(Math.max(0, start));
}

/** The channels of the capture in order of appearance: caller, first agent leg, second agent leg. */
function legsOf(frames: readonly EslFrame[]): string[] {
  const uuids: string[] = [];
  for (const f of frames) {
    const ev = frameToEvent(f);
    const u = ev?.headers['Unique-ID'];
    if (ev?.name === 'CHANNEL_CREATE' && u !== undefined && !uuids.includes(u)) uuids.push(u);
  }
  return uuids;
}

const eventName = (f: EslFrame): string | undefined => frameToEvent(f)?.name;

describe('simulator conformance: the controller goes away while it holds the bridge', function () {
  let h: Harness;
  before(function () {
    if (!tracesAvailable()) this.skip();
  });
  afterEach(() => h.close());

  /**
   * As the captured callwarden did: consent flow and `bridge` inside its outbound socket,
   * `uuid_record` over an inbound connection, then its socket closes (`how`).
   */
  async function bridgedThenSocketCloses(how: 'kill9' | 'restart') {
    h = await startHarness(how === 'kill9' ? 'daemon-kill9-midcall' : 'daemon-restart-midcall');
    const { sim } = h;
    const control = await TestPeer.connect(sim.port as number);
    await control.command('auth ClueCon');
    const call = sim.placeCall({ from: '1000', name: 'sipp 1000', to: '5000' });
    const socket = await h.consent.peer(0);
    await socket.command('connect');
    await socket.command('myevents');
    await socket.command('linger');
    const execute = async (app: string, arg?: string) => {
      const mark = sim.mark();
      socket.send(`sendmsg ${call.uuid}\ncall-command: execute\nexecute-app-name: ${app}\n${arg !== undefined ? `execute-app-arg: ${arg}\n` : ''}event-lock: true\n\n`);
      return mark;
    };
    await sim.waitFor((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.headers.some(([k, v]) => k === 'Application' && v === 'answer'), await execute('answer'));
    const pgd = await execute('play_and_get_digits', PROMPT);
    // The captured caller pressed 1 while the menu still played (DTMF before PLAYBACK_STOP).
    await sim.waitFor((e) => e.name === 'PLAYBACK_START' && e.uuid === call.uuid, pgd);
    sim.press(call, '1');
    await sim.waitFor((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.headers.some(([k, v]) => k === 'Application' && v === 'play_and_get_digits'), pgd);
    const pb = await execute('playback', '/usr/share/freeswitch/sounds/callwarden/de/recording-started.wav');
    await sim.until(() => call.caller.runningApp === 'playback', 'confirmation');
    await sim.advance(3000);
    await sim.waitFor((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.headers.some(([k, v]) => k === 'Application' && v === 'playback'), pb);
    await execute('bridge', CAPTURED_AGENT);
    const firstAgent = await sim.agentAnswers(call, '1001');
    await control.command(`api uuid_setvar ${call.uuid} RECORD_STEREO true`);
    await control.command(`api uuid_record ${call.uuid} start /tmp/${call.uuid}.wav`);
    await sim.waitFor((e) => e.name === 'RECORD_START');
    await sim.advance(5000);

    const closedAt = sim.mark();
    if (how === 'kill9') socket.socket.resetAndDestroy();
    else socket.socket.end();
    // The socket app returns; socket_resume=true: the dialplan's next action rings the agent again.
    await sim.waitFor((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.uuid === call.uuid && e.headers.some(([k, v]) => k === 'Application' && v === 'socket'), closedAt);
    await sim.until(() => call.agent !== undefined && call.agent !== firstAgent && call.agent.farEnd === 'ringing', 'the fallback bridge to ring');
    const secondAgent = call.agent as Session;
    if (how === 'kill9') {
      await sim.agentAnswers(call, '1001');
      await sim.advance(5000);
      sim.hangup(call);
    } else {
      // The captured agent phone refused the second call with a 503: the caller is dropped.
      await sim.agentRejects(call, 'NORMAL_TEMPORARY_FAILURE');
    }
    await watchSawDestroy(h.watch, call.uuid);
    await watchSawDestroy(h.watch, firstAgent.uuid);
    await watchSawDestroy(h.watch, secondAgent.uuid);
    control.close();
    return { call, firstAgent };
  }

  for (const how of ['kill9', 'restart'] as const) {
    const scenario = how === 'kill9' ? 'daemon-kill9-midcall' : 'daemon-restart-midcall';
    it(`${scenario}: agent leg hung up, UNBRIDGE, bridge and socket complete, the dialplan's fallback bridge runs, the recording goes on`, async () => {
      const { call, firstAgent } = await bridgedThenSocketCloses(how);
      const trace = traceFrames(scenario, 'watch-json');
      const [tCaller, tAgent1, tAgent2] = legsOf(trace);
      const [sCaller, sAgent1, sAgent2] = legsOf(h.watch.frames);
      expect(sCaller).to.equal(call.uuid);
      expect(sAgent1).to.equal(firstAgent.uuid);
      // Each channel's own sequence (names and header sets) as captured.
      expectSameFrames(channelFrames(h.watch.frames, sCaller as string, true), channelFrames(trace, tCaller as string, true), 'caller');
      expectSameFrames(channelFrames(h.watch.frames, sAgent1 as string, false), channelFrames(trace, tAgent1 as string, false), 'first agent leg');
      expectSameFrames(channelFrames(h.watch.frames, sAgent2 as string, false), channelFrames(trace, tAgent2 as string, false), 'second agent leg');
      // Across channels, what both captures agree on: the agent leg is hung up first, then the
      // caller's bridge unwinds, and the second agent leg exists only after the socket app returned.
      const at = (frames: readonly EslFrame[], uuid: string, name: string, app?: string): number =>
        frames.findIndex((f) => {
          const ev = frameToEvent(f);
          return ev?.name === name && ev.headers['Unique-ID'] === uuid && (app === undefined || ev.headers['Application'] === app);
        });
      for (const [frames, caller, a1, a2] of [
        [h.watch.frames, sCaller, sAgent1, sAgent2],
        [trace, tCaller, tAgent1, tAgent2],
      ] as const) {
        const order = [
          at(frames, a1 as string, 'CHANNEL_HANGUP'),
          at(frames, caller as string, 'CHANNEL_UNBRIDGE'),
          at(frames, caller as string, 'CHANNEL_EXECUTE_COMPLETE', 'bridge'),
          at(frames, caller as string, 'CHANNEL_EXECUTE_COMPLETE', 'socket'),
          at(frames, a2 as string, 'CHANNEL_CREATE'),
        ];
        expect(order.every((i) => i >= 0)).to.equal(true);
        expect([...order].sort((x, y) => x - y)).to.deep.equal(order);
      }
      const hangup = h.watch.frames.find((f) => eventName(f) === 'CHANNEL_HANGUP' && frameToEvent(f)?.headers['Unique-ID'] === sAgent1);
      expect(frameToEvent(hangup as EslFrame)?.headers['Hangup-Cause']).to.equal('NORMAL_CLEARING');
    });
  }
});
