// Config validation: defaults that record nothing, and every mistake reported with its key.

import { expect } from 'chai';
import { policyForExtension, DISABLED_GROUP } from '../../src/policies/recording-config';
import { assertRecordingConfig, RecordingConfigError, TARGET_MOVED, validateRecordingConfig } from '../../src/policies/validate-recording-config';
import { PROMPTS } from './policy-fixtures';

function errorsOf(raw: unknown): readonly string[] {
  const r = validateRecordingConfig(raw);
  return r.ok ? [] : r.errors;
}

describe('validateRecordingConfig', () => {
  it('defaults: nothing is acknowledged, no group, every extension disabled', () => {
    const r = validateRecordingConfig({});
    expect(r).to.deep.equal({
      ok: true,
      config: { legalNoticeAcknowledged: false, directory: '/var/lib/freeswitch/recordings', format: 'mp3', retentionDays: 90, groups: {}, extensions: {} },
    });
    expect(validateRecordingConfig(undefined).ok).to.equal(true);
    if (r.ok) expect(policyForExtension(r.config, '1001')).to.deep.equal({ group: DISABLED_GROUP });
  });

  it('retention checked and kept; a routing target in config refused with where it went (the dialplan)', () => {
    expect(errorsOf({ retentionDays: 0, groups: { hotline: { mode: 'disabled', target: 'user/1001' } } })).to.deep.equal([
      'recording.retentionDays: must be an integer ≥ 1',
      `recording.groups.hotline.target: ${TARGET_MOVED}`,
    ]);
    expect(TARGET_MOVED).to.contain('callwarden_target');
    const config = assertRecordingConfig({ retentionDays: 30, groups: { hotline: { mode: 'disabled' } } });
    expect(config.retentionDays).to.equal(30);
    expect(config.groups['hotline']).to.not.have.property('target');
  });

  it('fills group defaults and resolves an extension to its group', () => {
    const config = assertRecordingConfig({
      legalNoticeAcknowledged: true,
      groups: { hotline: { mode: 'opt-in', prompts: PROMPTS } },
      extensions: { '1001': { group: 'hotline' }, '1002': { group: 'hotline', mode: 'disabled' } },
    });
    expect(config.groups['hotline']).to.deep.equal({
      mode: 'opt-in',
      channels: 'both',
      announcements: true,
      reannounceOnTransfer: true,
      agentWithoutConsent: 'none',
      perCallMayLoosenTo: [],
      consentTimeoutMs: 10000,
      consentTries: 2,
      prompts: PROMPTS,
      legalBasis: 'consent',
    });
    expect(policyForExtension(config, '1001')).to.deep.equal({ groupName: 'hotline', group: config.groups['hotline'] });
    expect(policyForExtension(config, '1002').extensionMode).to.equal('disabled');
    expect(policyForExtension(config, '9999').group.mode).to.equal('disabled');
    expect(policyForExtension(config, 'constructor').group.mode).to.equal('disabled');
  });

  it('every-nth N must be ≥ 1', () => {
    expect(errorsOf({ groups: { hotline: { mode: 'every-nth', everyNth: 0, prompts: PROMPTS, legalBasis: 'legitimate-interests' } } })).to.deep.equal([
      'recording.groups.hotline.everyNth: must be ≥ 1',
    ]);
    expect(errorsOf({ groups: { hotline: { mode: 'every-nth', everyNth: 2.5, prompts: PROMPTS, legalBasis: 'legitimate-interests' } } })).to.deep.equal([
      'recording.groups.hotline.everyNth: must be an integer',
    ]);
    expect(errorsOf({ groups: { hotline: { mode: 'every-nth', prompts: PROMPTS, legalBasis: 'legitimate-interests' } } })).to.deep.equal([
      'recording.groups.hotline.everyNth: is required for mode every-nth',
    ]);
  });

  it('reports every mistake at once, each naming its key', () => {
    const errors = errorsOf({
      legalNoticeAcknowledged: 'yes',
      directory: 'recordings',
      format: 'ogg',
      colour: 'blue',
      groups: {
        hotline: {
          mode: 'opt-in',
          channel: 'both',
          channels: 'stereo',
          agentWithoutConsent: 'maybe',
          consentTries: 0,
          consentTimeoutMs: 50,
          perCallMayLoosenTo: ['permanent', 'always'],
          legalBasis: 'consent',
          prompts: { noticeWithObjection: '/p/n.wav', consentMenu: 'has space.wav', music: '/p/m.wav' },
        },
        sales: { mode: 'manual', prompts: PROMPTS, legalBasis: 'contract' },
        'bad name': { mode: 'loud' },
      },
      extensions: { '1001': { group: 'support' }, '1002': { mode: 'permanent' }, '1003': 'hotline', '1004': { group: 'sales', mode: 'x' } },
    });
    expect(errors).to.deep.equal([
      'recording.colour: unknown key',
      'recording.legalNoticeAcknowledged: must be true or false',
      'recording.directory: must be an absolute path of the characters A-Z a-z 0-9 . _ - / without ".."',
      'recording.format: must be one of wav, mp3',
      'recording.groups.hotline.channel: unknown key',
      'recording.groups.hotline.channels: must be one of caller, agent, both',
      'recording.groups.hotline.agentWithoutConsent: must be one of caller-only, none',
      'recording.groups.hotline.perCallMayLoosenTo[1]: must be one of disabled, opt-in, every-nth, manual, permanent-opt-out, permanent',
      'recording.groups.hotline.consentTimeoutMs: must be an integer ≥ 1000',
      'recording.groups.hotline.consentTries: must be an integer from 1 to 5',
      'recording.groups.hotline.prompts.music: unknown key',
      'recording.groups.hotline.prompts.consentMenu: must be a file name without spaces or control characters',
      'recording.groups.hotline.prompts.invalidEntry: is required for mode opt-in',
      'recording.groups.hotline.prompts.notice: is required for mode permanent',
      'recording.groups.hotline.prompts.recordingStarted: is required because announcements is true',
      'recording.groups.hotline.prompts.noRecording: is required because announcements is true',
      'recording.groups.hotline.prompts.reannouncement: is required because reannounceOnTransfer is true',
      'recording.groups.sales.manualKey: is required for mode manual',
      'recording.groups.bad name: group names may use only A-Z a-z 0-9 _ -',
      'recording.groups.bad name.mode: must be one of disabled, opt-in, every-nth, manual, permanent-opt-out, permanent',
      'recording.extensions.1001.group: unknown group "support"',
      'recording.extensions.1002.group: is required',
      'recording.extensions.1003: must be an object with a group',
      'recording.extensions.1004.mode: must be one of disabled, opt-in, every-nth, manual, permanent-opt-out, permanent',
    ]);
  });

  it('asks for the prompts of modes reachable through extensions and per-call loosening', () => {
    const errors = errorsOf({
      groups: { g: { mode: 'disabled', announcements: false, reannounceOnTransfer: false, perCallMayLoosenTo: ['permanent'], legalBasis: 'legal-obligation' } },
      extensions: { '1001': { group: 'g', mode: 'opt-in' } },
    });
    expect(errors).to.deep.equal([
      'recording.groups.g.prompts.consentMenu: is required for mode opt-in',
      'recording.groups.g.prompts.invalidEntry: is required for mode opt-in',
      'recording.groups.g.prompts.notice: is required for mode permanent',
    ]);
  });

  it('asks for a GDPR Art. 6(1) legal basis wherever a group can record other than opt-in; opt-in rests on consent', () => {
    expect(errorsOf({ groups: { p: { mode: 'permanent', prompts: PROMPTS } } })).to.deep.equal([
      'recording.groups.p.legalBasis: is required for a group that can record in mode permanent (one of consent, contract, legal-obligation, vital-interests, public-task, legitimate-interests; GDPR Art. 6(1))',
    ]);
    expect(errorsOf({ groups: { p: { mode: 'permanent', prompts: PROMPTS, legalBasis: 'because' } } })).to.deep.equal([
      'recording.groups.p.legalBasis: must be one of consent, contract, legal-obligation, vital-interests, public-task, legitimate-interests (GDPR Art. 6(1))',
    ]);
    expect(errorsOf({ groups: { o: { mode: 'opt-in', prompts: PROMPTS, legalBasis: 'contract' } } })).to.deep.equal([
      'recording.groups.o.legalBasis: opt-in records only with the caller\'s consent: the legal basis is "consent"',
    ]);
    // Reachable through an extension's mode counts too.
    expect(errorsOf({ groups: { o: { mode: 'opt-in', prompts: PROMPTS } }, extensions: { '1001': { group: 'o', mode: 'permanent' } } })).to.have.length(1);
    expect(assertRecordingConfig({ groups: { p: { mode: 'permanent', prompts: PROMPTS, legalBasis: 'legal-obligation' } } }).groups['p']?.legalBasis).to.equal('legal-obligation');
    expect(assertRecordingConfig({ groups: { off: { mode: 'disabled' } } }).groups['off']?.legalBasis).to.equal(undefined);
  });

  it('a disabled group needs no prompts', () => {
    expect(errorsOf({ groups: { off: { mode: 'disabled' } } })).to.deep.equal([]);
  });

  it('assertRecordingConfig throws one error listing every mistake', () => {
    expect(() => assertRecordingConfig({ groups: { hotline: { mode: 'every-nth', everyNth: 0, prompts: PROMPTS, legalBasis: 'legitimate-interests' } }, x: 1 }))
      .to.throw(RecordingConfigError)
      .with.property(
        'message',
        'invalid recording configuration:\n  recording.x: unknown key\n  recording.groups.hotline.everyNth: must be ≥ 1',
      );
  });
});
