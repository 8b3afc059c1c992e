// The lamp's presence ids and PRESENCE_IN frames as mod_sofia reads them, and the simulator's model of it.

import { expect } from 'chai';
import { agentsConfigOf, agentsConfigProblems, lampDialogId, parsePresenceId, presenceCommand, presenceHeaders, presenceIdFor } from '../../src/agent';
import { sofiaPresenceNotify } from '../../src/simulator/presence';

const noCalls = { uuidExists: () => false, liveDialogsOf: () => [] as Array<'early' | 'confirmed'> };

describe('agent: presence ids and PRESENCE_IN', () => {
  it('the template gives every agent its own lamp; per-extension ids replace it', () => {
    const lamp = agentsConfigOf({ lamp: { enabled: true, domain: 'pbx.test', extensions: { '1002': 'rec+desk2@pbx.test' } } }).lamp;
    expect(presenceIdFor(lamp, '1001')).to.deep.equal({ id: 'rec+rec1001@pbx.test', proto: 'rec', user: 'rec1001', domain: 'pbx.test' });
    expect(presenceIdFor(lamp, '1002')?.user).to.equal('desk2');
  });

  it('refuses ids mod_sofia would misread or that could break its SQL, an agent extension after the "+", and shared lamps', () => {
    for (const bad of ["rec+10'01@pbx.test", 'rec+1001', 'rec+10 01@pbx.test', 'rec+1001@pbx.test\nx: y', 'a+b+c@d']) expect(parsePresenceId(bad), bad).to.equal(undefined);
    const problems = agentsConfigProblems(
      agentsConfigOf({ lamp: { enabled: true, domain: 'pbx.test', presenceId: 'rec+{ext}@{domain}', extensions: { '1003': 'rec+x@pbx.test', '1004': 'rec+x@pbx.test' } } }),
      { extensions: { '1001': { group: 'g' } } },
    );
    expect(problems.join('\n')).to.match(/agents\.lamp\.presenceId: the presence id for extension 1001 \(rec\+1001@pbx\.test\) must not name an agent extension/);
    expect(problems.join('\n')).to.match(/extensions 1003 and 1004 share the lamp/);
    expect(agentsConfigProblems(agentsConfigOf({ lamp: { enabled: true } }), { extensions: { '1001': { group: 'g' } } })).to.deep.equal([
      'agents.lamp.domain: is required when agents.lamp.presenceId uses {domain}',
    ]);
    expect(agentsConfigProblems(agentsConfigOf({}), { extensions: { '1001': { group: 'g' } } })).to.deep.equal([]);
  });

  it('the exact sendevent frame: one header per line, a dialog id of letters and digits', () => {
    const p = parsePresenceId('rec+rec1001@pbx.test')!;
    expect(presenceCommand(p, 'on', 1_764_000_000).wire).to.equal(
      [
        'sendevent PRESENCE_IN',
        'proto: rec',
        'login: callwarden',
        'from: rec1001@pbx.test',
        'event_type: presence',
        'alt_event_type: dialog',
        'Presence-Call-Direction: outbound',
        `unique-id: ${lampDialogId('rec+rec1001@pbx.test')}`,
        'channel-state: CS_ROUTING',
        'answer-state: confirmed',
        'status: Recording',
        'rpid: unknown',
        'event_count: 1',
        'variable_answer_epoch: 1764000000',
        '',
        '',
      ].join('\n'),
    );
    expect(lampDialogId('rec+rec1001@pbx.test')).to.match(/^cwlamp[0-9a-f]{24}$/);
  });

  it('mod_sofia (as modelled): on → confirmed, blinking → early, off → terminated, for the subscription proto+user@domain', () => {
    const p = parsePresenceId('rec+rec1001@pbx.test')!;
    const states = (['on', 'blinking', 'off'] as const).map((l) => sofiaPresenceNotify(Object.fromEntries(presenceHeaders(p, l, 1)), noCalls, 0));
    expect(states.map((n) => [n?.entity, n?.state, n?.direction, n?.mangled])).to.deep.equal([
      ['rec+rec1001@pbx.test', 'confirmed', 'recipient', false],
      ['rec+rec1001@pbx.test', 'early', 'recipient', false],
      ['rec+rec1001@pbx.test', 'terminated', 'recipient', false],
    ]);
  });

  it('why the user after "+" must not be the agent: with the agent on a call, mod_sofia shows that call instead of the lamp', () => {
    const p = parsePresenceId('rec+1001@pbx.test')!;
    const agentOnCall = { uuidExists: () => false, liveDialogsOf: (u: string) => (u === '1001' ? (['confirmed'] as const) : []) };
    const n = sofiaPresenceNotify(Object.fromEntries(presenceHeaders(p, 'off', 1)), agentOnCall, 0);
    expect(n?.state).to.equal('confirmed');
    expect(n?.mangled).to.equal(true);
  });

  it('without a unique-id the NOTIFY carries no dialog (the key goes idle)', () => {
    expect(sofiaPresenceNotify({ proto: 'rec', from: 'rec1001@pbx.test', 'answer-state': 'confirmed' }, noCalls, 0)).to.deep.equal({ entity: 'rec+rec1001@pbx.test', mangled: false, at: 0 });
  });
});
