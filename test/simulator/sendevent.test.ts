// sendevent as mod_event_socket does it: fired to subscribers (PRESENCE_IN reaches mod_sofia), or queued to a live session named by unique-id and never fired.

import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frameToEvent } from '../../src/esl/event';
import { Simulator } from '../../src/simulator/simulator';
import { TestListener, TestPeer } from './esl-test-client';

describe('simulator: sendevent', () => {
  let sim: Simulator;
  let daemon: TestListener;
  let port: number;
  beforeEach(async () => {
    daemon = await TestListener.start();
    sim = new Simulator({ outbound: { host: '127.0.0.1', port: daemon.port }, recordingsDir: mkdtempSync(join(tmpdir(), 'sim-se-')), heartbeatSeconds: 0 });
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

  const presence = (uuid: string, state: string) =>
    ['sendevent PRESENCE_IN', 'proto: rec', 'from: rec1001@pbx.test', 'event_type: presence', 'alt_event_type: dialog', 'Presence-Call-Direction: outbound', `unique-id: ${uuid}`, `answer-state: ${state}`].join('\n');

  it('fires the event with an Event-UUID (the reply names it), records the command, and mod_sofia would light the key', async () => {
    const watcher = await inbound('event plain PRESENCE_IN');
    const sender = await inbound();
    const reply = await sender.command(presence('cwlamp0001', 'confirmed'));
    const id = /^\+OK (\S+)$/.exec(reply.headers['Reply-Text'] ?? '')?.[1];
    expect(id).to.be.a('string');
    const frame = await watcher.next((f) => frameToEvent(f)?.name === 'PRESENCE_IN', 'the PRESENCE_IN');
    expect(frameToEvent(frame)?.headers).to.include({ 'Event-UUID': id, proto: 'rec', 'answer-state': 'confirmed', 'unique-id': 'cwlamp0001' });
    expect(sim.received.filter((c) => c.line === 'sendevent PRESENCE_IN')).to.have.length(1);
    expect(sim.blf('rec+rec1001@pbx.test')).to.equal('confirmed');
  });

  it('a unique-id that names a live channel queues the event to that session: nobody hears it, no key changes', async () => {
    const watcher = await inbound('event plain PRESENCE_IN CHANNEL_CREATE');
    const call = sim.placeCall({ from: '1000', to: '5001' });
    await sim.until(() => call.caller.runningApp === 'playback', 'the call up');
    const sender = await inbound();
    const reply = await sender.command(presence(call.uuid, 'confirmed'));
    expect(reply.headers['Reply-Text']).to.match(/^\+OK /);
    // Fired afterwards with a free id, so everything before it has been delivered.
    await sender.command(presence('cwlamp0002', 'early'));
    const events = () => watcher.frames.map((f) => frameToEvent(f)).filter((e) => e?.name === 'PRESENCE_IN');
    await watcher.until(() => events().length === 1, 'the second PRESENCE_IN');
    expect(events()[0]?.headers['unique-id']).to.equal('cwlamp0002');
    expect(sim.blfNotifies.map((n) => n.dialogId)).to.deep.equal(['cwlamp0002']);
  });
});
