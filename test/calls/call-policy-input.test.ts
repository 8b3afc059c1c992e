// CallState → PolicyInput (pure): bridged, transfers, a later 9 as withdrawal, the agent's key; dial strings; the config gate.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { currentConsent, extensionOfDialString, isBridged, policyInputOf, transfersOf } from '../../src/calls';
import { defaultsWith } from '../../src/config';
import { DISABLED_GROUP, type GroupSettings } from '../../src/policies';
import { emptyCall, newLeg, type CallState, type LegState } from '../../src/streams';

const leg = (uuid: string, role: LegState['role'], over: Partial<LegState> = {}): LegState => ({ ...newLeg(uuid, role, 'n'), ...over });

function call(over: Partial<CallState>): CallState {
  return { ...emptyCall('c', 'n'), ...over };
}

describe('calls: CallState → PolicyInput', () => {
  it('bridged only while the caller leg is up and points at an agent', () => {
    expect(isBridged(call({ legs: [leg('c', 'caller', { bridgedTo: 'a' })] }))).to.equal(true);
    expect(isBridged(call({ legs: [leg('c', 'caller', { bridgedTo: 'a', hungup: true })] }))).to.equal(false);
    expect(isBridged(call({ legs: [leg('c', 'caller')] }))).to.equal(false);
  });

  it('every agent leg bridged after the first is a transfer, also when only the caller leg points at it', () => {
    const c = call({
      legs: [
        leg('c', 'caller', { bridgedTo: 'b', bridgedAt: 300 }),
        leg('a', 'agent', { bridgedAt: 100, extension: '1001', hungup: true }),
        leg('x', 'agent', { extension: '1003', hungup: true }), // rang, never answered
        leg('b', 'agent', { extension: '1002' }),
      ],
    });
    expect(transfersOf(c)).to.deep.equal([{ at: 300, to: '1002' }]);
  });

  it('a 9 after the answer withdraws consent (GDPR Art. 7(3)); the answer itself and other keys do not', () => {
    const digits = (...d: Array<[string, number]>) => d.map(([digit, at]) => ({ leg: 'c', role: 'caller' as const, digit, at }));
    expect(currentConsent(call({ digits: digits(['1', 100]) }), { consent: 'given', consentAnsweredAt: 100 })).to.equal('given');
    expect(currentConsent(call({ digits: digits(['1', 100], ['5', 200]) }), { consent: 'given', consentAnsweredAt: 100 })).to.equal('given');
    expect(currentConsent(call({ digits: digits(['1', 100], ['9', 200]) }), { consent: 'given', consentAnsweredAt: 100 })).to.equal('refused');
    // manual asks nothing: a 9 once the conversation began is an objection
    const bridged = call({ legs: [leg('c', 'caller', { bridgedAt: 50, bridgedTo: 'a' })], digits: digits(['9', 60]) });
    expect(currentConsent(bridged, { consent: 'not-asked' })).to.equal('refused');
    expect(currentConsent(bridged, { consent: 'asked' })).to.equal('asked');
  });

  it('the agent\'s record key becomes start/stop presses; the veto and override come from the call', () => {
    const group: GroupSettings = { ...DISABLED_GROUP, mode: 'manual', manualKey: '*' };
    const c = call({
      legs: [leg('c', 'caller', { bridgedTo: 'a' }), leg('a', 'agent')],
      digits: [
        { leg: 'a', role: 'agent', digit: '*', at: 10 },
        { leg: 'a', role: 'agent', digit: '5', at: 20 },
        { leg: 'a', role: 'agent', digit: '*', at: 30 },
      ],
      noRecord: true,
      policyOverride: 'opt-in',
    });
    const input = policyInputOf(c, {
      legalNoticeAcknowledged: true,
      policy: { group },
      consent: 'not-asked',
      agentConsentOnFile: 'yes',
      supervisorConsent: () => 'no',
    });
    expect(input.manualPresses).to.deep.equal([
      { action: 'start', at: 10 },
      { action: 'stop', at: 30 },
    ]);
    expect(input).to.include({ veto: true, callOverride: 'opt-in', bridged: true });
  });

  it('reads the one extension a dial string rings', () => {
    expect(extensionOfDialString('user/1001')).to.equal('1001');
    expect(extensionOfDialString('{leg_timeout=20}sofia/internal/1001@10.0.0.5:5080')).to.equal('1001');
    expect(extensionOfDialString('user/1001,user/1002')).to.equal(undefined);
    expect(extensionOfDialString('user/1001|user/1002')).to.equal(undefined);
    expect(extensionOfDialString(undefined)).to.equal(undefined);
  });
});

/** The README's example group (config/examples/local.json): the defaults ship none. */
const EXAMPLE_HOTLINE = (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'config', 'examples', 'local.json'), 'utf8')) as { recording: { groups: { hotline: object } } }).recording.groups.hotline;

describe('config: the recording section', () => {
  it('the shipped defaults record nothing: legal notice not acknowledged, no extension enabled, no group', () => {
    const config = defaultsWith({});
    expect(config.recording.legalNoticeAcknowledged).to.equal(false);
    expect(config.recording.extensions).to.deep.equal({});
    expect(config.recording.groups).to.deep.equal({});
  });

  it('every mistake in it stops the start with one line naming the key, together with the schema\'s', () => {
    expect(() =>
      defaultsWith({ log: { level: 'loud' as 'info' }, recording: { retentionDays: 0, groups: { hotline: { ...EXAMPLE_HOTLINE, mode: 'sometimes' as 'opt-in' } } } }),
    ).to.throw(
      [
        'invalid configuration:',
        '  log.level: must be equal to one of the allowed values',
        '  recording.retentionDays: must be an integer ≥ 1',
        '  recording.groups.hotline.mode: must be one of disabled, opt-in, every-nth, manual, permanent-opt-out, permanent',
      ].join('\n'),
    );
  });
});
