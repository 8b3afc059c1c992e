// The supervisor's DTMF keys: FreeSWITCH's native eavesdrop keys, and the translation when configured keys differ.

import type { CoachingMode } from './coaching-config';

/**
 * What eavesdrop itself does with a digit while `eavesdrop_enable_dtmf=true` (mod_dptools
 * docs: "2 to speak with the uuid, 1 to speak with the other half, 3 to engage a three way,
 * 0 to restore eavesdrop"; FreeSWITCH's switch_ivr_eavesdrop_session: 1 sets ED_MUX_READ —
 * the supervisor is mixed into what the target *says*, so its bridged partner hears it —
 * 2 sets ED_MUX_WRITE — mixed into what the target *hears* — 3 both, 0 neither). With the
 * agent's leg as the target: 1 = talk to the caller, 2 = whisper to the agent.
 */
export const NATIVE_KEYS: Readonly<Record<CoachingMode, string>> = {
  listen: '0',
  talkCaller: '1',
  whisperAgent: '2',
  conference: '3',
};

export type KeyPlan =
  /** FreeSWITCH handles the digits itself; the registry observes them (eavesdrop_enable_dtmf=true). */
  | { readonly kind: 'native' }
  /**
   * FreeSWITCH must not act on raw digits (eavesdrop_enable_dtmf=false, or a configured "1"
   * meant as whisper would make FreeSWITCH talk to the caller); the daemon reads the
   * supervisor's DTMF events and sends the native command instead (see eavesdropCommand),
   * and callwarden_eavesdrop_keys on the leg lets the call table read the same digits.
   */
  | { readonly kind: 'translated'; readonly byDigit: ReadonlyMap<string, CoachingMode> };

export function keyPlan(keys: Readonly<Record<CoachingMode, string>>): KeyPlan {
  const modes = Object.keys(NATIVE_KEYS) as CoachingMode[];
  if (modes.every((m) => keys[m] === NATIVE_KEYS[m])) return { kind: 'native' };
  return { kind: 'translated', byDigit: new Map(modes.map((m) => [keys[m], m])) };
}

/** The native digit for a configured one; undefined for a digit that means nothing here. */
export function translateDigit(plan: KeyPlan, digit: string): { mode: CoachingMode; native: string } | undefined {
  if (plan.kind === 'native') {
    const mode = (Object.keys(NATIVE_KEYS) as CoachingMode[]).find((m) => NATIVE_KEYS[m] === digit);
    return mode === undefined ? undefined : { mode, native: digit };
  }
  const mode = plan.byDigit.get(digit);
  return mode === undefined ? undefined : { mode, native: NATIVE_KEYS[mode] };
}
