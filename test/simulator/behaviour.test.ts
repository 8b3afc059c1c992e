// Simulator behaviour beyond the captures: api commands, filters, myevents, timeouts, linger.

import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frameToEvent } from '../../src/esl/event';
import type { EslFrame } from '../../src/esl/frame';
import { Simulator } from '../../src/simulator/simulator';
import { TestListener, TestPeer } from './esl-test-client';

const names = (frames: EslFrame[]): string[] => frames.map((f) => frameToEvent(f)?.name).filter((n): n is string => n !== undefined);
const header = (f: EslFrame | undefined, name: string): string | undefined => (f !== undefined ? frameToEvent(f)?.headers[name] : undefined);

describe('simulator behaviour', () => {
  let sim: Simulator;
  let daemon: TestListener;
  let port: number;

  beforeEach(async () => {
    daemon = await TestListener.start();
    sim = new Simulator({ outbound: { host: '127.0.0.1', port: daemon.port }, recordingsDir: mkdtempSync(join(tmpdir(), 'sim-b-')) });
    port = await sim.listen(0);
  });
  afterEach(async () => {
    await sim.stop();
    await daemon.close();
  });

  async function inbound(...commands: string[]): Promise<TestPeer> {
    const peer = await TestPeer.connect(port);
    await peer.command('auth ClueCon');
    for (const c of commands) await peer.command(c);
    return peer;
  }

  it('api on a live 5001 call: show calls, uuid_broadcast, uuid_hold, uuid_getvar, uuid_kill', async () => {
    const peer = await inbound('event plain ALL');
    const call = sim.placeCall({ from: '1000', to: '5001' });
    await sim.until(() => call.caller.runningApp === 'playback', 'endless tone');
    const calls = JSON.parse((await peer.command('api show calls as json')).body?.toString() ?? '{}') as { row_count: number; rows: Array<{ uuid: string }> };
    expect(calls.row_count).to.equal(1);
    expect(calls.rows[0]?.uuid).to.equal(call.uuid);
    expect((await peer.command(`api uuid_broadcast ${call.uuid} /sounds/notice.wav aleg`)).body?.toString()).to.equal('+OK Message sent\n');
    await sim.waitFor((e) => e.name === 'PLAYBACK_START' && e.headers.some(([k, v]) => k === 'Playback-File-Path' && v === '/sounds/notice.wav'));
    await sim.advance(3000);
    await sim.waitFor((e) => e.name === 'PLAYBACK_STOP' && e.headers.some(([, v]) => v === '/sounds/notice.wav'));
    await peer.command(`api uuid_hold ${call.uuid}`);
    await peer.command(`api uuid_hold off ${call.uuid}`);
    expect((await peer.command(`api uuid_getvar ${call.uuid} direction`)).body?.toString()).to.equal('inbound');
    expect((await peer.command(`api uuid_getvar ${call.uuid} nope`)).body?.toString()).to.equal('_undef_');
    expect((await peer.command(`api uuid_kill ${call.uuid} USER_BUSY`)).body?.toString()).to.equal('+OK\n');
    await peer.until(() => names(peer.frames).includes('CHANNEL_DESTROY'), 'destroy');
    const seen = names(peer.frames);
    expect(seen.indexOf('CHANNEL_HOLD')).to.be.lessThan(seen.indexOf('CHANNEL_UNHOLD'));
    const hangup = peer.frames.find((f) => frameToEvent(f)?.name === 'CHANNEL_HANGUP');
    expect(header(hangup, 'Hangup-Cause')).to.equal('USER_BUSY');
    expect((await peer.command(`api uuid_kill ${call.uuid}`)).body?.toString()).to.equal('-ERR No such channel!\n');
  });

  it('filter narrows delivery; nixevent and noevents stop it; events before a subscription never arrive', async () => {
    const early = sim.placeCall({ from: '1000', to: '5001' });
    await sim.until(() => early.caller.runningApp === 'playback', 'first call up');
    const peer = await inbound('event json CHANNEL_CREATE CHANNEL_HANGUP DTMF');
    const call = sim.placeCall({ from: '1001', to: '5001' });
    await sim.until(() => call.caller.runningApp === 'playback', 'second call up');
    await peer.until(() => names(peer.frames).length > 0, 'create');
    expect(names(peer.frames)).to.deep.equal(['CHANNEL_CREATE']);
    await peer.command(`filter Unique-ID ${call.uuid}`);
    sim.press(early, '7');
    sim.press(call, '8');
    await peer.until(() => names(peer.frames).includes('DTMF'), 'dtmf');
    expect(peer.frames.filter((f) => frameToEvent(f)?.name === 'DTMF').map((f) => header(f, 'DTMF-Digit'))).to.deep.equal(['8']);
    await peer.command('nixevent DTMF');
    sim.press(call, '9');
    await peer.command('noevents');
    sim.hangup(call);
    await sim.waitFor((e) => e.name === 'CHANNEL_DESTROY' && e.uuid === call.uuid);
    const reply = await peer.command('api status');
    expect(reply.body?.toString()).to.match(/^UP 0 years/);
    expect(names(peer.frames)).to.deep.equal(['CHANNEL_CREATE', 'DTMF']);
  });

  it('myevents on the outbound socket: only its channel, never RECORD_* or PLAYBACK_*', async () => {
    const watch = await inbound('event plain RECORD_START');
    const call = sim.placeCall({ from: '1000', to: '5002' });
    const out = await daemon.peer(0);
    await out.command('connect');
    await out.command('myevents');
    await out.command('linger');
    const other = sim.placeCall({ from: '1001', to: '5001' });
    await sim.until(() => other.caller.runningApp === 'playback', 'other call');
    await out.command(`api uuid_record ${call.uuid} start /tmp/x.wav`);
    await watch.until(() => names(watch.frames).includes('RECORD_START'), 'record start on inbound');
    sim.hangup(call);
    await out.next((f) => f.headers['Content-Disposition'] === 'linger', 'linger notice');
    const seen = names(out.frames);
    expect(seen).to.not.include('RECORD_START');
    expect(seen).to.include('CHANNEL_HANGUP_COMPLETE');
    expect(seen).to.not.include('RECORD_STOP');
    expect(out.frames.every((f) => header(f, 'Unique-ID') === undefined || header(f, 'Unique-ID') === call.uuid)).to.equal(true);
    // Lingering: no CHANNEL_DESTROY until the daemon closes the socket.
    await sim.advance(60_000);
    expect(sim.events.some((e) => e.name === 'CHANNEL_DESTROY' && e.uuid === call.uuid)).to.equal(false);
    out.close();
    await sim.waitFor((e) => e.name === 'CHANNEL_DESTROY' && e.uuid === call.uuid);
    await out.whenClosed();
    expect(out.frames[out.frames.length - 1]?.headers['Content-Disposition']).to.equal('disconnect');
  });

  it('play_and_get_digits without a key: every try times out in virtual time, the variable stays unset', async () => {
    const call = sim.placeCall({ from: '1000', to: '5002' });
    const out = await daemon.peer(0);
    await out.command('connect');
    await out.command('myevents');
    out.send(`sendmsg\ncall-command: execute\nexecute-app-name: play_and_get_digits\nexecute-app-arg: 1 1 2 10000 # tone_stream://%(500,0,440) silence_stream://250 consent_digit [19] 10000\nEvent-UUID: pgd-1\n\n`);
    await sim.until(() => call.caller.runningApp === 'play_and_get_digits', 'menu');
    const started = sim.clock.now;
    await sim.advance(25_000);
    const done = await out.next((f) => header(f, 'Application-UUID') === 'pgd-1' && frameToEvent(f)?.name === 'CHANNEL_EXECUTE_COMPLETE');
    expect(header(done, 'variable_consent_digit')).to.equal(undefined);
    const prompts = sim.events.filter((e) => e.name === 'PLAYBACK_START' && e.uuid === call.uuid).length;
    expect(prompts).to.equal(3); // prompt, invalid prompt, prompt
    const completedAt = Number(header(done, 'Event-Date-Timestamp'));
    expect(completedAt - started).to.equal((500 + 10_000 + 250 + 500 + 10_000) * 1000);
  });

  it('without linger the outbound socket says goodbye at hangup and the channel is destroyed', async () => {
    const call = sim.placeCall({ from: '1000', to: '5002' });
    const out = await daemon.peer(0);
    await out.command('connect');
    await out.command('myevents');
    out.send(`sendmsg ${call.uuid}\ncall-command: hangup\nhangup-cause: CALL_REJECTED\n\n`);
    await out.whenClosed();
    await sim.waitFor((e) => e.name === 'CHANNEL_DESTROY' && e.uuid === call.uuid);
    const last = out.frames[out.frames.length - 1];
    expect(last?.headers['Content-Type']).to.equal('text/disconnect-notice');
    expect(header(out.frames.find((f) => frameToEvent(f)?.name === 'CHANNEL_HANGUP'), 'Hangup-Cause')).to.equal('CALL_REJECTED');
    expect(sim.received.filter((c) => c.mode === 'outbound').map((c) => c.line)).to.deep.equal(['connect', 'myevents', `sendmsg ${call.uuid}`]);
  });

  it('the daemon dropping the socket mid-call: socket_resume plays the tone and hangs up', async () => {
    const call = sim.placeCall({ from: '1000', to: '5002' });
    const out = await daemon.peer(0);
    await out.command('connect');
    out.socket.destroy();
    await sim.until(() => call.caller.runningApp === 'playback', 'fallback tone');
    await sim.advance(3000);
    await sim.waitFor((e) => e.name === 'CHANNEL_DESTROY' && e.uuid === call.uuid);
    expect(call.caller.ch.hangupCause).to.equal('NORMAL_CLEARING');
  });

  it('bgapi originate rings a leg that the test answers; BACKGROUND_JOB carries +OK <uuid>', async () => {
    const peer = await inbound('event plain BACKGROUND_JOB CHANNEL_ANSWER');
    const reply = await peer.command('bgapi originate sofia/internal/1001@127.0.0.1:5080 &park()\nJob-UUID: job-1');
    expect(reply.headers['Reply-Text']).to.equal('+OK Job-UUID: job-1');
    const progress = await sim.waitFor((e) => e.name === 'CHANNEL_PROGRESS');
    sim.answerLeg(progress.uuid ?? '');
    const job = await peer.next((f) => frameToEvent(f)?.name === 'BACKGROUND_JOB');
    expect(frameToEvent(job)?.body).to.equal(`+OK ${progress.uuid ?? ''}\n`);
    expect(header(job, 'Job-Command-Arg')).to.equal('sofia/internal/1001@127.0.0.1:5080 &park()');
  });

  it('agentAnswerMs: agent legs pick up by themselves after that much virtual time', async () => {
    const auto = new Simulator({ outbound: { host: '127.0.0.1', port: daemon.port }, agentAnswerMs: 4000 });
    await auto.listen(0);
    const call = auto.placeCall({ from: '1000', to: '5002' });
    const out = await daemon.peer(0);
    await out.command('connect');
    await out.command('myevents');
    out.send(`sendmsg\ncall-command: execute\nexecute-app-name: bridge\nexecute-app-arg: user/1001\n\n`);
    await auto.waitFor((e) => e.name === 'CHANNEL_PROGRESS');
    const before = auto.clock.now;
    await auto.advance(5000);
    const bridged = await auto.waitFor((e) => e.name === 'CHANNEL_BRIDGE' && e.uuid === call.uuid);
    const at = Number(bridged.headers.find(([k]) => k === 'Event-Date-Timestamp')?.[1]);
    expect(at - before).to.equal(4_000_000);
    await auto.stop();
  });
});
