// Property suites for the recording rules: whatever happens during a call (answers, keys, operator
// requests, transfers, supervisors), a call the law or the operator rules out is never recorded,
// and a `permanent` call is never stopped before its hangup.

import { expect } from 'chai';
import fc from 'fast-check';
import { decideRecording, judgeOperatorRequest } from '../../src/policies/decide-recording';
import type { ConsentOnFile, ConsentState, GroupSettings, OperatorRequest, PolicyInput, SupervisorMode } from '../../src/policies/policy-input';
import { RECORDING_MODES, type RecordingMode } from '../../src/policies/recording-mode';
import { input } from './policy-fixtures';

/** One thing that can happen during a call, in call order. */
type Step =
  | { readonly kind: 'answer'; readonly consent: ConsentState }
  | { readonly kind: 'key'; readonly action: 'start' | 'stop' }
  | { readonly kind: 'operator'; readonly action: 'start' | 'stop' }
  | { readonly kind: 'transfer' }
  | { readonly kind: 'supervisor'; readonly mode: SupervisorMode | 'gone'; readonly consentOnFile: ConsentOnFile }
  | { readonly kind: 'bridge'; readonly bridged: boolean };

const CONSENTS: readonly ConsentState[] = ['not-asked', 'asked', 'given', 'refused', 'timeout', 'invalid'];
const ON_FILE: readonly ConsentOnFile[] = ['yes', 'no', 'unknown'];

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('answer' as const), consent: fc.constantFrom(...CONSENTS) }),
  fc.record({ kind: fc.constant('key' as const), action: fc.constantFrom('start' as const, 'stop' as const) }),
  fc.record({ kind: fc.constant('operator' as const), action: fc.constantFrom('start' as const, 'stop' as const) }),
  fc.record({ kind: fc.constant('transfer' as const) }),
  fc.record({
    kind: fc.constant('supervisor' as const),
    mode: fc.constantFrom<SupervisorMode | 'gone'>('listen', 'talk-target', 'talk-partner', 'three-way', 'gone'),
    consentOnFile: fc.constantFrom(...ON_FILE),
  }),
  fc.record({ kind: fc.constant('bridge' as const), bridged: fc.boolean() }),
);

/**
 * Plays the steps as the call controller does: operator requests go through the same rules
 * first (a refused one never becomes input), and the decision is taken after every step.
 */
function play(start: PolicyInput, steps: readonly Step[], opts: { keepBridged?: boolean } = {}): Array<{ input: PolicyInput; record: boolean }> {
  let current = start;
  let at = 1;
  const seen: Array<{ input: PolicyInput; record: boolean }> = [];
  for (const s of steps) {
    at += 1000;
    switch (s.kind) {
      case 'answer':
        current = { ...current, consent: s.consent };
        break;
      case 'key':
        current = { ...current, manualPresses: [...current.manualPresses, { action: s.action, at }] };
        break;
      case 'operator': {
        const request: OperatorRequest = { action: s.action, at, by: 'ops' };
        if (judgeOperatorRequest(current, request).ok) current = { ...current, operatorRequests: [...(current.operatorRequests ?? []), request] };
        break;
      }
      case 'transfer':
        current = { ...current, transfers: [...current.transfers, { at, to: '1002' }] };
        break;
      case 'supervisor':
        current = { ...current, supervisors: s.mode === 'gone' ? [] : [{ mode: s.mode, consentOnFile: s.consentOnFile }] };
        break;
      case 'bridge':
        current = { ...current, bridged: opts.keepBridged ? true : s.bridged };
        break;
    }
    seen.push({ input: current, record: decideRecording(current).record });
  }
  return seen;
}

const groupOf = (mode: RecordingMode, over: Partial<GroupSettings> = {}): Partial<GroupSettings> => ({ mode, everyNth: 1, manualKey: '*', perCallMayLoosenTo: [], ...over });
const steps = fc.array(step, { maxLength: 25 });
const RUNS = { numRuns: 400 };

describe('policies: properties over any event sequence', () => {
  it('a disabled group never records, whatever the caller, the agent, an operator or the routing does', () => {
    fc.assert(
      fc.property(steps, fc.constantFrom(...CONSENTS), fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), (s, consent, override) => {
        const start = input({ consent, ...(override !== undefined ? { callOverride: override } : {}) }, groupOf('disabled'));
        for (const { record } of play(start, s)) expect(record).to.equal(false);
      }),
      RUNS,
    );
  });

  it('nothing records while the legal notice is not acknowledged, in any mode', () => {
    fc.assert(
      fc.property(steps, fc.constantFrom(...RECORDING_MODES), (s, mode) => {
        const start = input({ legalNoticeAcknowledged: false }, groupOf(mode));
        for (const { record } of play(start, s)) expect(record).to.equal(false);
      }),
      RUNS,
    );
  });

  it('opt-in: a caller who refused, let the prompt time out or pressed another key is never recorded', () => {
    fc.assert(
      fc.property(
        steps.map((xs) => xs.filter((x) => x.kind !== 'answer')),
        fc.constantFrom<ConsentState>('refused', 'timeout', 'invalid', 'not-asked', 'asked'),
        (s, consent) => {
          const start = input({ consent }, groupOf('opt-in'));
          for (const { record } of play(start, s)) expect(record).to.equal(false);
        },
      ),
      RUNS,
    );
  });

  it('an agent without recording consent on file is never recorded where the group records nothing then', () => {
    fc.assert(
      fc.property(steps, fc.constantFrom(...RECORDING_MODES), fc.constantFrom<ConsentOnFile>('no', 'unknown'), (s, mode, onFile) => {
        const start = input({ agentConsentOnFile: onFile }, groupOf(mode, { agentWithoutConsent: 'none' }));
        for (const { record } of play(start, s)) expect(record).to.equal(false);
      }),
      RUNS,
    );
  });

  it('permanent: once the notice was heard, no key, objection, operator, transfer or supervisor stops the recording before hangup', () => {
    const heard = fc.constantFrom<ConsentState>('given', 'refused', 'timeout', 'invalid');
    fc.assert(
      fc.property(
        steps.map((xs) => xs.map((x): Step => (x.kind === 'answer' && (x.consent === 'not-asked' || x.consent === 'asked') ? { kind: 'answer', consent: 'refused' } : x))),
        heard,
        (s, consent) => {
          const start = input({ consent, agentConsentOnFile: 'yes', bridged: true }, groupOf('permanent'));
          expect(decideRecording(start).record).to.equal(true);
          for (const { record } of play(start, s, { keepBridged: true })) expect(record).to.equal(true);
        },
      ),
      RUNS,
    );
  });
});
