// Runs the policies' consent flow (answer, play_and_get_digits, confirmation) over the call socket.

import type { OutboundSession } from '../esl/outbound-server';
import type { EslEvent } from '../esl/frame';
import { CONSENT_DIGIT_VARIABLE, consentOutcome, playAndGetDigitsArg, type ConsentFlow, type ConsentOutcome } from '../policies';
import type { Micros } from '../streams';

export interface ConsentRunHooks {
  /** Evidence row (prompt_played, consent). */
  evidence(kind: string, detail: Record<string, unknown>): void;
  /** The prompt is about to play: consent becomes 'asked'. */
  asked(): void;
  /** Called with the confirmation's id before its outcome is made known, so reconcile never plays it a second time. */
  announced(id: string): void;
  answered(outcome: ConsentOutcome, at: Micros | undefined, digit: string | undefined): void;
  /** A key that gives consent is believed only if this confirms it (seen on the inbound connection); otherwise the answer is `invalid`. */
  confirm?(digit: string): Promise<boolean>;
}

function timestampOf(event: EslEvent): Micros | undefined {
  const n = Number(event.headers['Event-Date-Timestamp']);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Plays the steps in order; resolves with the caller's answer (undefined when the flow had no
 * menu). play_and_get_digits leaves the accepted key in its variable and, when every try was
 * wrong, the rejected input in `<variable>_invalid`; both ride on its CHANNEL_EXECUTE_COMPLETE
 * (the channel's variables), so no extra uuid_getvar round trip is needed.
 */
export async function runConsentFlow(session: OutboundSession, flow: ConsentFlow, hooks: ConsentRunHooks): Promise<ConsentOutcome | undefined> {
  let outcome: ConsentOutcome | undefined;
  for (const step of flow.steps) {
    switch (step.step) {
      case 'answer':
        await session.execute('answer');
        break;
      case 'play-and-get-digits': {
        const arg = playAndGetDigitsArg(step);
        hooks.asked();
        hooks.evidence('prompt_played', { prompt: flow.prompt, file: step.prompt, invalidPrompt: step.invalidPrompt, tries: step.tries, timeoutMs: step.timeoutMs, app: 'play_and_get_digits', arg });
        const done = await session.execute('play_and_get_digits', arg);
        const digit = done.headers[`variable_${CONSENT_DIGIT_VARIABLE}`];
        const invalid = done.headers[`variable_${CONSENT_DIGIT_VARIABLE}_invalid`];
        outcome = consentOutcome(digit, invalid);
        if (outcome === 'given' && digit !== undefined && hooks.confirm !== undefined && !(await hooks.confirm(digit))) outcome = 'invalid';
        // answeredAt (FreeSWITCH µs): a daemon that adopts the call after a restart tells a later 9 from this answer.
        hooks.evidence('consent', { prompt: flow.prompt, outcome, digit: digit ?? null, invalidInput: invalid ?? null, answeredAt: timestampOf(done) ?? null });
        const confirmation = flow.steps.find((s) => s.step === 'confirm');
        const announcement = confirmation && confirmation.step === 'confirm' ? confirmation.byOutcome[outcome] : undefined;
        if (announcement) hooks.announced(announcement.id);
        hooks.answered(outcome, timestampOf(done), digit);
        break;
      }
      case 'confirm': {
        const announcement = outcome === undefined ? undefined : step.byOutcome[outcome];
        if (!announcement) break;
        hooks.evidence('prompt_played', { prompt: announcement.kind, id: announcement.id, file: announcement.file, app: 'playback' });
        await session.execute('playback', announcement.file);
        break;
      }
    }
  }
  return outcome;
}
