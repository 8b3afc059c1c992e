// Conformance: shutdown/ (SHUTDOWN event, "The system is being shut down.", close) and restart.

import { expect } from 'chai';
import { Simulator } from '../../src/simulator/simulator';
import { tracesAvailable } from '../support/traces';
import { TestPeer } from './esl-test-client';
import { expectSameFrames, summarize, traceFrames } from './trace-frames';

describe('simulator conformance: shutdown and restart', function () {
  before(function () {
    if (!tracesAvailable()) this.skip();
  });

  it('shutdown: SHUTDOWN event then the shutdown notice, then the socket closes', async () => {
    const sim = new Simulator();
    const port = await sim.listen(0);
    const peer = await TestPeer.connect(port);
    await peer.command('auth ClueCon');
    await peer.command('event plain ALL');
    await sim.stop();
    await peer.whenClosed();
    // The capture also has ~120 MODULE_UNLOAD / UNPUBLISH events; the simulator loads no modules.
    const expected = summarize(traceFrames('shutdown', 'shutdown')).filter((f) => f.event === undefined || f.event === 'SHUTDOWN');
    expectSameFrames(summarize(peer.frames), expected, 'shutdown');
    expect(peer.frames[peer.frames.length - 1]?.body?.toString()).to.equal('The system is being shut down.\n');
  });

  it('restart: the same port accepts clients again, counters follow the connections', async () => {
    const sim = new Simulator();
    const port = await sim.listen(0);
    const first = await TestPeer.connect(port);
    await first.command('auth ClueCon');
    await sim.until(() => sim.openConnections.inbound === 1, 'one inbound');
    const coreBefore = sim.core.host.coreUuid;
    expect(await sim.restart()).to.equal(port);
    expect(sim.core.host.coreUuid).to.not.equal(coreBefore);
    await first.whenClosed();
    expect(sim.openConnections.inbound).to.equal(0);
    const second = await TestPeer.connect(port);
    const reply = await second.command('auth ClueCon');
    expect(reply.headers['Reply-Text']).to.equal('+OK accepted');
    second.send('exit');
    await second.whenClosed();
    await sim.stop();
  });

  it('HEARTBEAT every 20 virtual seconds, with the captured header set', async () => {
    const sim = new Simulator();
    const port = await sim.listen(0);
    const peer = await TestPeer.connect(port);
    await peer.command('auth ClueCon');
    await peer.command('event plain HEARTBEAT');
    await sim.advance(45_000);
    await peer.until(() => peer.frames.length >= 5, 'two heartbeats');
    const captured = summarize(traceFrames('consent-bridge-coach', 'watch-plain')).find((f) => f.event === 'HEARTBEAT');
    const got = summarize(peer.frames).filter((f) => f.event === 'HEARTBEAT');
    expect(got.length).to.equal(2);
    expect(got[0]?.headerSet).to.equal(captured?.headerSet);
    await sim.stop();
  });
});
