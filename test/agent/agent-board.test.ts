// The per-agent view: a transfer moves the call to the new agent, a second call of one agent wins, an ended call leaves the agent idle.

import { expect } from 'chai';
import { AgentBoard, agentsConfigOf, AgentSide } from '../../src/agent';
import type { CallAgentSnapshot } from '../../src/calls';
import { captureLogger } from '../support/capture-logger';

const snap = (over: Partial<CallAgentSnapshot>): CallAgentSnapshot => ({
  callId: 'c1',
  extension: '1001',
  ended: false,
  recordingRunning: true,
  masked: false,
  paused: false,
  consentPending: false,
  monitors: [],
  notifyMonitoring: false,
  ...over,
});

describe('agent: the board of agents', () => {
  it('a transfer hands the call to the new agent and leaves the old one idle', () => {
    const board = new AgentBoard();
    expect(board.update(snap({})).map((v) => [v.extension, v.callId, v.lamp])).to.deep.equal([['1001', 'c1', 'on']]);
    const moved = board.update(snap({ extension: '1002' }));
    expect(moved.map((v) => [v.extension, v.callId, v.lamp])).to.deep.equal([
      ['1001', null, 'off'],
      ['1002', 'c1', 'on'],
    ]);
  });

  it('with two live calls the agent shows the one updated last; the other ending changes nothing', () => {
    const board = new AgentBoard();
    board.update(snap({ callId: 'c1' }));
    board.update(snap({ callId: 'c2', recordingRunning: false }));
    expect(board.viewOf('1001').callId).to.equal('c2');
    expect(board.update(snap({ callId: 'c1', ended: true }))).to.deep.equal([]);
    expect(board.update(snap({ callId: 'c2', ended: true })).map((v) => v.callId)).to.deep.equal([null]);
  });

  it('a supervisor\'s mask shows on the lamp only where the group tells its agents about monitoring', () => {
    const board = new AgentBoard();
    expect(board.update(snap({ masked: true }))[0]).to.include({ lamp: 'on', masked: false });
    expect(board.update(snap({ masked: true, notifyMonitoring: true }))[0]).to.include({ lamp: 'blinking', masked: true });
    expect(board.update(snap({ masked: true, paused: true, notifyMonitoring: false }))[0]).to.include({ lamp: 'blinking', masked: true });
  });

  it('only agents enabled in config: a call that moves to an unlisted extension counts as gone', () => {
    const side = new AgentSide({ agents: agentsConfigOf({ mqtt: { enabled: false } }), recording: { extensions: { '1001': { group: 'g' } } } as never }, captureLogger().logger);
    side.listener(snap({}));
    expect(side.viewOf('1001').callId).to.equal('c1');
    side.listener(snap({ extension: 'x/../evil' }));
    expect(side.viewOf('1001').callId).to.equal(null);
    expect(side.viewOf('x/../evil').callId).to.equal(null);
  });
});
