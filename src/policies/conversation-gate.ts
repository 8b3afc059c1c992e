// Decides that a recording runs only while the caller is bridged to an agent.

import { close, note, type PolicyRule } from './policy-rule';

/**
 * Before the bridge (and between a transfer's unbridge and the next bridge) the caller
 * hears only prompts, ringback or music: there is no conversation, so recording it would
 * collect data for no purpose (GDPR Art. 5(1)(c)). Waiting for the bridge also means the
 * agent whose consent was checked is the one being recorded.
 */
export const conversationGate: PolicyRule = (input, draft) =>
  input.bridged
    ? note(draft, 'bridged:yes')
    : close(draft, 'bridged:no', { reason: 'the call is not bridged to an agent, so there is no conversation to record yet' }, true);
