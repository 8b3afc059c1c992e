// Builders for policy inputs: a fully prompted group and a bridged call, each overridable per test.

import type { GroupSettings, PolicyInput } from '../../src/policies/policy-input';

export const PROMPTS = {
  consentMenu: '/p/consent-menu.wav',
  invalidEntry: '/p/invalid.wav',
  notice: '/p/notice.wav',
  noticeWithObjection: '/p/notice-objection.wav',
  recordingStarted: '/p/started.wav',
  noRecording: '/p/no-recording.wav',
  recordingStopped: '/p/stopped.wav',
  reannouncement: '/p/reannounce.wav',
} as const;

export function group(over: Partial<GroupSettings> = {}): GroupSettings {
  return {
    mode: 'opt-in',
    channels: 'both',
    announcements: true,
    reannounceOnTransfer: true,
    agentWithoutConsent: 'caller-only',
    everyNth: 3,
    manualKey: '*',
    perCallMayLoosenTo: [],
    consentTimeoutMs: 10000,
    consentTries: 2,
    prompts: PROMPTS,
    ...over,
  };
}

export function input(over: Partial<PolicyInput> = {}, groupOver: Partial<GroupSettings> = {}): PolicyInput {
  return {
    legalNoticeAcknowledged: true,
    group: group(groupOver),
    veto: false,
    consent: 'given',
    agentConsentOnFile: 'yes',
    agentCallNumber: 3,
    manualPresses: [],
    bridged: true,
    transfers: [],
    supervisors: [],
    ...over,
  };
}
