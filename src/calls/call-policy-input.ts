// Adapts one call's CallState and the facts the store gave about it into the policies' PolicyInput (pure).

import {
  DEFAULT_PAUSE_MAX_SECONDS,
  manualPressesFromDigits,
  pauseRequestsFromDigits,
  pauseStateAt,
  type PauseRequest,
  type ConsentOnFile,
  type ConsentState,
  type ExtensionPolicy,
  type OperatorRequest,
  type PolicyInput,
  type SupervisorPresence,
  type Transfer,
} from '../policies';
import { supervisorsForPolicy } from '../coaching/supervisors-for-policy';
import { callerLeg, type CallState, type Micros } from '../streams';

export interface CallFacts {
  readonly legalNoticeAcknowledged: boolean;
  readonly policy: ExtensionPolicy;
  /** The answer the consent flow collected. */
  readonly consent: ConsentState;
  /** FreeSWITCH time the consent prompt ended: a caller's 9 after it is an objection during the call. */
  readonly consentAnsweredAt?: Micros;
  readonly agentConsentOnFile: ConsentOnFile;
  readonly agentCallNumber?: number;
  /**
   * Consent on file of a supervisor, by the extension coaching authorised (undefined when the
   * call table cannot name one: that is "unknown", i.e. no consent).
   */
  readonly supervisorConsent: (extension: string | undefined) => ConsentOnFile;
  /** Supervisor leg → extension, as coaching annotated the call (daemon.annotationsOf(callId).supervisors). */
  readonly supervisorNames?: Readonly<Record<string, string>>;
  /** The call was seeded from `show channels` (adopted): see seededBridged. */
  readonly seeded?: boolean;
  /** Live-operations switches the policy accepted. */
  readonly operatorRequests?: readonly OperatorRequest[];
  /** Live-operations pauses / resumes that were accepted (the agent's pause key comes from the digits). */
  readonly pauseRequests?: readonly PauseRequest[];
  /** Now on FreeSWITCH's clock (µs): a pause ends by itself once its maximum has passed. */
  readonly now?: Micros;
  /** The agent extension whose key presses these are (for the evidence's "who"). */
  readonly extension?: string;
}

/** The caller leg is talking to an agent right now. */
export function isBridged(call: CallState): boolean {
  const caller = callerLeg(call);
  return caller !== undefined && !caller.hungup && caller.bridgedTo !== undefined;
}

/**
 * For a call seeded from `show channels` (a daemon adopting it after a restart): the rows
 * carry no bridge columns, but an answered, ACTIVE agent leg whose row names the caller's
 * call (call_uuid) is in conversation with it. Only while no bridge event was seen since;
 * once one is, isBridged alone decides.
 */
export function seededBridged(call: CallState): boolean {
  const caller = callerLeg(call);
  if (caller === undefined || caller.hungup || caller.bridgedAt !== undefined || caller.unbridgedAt !== undefined) return false;
  return call.legs.some((l) => l.role === 'agent' && l.answered && !l.hungup && l.bridgedAt === undefined && l.unbridgedAt === undefined && l.callState === 'ACTIVE');
}

/**
 * Each agent leg bridged after the first is a transfer (FreeSWITCH keeps the caller leg and
 * creates a new agent leg: see the transfer trace), at the moment it was bridged. A leg
 * counts as bridged from its own CHANNEL_BRIDGE or from the caller leg pointing at it (the
 * bridge event may be folded before the new leg is linked into the call).
 */
export function transfersOf(call: CallState): Transfer[] {
  const caller = callerLeg(call);
  const talked = call.legs
    .filter((l) => l.role === 'agent' && (l.bridgedAt !== undefined || caller?.bridgedTo === l.uuid))
    .map((l) => ({ leg: l, at: l.bridgedAt ?? (caller?.bridgedTo === l.uuid ? caller.bridgedAt : undefined) ?? l.createdAt ?? 0 }))
    .sort((a, b) => a.at - b.at);
  return talked.slice(1).map(({ leg, at }) => ({ at, ...(leg.extension !== undefined ? { to: leg.extension } : {}) }));
}

/**
 * The consent as it stands now: what the prompt collected, unless the caller pressed 9 later
 * in the call — GDPR Art. 7(3): consent can be withdrawn at any time, and Art. 21 the same
 * for an objection. Only a 9 counts; other keys during the call are not answers to anything.
 */
export function currentConsent(call: CallState, facts: Pick<CallFacts, 'consent' | 'consentAnsweredAt'>): ConsentState {
  if (facts.consent === 'asked') return facts.consent;
  // After the prompt's answer; without a prompt (manual asks nothing), once the conversation began.
  const after = facts.consentAnsweredAt ?? firstBridgeAt(call);
  if (after === undefined) return facts.consent;
  const objected = call.digits.some((d) => d.role === 'caller' && d.digit === '9' && d.at !== undefined && d.at > after);
  return objected ? 'refused' : facts.consent;
}

function firstBridgeAt(call: CallState): Micros | undefined {
  const times = call.legs.filter((l) => l.role === 'agent' && l.bridgedAt !== undefined).map((l) => l.bridgedAt!);
  const caller = callerLeg(call);
  if (caller?.bridgedAt !== undefined) times.push(caller.bridgedAt);
  return times.length > 0 ? Math.min(...times) : undefined;
}

export function policyInputOf(call: CallState, facts: CallFacts): PolicyInput {
  const group = facts.policy.group;
  const agentDigits = call.digits
    .filter((d) => d.role === 'agent')
    .map((d) => ({ digit: d.digit, at: d.at ?? 0 }));
  // Modes as seen from the agent's leg, whatever leg an eavesdrop targets (src/coaching).
  const supervisors: SupervisorPresence[] = supervisorsForPolicy(call, facts.supervisorNames).map((s) => ({
    mode: s.mode,
    consentOnFile: facts.supervisorConsent(s.supervisor),
  }));
  return {
    legalNoticeAcknowledged: facts.legalNoticeAcknowledged,
    group,
    ...(facts.policy.extensionMode !== undefined ? { extensionMode: facts.policy.extensionMode } : {}),
    ...(call.policyOverride !== undefined ? { callOverride: call.policyOverride } : {}),
    veto: call.noRecord,
    consent: currentConsent(call, facts),
    agentConsentOnFile: facts.agentConsentOnFile,
    ...(facts.agentCallNumber !== undefined ? { agentCallNumber: facts.agentCallNumber } : {}),
    manualPresses: group.manualKey !== undefined ? manualPressesFromDigits(agentDigits, group.manualKey) : [],
    bridged: isBridged(call) || (facts.seeded === true && seededBridged(call)),
    transfers: transfersOf(call),
    supervisors,
    ...(facts.operatorRequests !== undefined && facts.operatorRequests.length > 0 ? { operatorRequests: facts.operatorRequests } : {}),
    ...pauseOf(call, agentDigits, facts),
  };
}

/**
 * The pause for sensitive input as it stands: the agent's pause key (a toggle) and accepted
 * live-operations requests, each pause ending at the group's maximum. Absent when the group
 * has no pause key and nobody asked (so decisions without pauses stay as they were).
 */
function pauseOf(call: CallState, agentDigits: readonly { digit: string; at: number }[], facts: CallFacts): { pause?: ReturnType<typeof pauseStateAt> } {
  const group = facts.policy.group;
  const requests = [...pauseRequestsFromDigits(agentDigits, group.pauseKey, facts.extension ?? call.agentExtension ?? '?'), ...(facts.pauseRequests ?? [])];
  if (requests.length === 0) return {};
  // FreeSWITCH's clock and ours may differ a little: never let "now" be before what FreeSWITCH already reported.
  const now = Math.max(facts.now ?? 0, call.updatedAt ?? 0, ...requests.map((r) => r.at));
  return { pause: pauseStateAt(requests, group.pauseMaxSeconds ?? DEFAULT_PAUSE_MAX_SECONDS, now) };
}
