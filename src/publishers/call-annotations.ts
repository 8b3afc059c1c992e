// What the policies and coaching know about a call that FreeSWITCH's events don't say: consent, recording plan.

import type { CallConsentState, CallRecordingView } from '../mqtt';

/** Set by the call controller (consent flow, recorder); read by the publishers. */
export interface CallAnnotations {
  readonly consent?: CallConsentState;
  readonly recording?: Partial<CallRecordingView>;
  readonly policy?: string;
  /** Supervisor leg uuid → the supervisor's extension, as authorised for coaching. */
  readonly supervisors?: Readonly<Record<string, string>>;
}
