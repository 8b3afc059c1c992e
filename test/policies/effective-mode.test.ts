// The override rule: extensions replace the group's mode; a per-call override only tightens unless allowed.

import { expect } from 'chai';
import { effectiveMode } from '../../src/policies/effective-mode';
import { modeRank, RECORDING_MODES, type RecordingMode } from '../../src/policies/recording-mode';

describe('effectiveMode', () => {
  it('uses the group mode when nothing overrides it', () => {
    expect(effectiveMode('opt-in', undefined, undefined, [])).to.deep.equal({ mode: 'opt-in', source: 'group', trail: ['mode:group=opt-in'] });
  });

  it('lets the extension (config) override in both directions', () => {
    expect(effectiveMode('opt-in', 'permanent', undefined, []).mode).to.equal('permanent');
    expect(effectiveMode('permanent', 'disabled', undefined, []).mode).to.equal('disabled');
    expect(effectiveMode('permanent', 'disabled', undefined, []).source).to.equal('extension');
  });

  const table: [RecordingMode, string, RecordingMode[], RecordingMode, string][] = [
    ['permanent-opt-out', 'opt-in', [], 'opt-in', 'per-call-override:opt-in:accepted(tightens)'],
    ['every-nth', 'disabled', [], 'disabled', 'per-call-override:disabled:accepted(tightens)'],
    ['opt-in', 'permanent', [], 'opt-in', 'per-call-override:permanent:rejected(would loosen)'],
    ['opt-in', 'permanent', ['permanent'], 'permanent', 'per-call-override:permanent:accepted(loosening allowed by perCallMayLoosenTo)'],
    ['disabled', 'permanent', ['permanent'], 'disabled', 'per-call-override:permanent:rejected(cannot enable a disabled extension)'],
    ['disabled', 'opt-in', [], 'disabled', 'per-call-override:opt-in:rejected(cannot enable a disabled extension)'],
    ['permanent', 'disabled', [], 'permanent', 'per-call-override:disabled:ignored(permanent cannot be changed)'],
    ['permanent', 'opt-in', [], 'permanent', 'per-call-override:opt-in:ignored(permanent cannot be changed)'],
    ['opt-in', 'opt-in', [], 'opt-in', 'per-call-override:opt-in:same'],
    ['permanent-opt-out', 'Permanent', [], 'disabled', 'per-call-override:unknown(Permanent)->disabled:accepted(tightens)'],
    ['permanent-opt-out', 'x\ny;z', [], 'disabled', 'per-call-override:unknown(x?y?z)->disabled:accepted(tightens)'],
    ['permanent', 'bogus', [], 'permanent', 'per-call-override:unknown(bogus)->disabled:ignored(permanent cannot be changed)'],
  ];
  for (const [base, call, loosen, mode, trail] of table) {
    it(`${base} + callwarden_policy=${JSON.stringify(call)}${loosen.length ? ` (may loosen to ${loosen})` : ''} → ${mode}`, () => {
      const em = effectiveMode(base, undefined, call, loosen);
      expect(em.mode).to.equal(mode);
      expect(em.trail[em.trail.length - 1]).to.equal(trail);
    });
  }

  it('never loosens without the group allowing it, whatever the pair', () => {
    for (const base of RECORDING_MODES) {
      for (const call of RECORDING_MODES) {
        const em = effectiveMode(base, undefined, call, []);
        expect(modeRank(em.mode), `${base} → ${call}`).to.be.at.most(modeRank(base));
        if (base === 'permanent') expect(em.mode).to.equal('permanent');
      }
    }
  });

  it('applies the per-call rule to the extension override, not the group mode', () => {
    expect(effectiveMode('permanent', 'opt-in', 'permanent-opt-out', []).mode).to.equal('opt-in');
    expect(effectiveMode('opt-in', 'disabled', 'opt-in', []).mode).to.equal('disabled');
  });
});
