// The consent prompt as plain data (answer, menu, confirmation), so the socket code runs it without legal rules.

import { announcement, type Announcement } from './announcements';
import type { RecordingDecision } from './decide-recording';
import type { ConsentState, GroupSettings } from './policy-input';
import type { ConsentPromptKind } from './recording-mode';

/** The channel variable play_and_get_digits stores the key in; `<name>_invalid` holds rejected input. */
export const CONSENT_DIGIT_VARIABLE = 'callwarden_consent_digit';

/** What FreeSWITCH plays after an invalid key when the group has no own prompt for it. */
const SHORT_SILENCE = 'silence_stream://250';

export type ConsentOutcome = Exclude<ConsentState, 'not-asked' | 'asked'>;

export interface PlayAndGetDigitsStep {
  readonly step: 'play-and-get-digits';
  readonly minDigits: 1;
  readonly maxDigits: 1;
  readonly tries: number;
  readonly timeoutMs: number;
  readonly terminators: '#';
  readonly prompt: string;
  readonly invalidPrompt: string;
  readonly variable: typeof CONSENT_DIGIT_VARIABLE;
  /** Only 1 and 9 are accepted; anything else replays the prompt until tries run out. */
  readonly regex: '[19]';
  readonly digitTimeoutMs: number;
}

export type ConsentFlowStep =
  | { readonly step: 'answer' }
  | PlayAndGetDigitsStep
  /** Play the outcome's announcement (if any) to the caller, then report the outcome. */
  | { readonly step: 'confirm'; readonly byOutcome: Readonly<Partial<Record<ConsentOutcome, Announcement>>> };

export interface ConsentFlow {
  readonly prompt: ConsentPromptKind;
  readonly steps: readonly ConsentFlowStep[];
}

/**
 * The steps for the prompt the decision asks for. The confirmation announcements carry
 * the same ids the decision uses, so once the flow has played one, reconcile does not play
 * it again. undefined when the group lacks the prompt file: then the prompt cannot run,
 * consent stays 'not-asked' and nothing is recorded (fail closed).
 * - consent-menu (opt-in): only 1 leads to recording;
 * - notice-with-objection (every-nth, permanent-opt-out): 9 objects, silence does not;
 * - notice (permanent): played once; a 9 is collected only as evidence, it stops nothing.
 */
export function consentFlow(decision: RecordingDecision, group: GroupSettings): ConsentFlow | undefined {
  const kind = decision.consentPrompt;
  if (kind === 'none') return { prompt: kind, steps: [] };
  const p = group.prompts;
  const file = kind === 'consent-menu' ? p.consentMenu : kind === 'notice-with-objection' ? p.noticeWithObjection : p.notice;
  if (file === undefined) return undefined;
  const menu: PlayAndGetDigitsStep = {
    step: 'play-and-get-digits',
    minDigits: 1,
    maxDigits: 1,
    // A notice that records anyway is not repeated: there is nothing for the caller to decide.
    tries: kind === 'notice' ? 1 : group.consentTries,
    timeoutMs: group.consentTimeoutMs,
    terminators: '#',
    prompt: file,
    invalidPrompt: kind === 'notice' ? SHORT_SILENCE : (p.invalidEntry ?? SHORT_SILENCE),
    variable: CONSENT_DIGIT_VARIABLE,
    regex: '[19]',
    digitTimeoutMs: group.consentTimeoutMs,
  };
  const seg = decision.segment;
  const started = (): Announcement | undefined =>
    group.announcements ? announcement('recording-started', seg, p, false) : undefined;
  const none = (): Announcement | undefined => (group.announcements ? announcement('no-recording', seg, p, false) : undefined);
  const byOutcome: Partial<Record<ConsentOutcome, Announcement>> = {};
  const put = (o: ConsentOutcome, a: Announcement | undefined): void => {
    if (a) byOutcome[o] = a;
  };
  if (kind === 'consent-menu') {
    put('given', started());
    put('refused', none());
    put('timeout', none());
    put('invalid', none());
  } else if (kind === 'notice-with-objection') {
    put('given', started());
    put('timeout', started());
    put('refused', none());
    put('invalid', none());
  } else {
    for (const o of ['given', 'refused', 'timeout', 'invalid'] as const) put(o, started());
  }
  return { prompt: kind, steps: [{ step: 'answer' }, menu, { step: 'confirm', byOutcome }] };
}

/** The play_and_get_digits argument, in the order mod_dptools expects (as in the captured consent flow). */
export function playAndGetDigitsArg(s: PlayAndGetDigitsStep): string {
  return [
    s.minDigits,
    s.maxDigits,
    s.tries,
    s.timeoutMs,
    s.terminators,
    s.prompt,
    s.invalidPrompt,
    s.variable,
    s.regex,
    s.digitTimeoutMs,
  ].join(' ');
}

/**
 * Reads the result of play_and_get_digits: the digit variable holds the accepted key; if
 * it is empty, `<variable>_invalid` holds what the caller typed when every try was wrong,
 * and nothing at all means no key before the timeout.
 */
export function consentOutcome(digit: string | undefined, invalidInput: string | undefined): ConsentOutcome {
  if (digit === '1') return 'given';
  if (digit === '9') return 'refused';
  if ((digit !== undefined && digit !== '') || (invalidInput !== undefined && invalidInput !== '')) return 'invalid';
  return 'timeout';
}
