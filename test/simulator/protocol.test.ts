// Conformance: the protocol/ traces (inbound auth, api, bgapi, event, filter, exit; bad password).

import { expect } from 'chai';
import { Simulator } from '../../src/simulator/simulator';
import { tracesAvailable, readTrace } from '../support/traces';
import { TestPeer } from './esl-test-client';
import { describe as line, summarize, traceCommands, traceFrames } from './trace-frames';

describe('simulator conformance: protocol', function () {
  let sim: Simulator;
  let port: number;

  before(function () {
    if (!tracesAvailable()) this.skip();
  });
  beforeEach(async () => {
    sim = new Simulator({ password: 'ClueCon' });
    port = await sim.listen(0);
  });
  afterEach(() => sim.stop());

  async function replay(scenario: string, connection: string): Promise<TestPeer> {
    const peer = await TestPeer.connect(port);
    for (const cmd of traceCommands(scenario, connection)) {
      const headerLines = Object.entries(cmd.headers).map(([k, v]) => `${k}: ${v}\n`).join('');
      peer.send(`${cmd.line}\n${headerLines}\n`);
    }
    await peer.whenClosed();
    return peer;
  }

  it('protocol: same frames, replies, bodies and event header sets as the capture', async () => {
    const peer = await replay('protocol', 'protocol');
    // The BACKGROUND_JOB events arrive asynchronously; wait for both before comparing.
    const expected = summarize(traceFrames('protocol', 'protocol'));
    const actual = summarize(peer.frames);
    expect(actual.map(line)).to.deep.equal(expected.map(line));
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i];
      const a = actual[i];
      if (e?.headerSet !== undefined) expect(a?.headerSet, `frame ${i}`).to.equal(e.headerSet);
      if (e?.body !== undefined && !e.body.startsWith('UP ')) expect(a?.body, `frame ${i}`).to.equal(e.body);
    }
  });

  it('auth-bad: byte-identical to the capture', async () => {
    const peer = await replay('protocol', 'auth-bad');
    expect(Buffer.concat(peer.raw).equals(readTrace('protocol', 'auth-bad').rx)).to.equal(true);
  });

  it('records what each connection sent', async () => {
    await replay('protocol', 'auth-bad');
    expect(sim.received.map((c) => c.line)).to.deep.equal(['auth wrong-password']);
  });
});
