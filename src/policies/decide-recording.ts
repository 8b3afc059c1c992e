// Decides, from one call's PolicyInput, whether it records now, on which channels, and why.

import { agentConsentOnFile } from './agent-consent-on-file';
import { agentOptOut, manualToggle } from './agent-record-key';
import { announcementsDue, type Announcement } from './announcements';
import { callSegments } from './call-segments';
import { callerConsent } from './caller-consent';
import { conversationGate } from './conversation-gate';
import { disabledMode } from './disabled-mode';
import { effectiveMode, type ModeSource } from './effective-mode';
import { everyNthSampling } from './every-nth-sampling';
import { legalNoticeGate } from './legal-notice-gate';
import { operatorRequestVerdict, operatorSwitch, switchTimeline, type OperatorVerdict } from './operator-request';
import { perCallVeto } from './per-call-veto';
import type { OperatorRequest, PolicyInput, RecordingChannels } from './policy-input';
import type { Draft, PolicyRule } from './policy-rule';
import { describeChannels } from './recording-channels';
import { consentPromptForMode, type ConsentPromptKind, type RecordingMode } from './recording-mode';
import { sensitivePause } from './sensitive-pause';
import { storageGate } from './storage-gate';
import { supervisorAudio } from './supervisor-audio';

/** The core answer, as stored in the evidence log. */
export interface Decision {
  /** Record now. Level-triggered: the answer for the call's current state, not an edge. */
  readonly record: boolean;
  /** The channels recorded (or that would be, once a pending condition such as the bridge is met). */
  readonly channels: RecordingChannels;
  /** One sentence for the auditor. */
  readonly reason: string;
  /** The rules that fired, in order. */
  readonly ruleTrail: readonly string[];
}

export interface RecordingDecision extends Decision {
  readonly mode: RecordingMode;
  readonly modeSource: ModeSource;
  /** The prompt this call needs ('none' when no recording could follow anyway). */
  readonly consentPrompt: ConsentPromptKind;
  /** The prompt has yet to be played (consent is still 'not-asked'). */
  readonly consentPromptDue: boolean;
  readonly announcements: readonly Announcement[];
  /** 1-based recording segment: new after each transfer and each manual restart. */
  readonly segment: number;
  /** uuid_record mask wanted on the running recording. */
  readonly masked: boolean;
}

const GATES: readonly PolicyRule[] = [legalNoticeGate, disabledMode, perCallVeto, storageGate];

/** The rules composed for each mode, in the order they are applied. */
export const RULES_BY_MODE: Readonly<Record<RecordingMode, readonly PolicyRule[]>> = {
  disabled: [legalNoticeGate, disabledMode],
  'opt-in': [...GATES, agentConsentOnFile, callerConsent, operatorSwitch, conversationGate, supervisorAudio, sensitivePause],
  'every-nth': [...GATES, everyNthSampling, agentConsentOnFile, callerConsent, agentOptOut, operatorSwitch, conversationGate, supervisorAudio, sensitivePause],
  manual: [...GATES, agentConsentOnFile, callerConsent, manualToggle, conversationGate, supervisorAudio, sensitivePause],
  'permanent-opt-out': [...GATES, agentConsentOnFile, callerConsent, operatorSwitch, conversationGate, supervisorAudio, sensitivePause],
  permanent: [...GATES, agentConsentOnFile, callerConsent, operatorSwitch, conversationGate, supervisorAudio, sensitivePause],
};

export function decideRecording(input: PolicyInput): RecordingDecision {
  const em = effectiveMode(input.group.mode, input.extensionMode, input.callOverride, input.group.perCallMayLoosenTo);
  const manual = em.mode === 'manual';
  const operator = input.operatorRequests ?? [];
  // An operator's switch works like the record key: a stop and a later start open a new
  // segment (a new file: uuid_record would overwrite the old one), in every mode.
  const presses = operator.length === 0 ? input.manualPresses : switchTimeline(manual ? input.manualPresses : [], operator, !manual);
  let draft: Draft = {
    mode: em.mode,
    modeSource: em.source,
    channels: input.group.channels,
    prompt: consentPromptForMode(em.mode),
    segment: callSegments(input.transfers, presses, manual || operator.length > 0),
    reasons: [],
    trail: [...em.trail],
    masked: false,
    forceStartAnnouncement: false,
  };
  for (const rule of RULES_BY_MODE[em.mode]) {
    if (draft.closed) break;
    draft = rule(input, draft);
  }
  const { due, trail } = announcementsDue(input, draft);
  const record = draft.closed === undefined;
  const reason = draft.closed
    ? draft.closed.reason
    : [...draft.reasons, `recording ${describeChannels(draft.channels)}`].join('; ');
  return {
    record,
    channels: draft.channels,
    reason,
    ruleTrail: [...draft.trail, `segment:${draft.segment.number}`, ...trail],
    mode: draft.mode,
    modeSource: draft.modeSource,
    consentPrompt: draft.prompt,
    consentPromptDue: draft.prompt !== 'none' && input.consent === 'not-asked',
    announcements: due,
    segment: draft.segment.number,
    masked: record && draft.masked,
  };
}

/** An operator's start / stop judged by the same rules (see operatorRequestVerdict). */
export function judgeOperatorRequest(input: PolicyInput, request: OperatorRequest): OperatorVerdict {
  return operatorRequestVerdict(input, request, decideRecording);
}
