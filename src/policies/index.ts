// The recording-policy core's public surface: pure decisions, reconcile, config checks, consent flow.

export * from './recording-mode';
export * from './legal-basis';
export * from './policy-input';
export * from './effective-mode';
export * from './call-segments';
export type { ClosingAnnouncement, Closure, Draft, PolicyRule } from './policy-rule';
export * from './legal-notice-gate';
export * from './disabled-mode';
export * from './per-call-veto';
export * from './every-nth-sampling';
export * from './agent-consent-on-file';
export * from './caller-consent';
export * from './agent-record-key';
export * from './conversation-gate';
export * from './supervisor-audio';
export * from './operator-request';
export * from './recording-channels';
export * from './announcements';
export * from './decide-recording';
export * from './recording-file-name';
export * from './recording-command';
export * from './recording-observation';
export * from './reconcile-recording';
export * from './recording-config';
export * from './validate-recording-config';
export * from './consent-flow';
