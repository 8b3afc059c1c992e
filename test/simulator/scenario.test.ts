// Scenario scripts end to end (with a stand-in daemon), their parser, and byte-exact framing.

import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frameToEvent } from '../../src/esl/event';
import { FrameParser } from '../../src/esl/parser';
import { ScenarioError, formatTimeline, parseScenario } from '../../src/simulator/scenario';
import { Simulator } from '../../src/simulator/simulator';
import { TestListener, TestPeer } from './esl-test-client';
import { consentCall } from './mini-daemon';

const SCRIPT = `
call c1: caller +49301234567 "Jürgen Müller" dials 5002
c1: expect prompt           # waits until the daemon plays the consent menu
c1: caller presses 1
c1: agent 1001 answers      # the daemon's bridge reaches the agent leg
wait 30s
c1: agent presses 5
c1: caller hangs up
`;

describe('simulator scenarios', () => {
  let sim: Simulator;
  let daemon: TestListener;
  let recordings: string;

  beforeEach(async () => {
    daemon = await TestListener.start();
    recordings = mkdtempSync(join(tmpdir(), 'sim-scn-'));
    sim = new Simulator({ outbound: { host: '127.0.0.1', port: daemon.port }, recordingsDir: recordings });
    await sim.listen(0);
  });
  afterEach(async () => {
    await sim.stop();
    await daemon.close();
  });

  it('runs the README script: 30 s of simulated call in milliseconds, with a readable timeline', async () => {
    const served = daemon.peer(0).then((peer) => consentCall(peer));
    const started = Date.now();
    const timeline = await sim.run(SCRIPT);
    await served;
    expect(Date.now() - started).to.be.lessThan(3000);
    const c1 = (timeline.get('c1') ?? []).map((e) => e.text);
    for (const wanted of ['caller presses 1', 'agent 1001 answers', 'DTMF 1 (caller)', 'CHANNEL_BRIDGE (caller)', 'DTMF 5 (agent)', 'caller hangs up', 'CHANNEL_HANGUP (caller) NORMAL_CLEARING']) {
      expect(c1, wanted).to.include(wanted);
    }
    expect(c1.some((t) => t.startsWith('RECORD_START'))).to.equal(true);
    expect(c1.some((t) => t.startsWith('daemon → sendmsg bridge'))).to.equal(true);
    const hangupAt = timeline.get('c1')?.find((e) => e.text === 'caller hangs up')?.atMs ?? 0;
    expect(hangupAt).to.be.greaterThanOrEqual(30_000);
    expect(formatTimeline(timeline)).to.contain('── c1 ──');
    // The recording covers the simulated time from uuid_record start to the hangup.
    const uuid = sim.handle('c1').uuid;
    const wav = readFileSync(join(recordings, `${uuid}.wav`));
    const seconds = (wav.length - 44) / (8000 * 2 * 2);
    expect(seconds).to.be.within(30, 31);
  });

  it('fails a step with its line number when the daemon bridges to another agent', async () => {
    const served = daemon.peer(0).then((peer) => consentCall(peer, 'sofia/internal/1002@127.0.0.1:5080'));
    const script = 'call c1: caller 1000 dials 5002\nc1: expect prompt\nc1: caller presses 1\nc1: agent 1001 answers';
    let error: unknown;
    await sim.run(script).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(ScenarioError);
    expect((error as ScenarioError).line).to.equal(4);
    expect((error as Error).message).to.contain('rings 1002, not 1001');
    sim.hangup('c1');
    await served;
  });

  it('rejects a bad line with its line number', () => {
    expect(() => parseScenario('call c1: caller 1000 dials 5002\nc1: caller dances')).to.throw(ScenarioError, 'line 2');
    expect(() => parseScenario('x1: caller presses 1')).to.throw(ScenarioError, 'line 1');
    expect(() => parseScenario('wait forever')).to.throw(ScenarioError, 'bad duration');
  });

  it('writes frames whose Content-Length counts bytes (UTF-8 caller name), parsed by src/esl', async () => {
    const port = sim.port ?? 0;
    const plain = await TestPeer.connect(port);
    await plain.command('auth ClueCon');
    await plain.command('event plain ALL');
    const json = await TestPeer.connect(port);
    await json.command('auth ClueCon');
    await json.command('event json ALL');
    const served = daemon.peer(0).then(async (peer) => {
      await consentCall(peer);
      return peer;
    });
    await sim.run(SCRIPT);
    const outbound = await served;
    await sim.until(() => sim.events.some((e) => e.name === 'CHANNEL_DESTROY' && e.uuid === sim.handle('c1').uuid), 'destroy');
    await plain.until(() => plain.frames.some((f) => frameToEvent(f)?.name === 'CHANNEL_DESTROY'), 'plain destroy');
    await json.until(() => json.frames.some((f) => frameToEvent(f)?.name === 'CHANNEL_DESTROY'), 'json destroy');
    for (const peer of [plain, json, outbound]) {
      // Re-parse the whole byte stream in one go: nothing left over, every frame accounted for.
      const parser = new FrameParser();
      const frames = parser.push(Buffer.concat(peer.raw));
      expect(parser.buffered).to.equal(0);
      expect(frames.length).to.equal(peer.frames.length);
      for (const f of frames) {
        const length = f.headers['Content-Length'];
        if (length !== undefined) expect(f.body?.length).to.equal(Number(length));
        const ev = frameToEvent(f);
        if (ev?.headers['Caller-Caller-ID-Number'] === '+49301234567') expect(ev.headers['Caller-Caller-ID-Name']).to.equal('Jürgen Müller');
      }
    }
    expect(outbound.frames[0]?.headers['Caller-Caller-ID-Name']).to.equal('Jürgen Müller');
    const named = plain.frames.map((f) => frameToEvent(f)).filter((e) => e?.headers['Caller-Caller-ID-Name'] === 'Jürgen Müller');
    expect(named.length).to.be.greaterThan(10);
  });
});
