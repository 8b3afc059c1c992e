// The lamp's states and the agent self-review rule, as tables.

import { expect } from 'chai';
import { lampState, mayAgentReview, type LampInput } from '../../src/policies';
import { group } from './policy-fixtures';

describe('policies: what the agent sees', () => {
  const lamp = (over: Partial<LampInput>) => lampState({ inCall: true, recordingRunning: false, masked: false, paused: false, consentPending: false, ...over });

  it('the lamp: on only with a running recording; blinking for a masked or paused file or a caller still asked; off otherwise', () => {
    expect(lamp({ inCall: false, recordingRunning: true })).to.equal('off');
    expect(lamp({})).to.equal('off');
    expect(lamp({ recordingRunning: true })).to.equal('on');
    expect(lamp({ recordingRunning: true, paused: true })).to.equal('blinking');
    expect(lamp({ recordingRunning: true, masked: true })).to.equal('blinking');
    expect(lamp({ consentPending: true })).to.equal('blinking');
    // A pause with nothing recording has nothing to show.
    expect(lamp({ paused: true })).to.equal('off');
  });

  it('self-review: own calls where the group allows it, or a call shared with its own agent; never a colleague\'s', () => {
    const cfg = { groups: { open: group({ agentSelfReview: true }), closed: group({}) } };
    expect(mayAgentReview(cfg, '1001', { agentExtension: '1001', group: 'open' }).ok).to.equal(true);
    expect(mayAgentReview(cfg, '1001', { agentExtension: '1001', group: 'closed' }).ok).to.equal(false);
    expect(mayAgentReview(cfg, '1001', { agentExtension: '1001', group: 'closed', sharedWith: ['1001'] }).ok).to.equal(true);
    expect(mayAgentReview(cfg, '1001', { agentExtension: '1002', group: 'open', sharedWith: ['1001'] }).ok).to.equal(false);
    expect(mayAgentReview(cfg, '1001', { agentExtension: null, group: 'open' }).ok).to.equal(false);
    expect(mayAgentReview(cfg, '1001', { agentExtension: '1001', group: 'nope' }).ok).to.equal(false);
    expect(mayAgentReview(cfg, '', { agentExtension: '', group: 'open' }).ok).to.equal(false);
    expect(mayAgentReview(cfg, '1001', { agentExtension: '1001', group: '__proto__' }).ok).to.equal(false);
  });
});
