// Decides whether a supervisor may monitor an extension's call: pure, so every legal rule is a table test.

import type { CoachingConfig } from './coaching-config';

export type CoachingRefusal =
  | 'coaching-disabled'
  | 'legal-notice-not-acknowledged'
  | 'supervisor-unidentified'
  | 'supervisor-unknown'
  | 'target-not-allowed'
  | 'self-monitoring';

export type CoachingDecision =
  | { readonly ok: true; readonly reason: string }
  | { readonly ok: false; readonly refusal: CoachingRefusal; readonly reason: string };

export interface CoachingRequest {
  /** The SIP user FreeSWITCH authenticated (or the live-ops user's extension); undefined when unknown. */
  readonly supervisor: string | undefined;
  readonly extension: string;
  /** The group of the extension's live call (callwarden_group), if it has one. */
  readonly group?: string;
}

const refuse = (refusal: CoachingRefusal, reason: string): CoachingDecision => ({ ok: false, refusal, reason });

/**
 * Order matters only for the reason given: the gates that hold for everybody first, then who
 * asks, then whom. The group rule needs the call, so an extension allowed only by group is
 * refused while it has no call (nothing to monitor anyway).
 */
export function authoriseCoaching(config: CoachingConfig, request: CoachingRequest): CoachingDecision {
  if (!config.enabled) return refuse('coaching-disabled', 'coaching is disabled (coaching.enabled)');
  if (!config.legalNoticeAcknowledged) {
    return refuse('legal-notice-not-acknowledged', 'the legal notice for coaching has not been acknowledged (coaching.legalNoticeAcknowledged)');
  }
  const who = request.supervisor;
  if (who === undefined || who === '') return refuse('supervisor-unidentified', 'the calling phone is not an authenticated extension');
  const rights = config.supervisors[who];
  if (rights === undefined) return refuse('supervisor-unknown', `${who} is not a configured supervisor (coaching.supervisors)`);
  if (who === request.extension) return refuse('self-monitoring', `${who} cannot monitor their own extension`);
  if (rights.extensions.includes(request.extension)) return { ok: true, reason: `${who} may monitor extension ${request.extension}` };
  if (request.group !== undefined && rights.groups.includes(request.group)) {
    return { ok: true, reason: `${who} may monitor group ${request.group} (extension ${request.extension})` };
  }
  return refuse('target-not-allowed', `${who} may not monitor extension ${request.extension}${request.group ? ` (group ${request.group})` : ''}`);
}
