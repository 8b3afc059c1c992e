// Pure transitions of CallState: apply one channel event, close a leg, move a leg between calls.

import type { CloseReason } from './channel-streams';
import type {
  CallState,
  DigitPress,
  LegRole,
  LegState,
  MonitorMode,
  MonitorSession,
  PlaybackState,
  RecordingState,
} from './call-state';
import type { ChannelFacts, Micros } from './freeswitch-fields';
import { compact } from './compact';

/** Bounds for lists that a long call could grow without limit (hold music loops, key mashing). */
export const MAX_DIGITS = 256;
export const MAX_PLAYBACKS = 64;

export function emptyCall(callId: string, node: string): CallState {
  return {
    callId,
    node: { name: node },
    legs: [],
    noRecord: false,
    digits: [],
    recordings: [],
    recording: false,
    playbacks: [],
    onHold: false,
    monitors: [],
    ended: false,
  };
}

export function newLeg(uuid: string, role: LegRole, node: string): LegState {
  return { uuid, role, node, answered: false, held: false, hungup: false, closed: false, vars: {}, eavesdropDtmf: false };
}

/**
 * Folds one event of leg `facts.uniqueId` (which plays `role` in this call) into the call.
 * Pure: same inputs, same output; the input state is never modified. A leg the call has not
 * seen yet is added, so a stream that starts mid-call (after a restart) simply builds up.
 */
export function reduceCall(call: CallState, facts: ChannelFacts, role: LegRole, node: string): CallState {
  const uuid = facts.uniqueId;
  const ts = facts.timestamp;
  const before = call.legs.find((l) => l.uuid === uuid) ?? newLeg(uuid, role, node);
  let legs = upsert(call.legs, applyLegFacts({ ...before, role }, facts));
  let { digits, recordings, playbacks, monitors } = call;

  switch (facts.eventName) {
    case 'CHANNEL_BRIDGE':
    case 'CHANNEL_UNBRIDGE': {
      const bridged = facts.eventName === 'CHANNEL_BRIDGE';
      const a = facts.bridgeA ?? uuid;
      const b = facts.bridgeB ?? facts.otherLeg;
      if (b !== undefined) {
        legs = legs.map((l) => {
          if (l.uuid !== a && l.uuid !== b) return l;
          const partner = l.uuid === a ? b : a;
          return compact(bridged ? { ...l, bridgedTo: partner, bridgedAt: ts ?? l.bridgedAt } : { ...l, bridgedTo: undefined, unbridgedAt: ts ?? l.unbridgedAt });
        });
      }
      break;
    }
    case 'DTMF':
      if (facts.dtmfDigit !== undefined) {
        digits = capped(digits.concat(compact<DigitPress>({ leg: uuid, role, digit: facts.dtmfDigit, at: ts })), MAX_DIGITS);
        monitors = switchMonitorMode(monitors, legs.find((l) => l.uuid === uuid)!, facts.dtmfDigit, ts);
      }
      break;
    case 'RECORD_START':
      if (facts.recordFilePath !== undefined) {
        recordings = recordings
          .filter((r) => !(r.leg === uuid && r.path === facts.recordFilePath && r.active))
          .concat(compact<RecordingState>({ path: facts.recordFilePath, leg: uuid, startedAt: ts, active: true }));
      }
      break;
    case 'RECORD_STOP':
      if (facts.recordFilePath !== undefined) recordings = stopMedia(recordings, uuid, facts.recordFilePath, ts);
      break;
    case 'PLAYBACK_START':
      if (facts.playbackFilePath !== undefined) {
        playbacks = capped(playbacks.concat(compact<PlaybackState>({ path: facts.playbackFilePath, leg: uuid, startedAt: ts, active: true })), MAX_PLAYBACKS);
      }
      break;
    case 'PLAYBACK_STOP':
      if (facts.playbackFilePath !== undefined) playbacks = capped(stopMedia(playbacks, uuid, facts.playbackFilePath, ts), MAX_PLAYBACKS);
      break;
    case 'CHANNEL_EXECUTE':
    case 'CHANNEL_DATA': {
      // CHANNEL_DATA (a show-channels row) names the application running right now.
      const target = eavesdropTarget(facts);
      if (target !== undefined) monitors = startMonitor(monitors, legs.find((l) => l.uuid === uuid)!, target, facts, ts);
      break;
    }
    case 'CHANNEL_EXECUTE_COMPLETE': {
      const target = eavesdropTarget(facts);
      if (target !== undefined) monitors = stopMonitor(monitors, uuid, target, ts);
      break;
    }
    case 'CHANNEL_HANGUP':
    case 'CHANNEL_HANGUP_COMPLETE':
    case 'CHANNEL_DESTROY':
      // eavesdrop ends when either the listener or the channel it listens to goes away.
      monitors = stopMonitorsOf(monitors, uuid, ts);
      break;
    default:
      break;
  }

  const callNode = {
    name: call.node.name,
    coreUuid: call.node.coreUuid ?? facts.coreUuid,
    hostname: call.node.hostname ?? facts.hostname,
  };
  const updatedAt = ts === undefined ? call.updatedAt : Math.max(ts, call.updatedAt ?? 0);
  return derive({ ...call, node: compact(callNode), legs, digits, recordings, playbacks, monitors, updatedAt });
}

/** The leg's stream is over (DESTROY, grace or expiry): whatever still ran on it has stopped. */
export function closeLeg(call: CallState, uuid: string, reason: CloseReason): CallState {
  const leg = call.legs.find((l) => l.uuid === uuid);
  if (leg === undefined || leg.closed) return call;
  const legs = upsert(call.legs, compact({ ...leg, closed: true, closeReason: reason, hungup: true, held: false, bridgedTo: undefined }));
  // No RECORD_STOP was seen, so stoppedAt stays unknown; but a gone channel records nothing.
  const recordings = call.recordings.map((r) => (r.leg === uuid && r.active ? { ...r, active: false } : r));
  const playbacks = call.playbacks.map((p) => (p.leg === uuid && p.active ? { ...p, active: false } : p));
  const monitors = stopMonitorsOf(call.monitors, uuid, undefined);
  return derive({ ...call, legs, recordings, playbacks, monitors });
}

/** A leg with everything that belongs to it, taken out of one call to join another. */
export interface DetachedLeg {
  readonly leg: LegState;
  readonly digits: readonly DigitPress[];
  readonly recordings: readonly RecordingState[];
  readonly playbacks: readonly PlaybackState[];
  readonly monitors: readonly MonitorSession[];
}

export function detachLeg(call: CallState, uuid: string): { readonly call: CallState; readonly detached?: DetachedLeg } {
  const leg = call.legs.find((l) => l.uuid === uuid);
  if (leg === undefined) return { call };
  const mine = <T extends { leg: string }>(x: T) => x.leg === uuid;
  const detached: DetachedLeg = {
    leg,
    digits: call.digits.filter(mine),
    recordings: call.recordings.filter(mine),
    playbacks: call.playbacks.filter(mine),
    monitors: call.monitors.filter((m) => m.supervisorLeg === uuid),
  };
  const rest = derive({
    ...call,
    legs: call.legs.filter((l) => l.uuid !== uuid),
    digits: call.digits.filter((d) => !mine(d)),
    recordings: call.recordings.filter((r) => !mine(r)),
    playbacks: call.playbacks.filter((p) => !mine(p)),
    monitors: call.monitors.filter((m) => m.supervisorLeg !== uuid),
  });
  return { call: rest, detached };
}

export function attachLeg(call: CallState, detached: DetachedLeg, role: LegRole): CallState {
  const byTime = <T extends { at?: Micros; startedAt?: Micros }>(x: T) => x.at ?? x.startedAt ?? 0;
  const sortByTime = <T extends { at?: Micros; startedAt?: Micros }>(xs: T[]) => xs.sort((p, q) => byTime(p) - byTime(q));
  return derive({
    ...call,
    legs: upsert(call.legs, { ...detached.leg, role }),
    digits: capped(sortByTime([...call.digits, ...detached.digits.map((d) => ({ ...d, role }))]), MAX_DIGITS),
    recordings: sortByTime([...call.recordings, ...detached.recordings]),
    playbacks: capped(sortByTime([...call.playbacks, ...detached.playbacks]), MAX_PLAYBACKS),
    monitors: [...call.monitors, ...detached.monitors],
  });
}

function applyLegFacts(leg: LegState, f: ChannelFacts): LegState {
  const ts = f.timestamp;
  let next: LegState = {
    ...leg,
    channelName: f.channelName ?? leg.channelName,
    direction: f.direction ?? leg.direction,
    channelState: f.channelState ?? leg.channelState,
    callState: f.callState ?? leg.callState,
    callerNumber: f.callerNumber ?? leg.callerNumber,
    destination: f.destination ?? leg.destination,
    calleeNumber: f.calleeNumber ?? leg.calleeNumber,
    dialedUser: f.dialedUser ?? leg.dialedUser,
    createdAt: leg.createdAt ?? (f.eventName === 'CHANNEL_CREATE' ? ts : undefined) ?? f.createdTime,
    eavesdropDtmf: f.eavesdropDtmf ?? leg.eavesdropDtmf,
    eavesdropKeys: f.eavesdropKeys ?? leg.eavesdropKeys,
    vars: mergeVars(leg, f),
  };
  // Mid-call starts learn the answer from headers; a live CHANNEL_ANSWER gives the exact time.
  if (f.eventName === 'CHANNEL_ANSWER') next = { ...next, answered: true, answeredAt: next.answeredAt ?? ts };
  else if (!next.answered && (f.answeredTime !== undefined || f.answerState === 'answered')) {
    next = { ...next, answered: true, answeredAt: f.answeredTime };
  }
  if (next.bridgedAt === undefined && f.bridgedTime !== undefined && f.otherLeg !== undefined && f.eventName !== 'CHANNEL_UNBRIDGE') {
    next = { ...next, bridgedAt: f.bridgedTime, bridgedTo: next.hungup ? undefined : f.otherLeg };
  }
  switch (f.eventName) {
    case 'CHANNEL_HOLD':
      next = { ...next, held: true };
      break;
    case 'CHANNEL_UNHOLD':
      next = { ...next, held: false };
      break;
    case 'CHANNEL_DATA':
      if (f.callState === 'HELD') next = { ...next, held: true };
      break;
    case 'CHANNEL_HANGUP':
      next = { ...next, hungup: true, hungupAt: next.hungupAt ?? ts, hangupCause: f.hangupCause ?? next.hangupCause };
      break;
    case 'CHANNEL_HANGUP_COMPLETE':
      next = { ...next, hungup: true, hungupAt: next.hungupAt ?? ts, hangupCompleteAt: ts, hangupCause: f.hangupCause ?? next.hangupCause };
      break;
    case 'CHANNEL_DESTROY':
      next = { ...next, hungup: true, destroyedAt: ts, hangupCause: next.hangupCause ?? f.hangupCause };
      break;
    default:
      if (f.answerState === 'hangup' && !next.hungup) next = { ...next, hungup: true, hangupCause: f.hangupCause ?? next.hangupCause };
  }
  if (next.hungup) next = { ...next, held: false };
  return compact(next);
}

function mergeVars(leg: LegState, f: ChannelFacts): LegState['vars'] {
  // Variables ride only on events that carry the channel's variables (not on DTMF), so an
  // absent variable means "not told", never "unset": keep what was seen.
  if (f.agent === undefined && f.group === undefined && f.policy === undefined && f.noRecord === undefined) return leg.vars;
  return compact({
    agent: f.agent ?? leg.vars.agent,
    group: f.group ?? leg.vars.group,
    policy: f.policy ?? leg.vars.policy,
    noRecord: f.noRecord ?? leg.vars.noRecord,
  });
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `eavesdrop <uuid>`: the target leg; undefined for other apps and for `eavesdrop all`. */
export function eavesdropTarget(f: ChannelFacts): string | undefined {
  if (f.application !== 'eavesdrop' || f.applicationData === undefined) return undefined;
  const target = f.applicationData.trim();
  return UUID_RE.test(target) ? target : undefined;
}

function initialMode(f: ChannelFacts): MonitorMode {
  // FreeSWITCH starts in mode 1 with eavesdrop_whisper_aleg, mode 2 with _bleg.
  if (f.eavesdropWhisper === 'aleg') return 'talk-partner';
  if (f.eavesdropWhisper === 'bleg') return 'talk-target';
  return 'listen';
}

function startMonitor(monitors: readonly MonitorSession[], supervisor: LegState, target: string, f: ChannelFacts, ts: Micros | undefined): readonly MonitorSession[] {
  if (monitors.some((m) => m.active && m.supervisorLeg === supervisor.uuid && m.targetLeg === target)) return monitors;
  if (supervisor.hungup) return monitors;
  return [...monitors, compact<MonitorSession>({ supervisorLeg: supervisor.uuid, targetLeg: target, mode: initialMode(f), startedAt: ts, active: true })];
}

function stopMonitor(monitors: readonly MonitorSession[], supervisor: string, target: string, ts: Micros | undefined): readonly MonitorSession[] {
  const running = monitors.some((m) => m.supervisorLeg === supervisor && m.targetLeg === target && m.active);
  if (!running) {
    // We only saw the end (e.g. the inbound connection does not subscribe CHANNEL_EXECUTE):
    // the session still happened and is worth recording, with an unknown start.
    if (monitors.some((m) => m.supervisorLeg === supervisor && m.targetLeg === target && m.stoppedAt === ts)) return monitors;
    return [...monitors, compact<MonitorSession>({ supervisorLeg: supervisor, targetLeg: target, mode: 'listen', stoppedAt: ts, active: false })];
  }
  return monitors.map((m) => (m.supervisorLeg === supervisor && m.targetLeg === target && m.active ? compact({ ...m, active: false, stoppedAt: ts }) : m));
}

function stopMonitorsOf(monitors: readonly MonitorSession[], leg: string, ts: Micros | undefined): readonly MonitorSession[] {
  if (!monitors.some((m) => m.active && (m.supervisorLeg === leg || m.targetLeg === leg))) return monitors;
  return monitors.map((m) => (m.active && (m.supervisorLeg === leg || m.targetLeg === leg) ? compact({ ...m, active: false, stoppedAt: ts }) : m));
}

const MODE_BY_DIGIT: Readonly<Record<string, MonitorMode>> = { '0': 'listen', '1': 'talk-partner', '2': 'talk-target', '3': 'three-way' };

/** The order of the digits in callwarden_eavesdrop_keys. */
const MODES_BY_KEY_POSITION: readonly MonitorMode[] = ['listen', 'talk-partner', 'talk-target', 'three-way'];

/** FreeSWITCH's own keys while eavesdrop_enable_dtmf is on; else coaching's translated keys, if any. */
function modeOfDigit(leg: LegState, digit: string): MonitorMode | undefined {
  if (leg.eavesdropDtmf) return MODE_BY_DIGIT[digit];
  const keys = leg.eavesdropKeys;
  if (keys === undefined || keys.length !== MODES_BY_KEY_POSITION.length || digit.length !== 1) return undefined;
  const i = keys.indexOf(digit);
  return i === -1 ? undefined : MODES_BY_KEY_POSITION[i];
}

function switchMonitorMode(monitors: readonly MonitorSession[], leg: LegState, digit: string, ts: Micros | undefined): readonly MonitorSession[] {
  const mode = modeOfDigit(leg, digit);
  if (mode === undefined) return monitors;
  if (!monitors.some((m) => m.active && m.supervisorLeg === leg.uuid)) return monitors;
  return monitors.map((m) => (m.active && m.supervisorLeg === leg.uuid ? compact({ ...m, mode, modeChangedAt: ts }) : m));
}

function stopMedia<T extends { path: string; leg: string; active: boolean; startedAt?: Micros; stoppedAt?: Micros }>(
  list: readonly T[],
  leg: string,
  path: string,
  ts: Micros | undefined,
): T[] {
  let found = false;
  const next = list.map((x) => {
    if (found || x.leg !== leg || x.path !== path || !x.active) return x;
    found = true;
    return compact({ ...x, active: false, stoppedAt: ts });
  });
  // A stop without its start: it started before we were watching.
  if (!found) next.push(compact({ path, leg, stoppedAt: ts, active: false } as T));
  return next;
}

/** Call-level fields are derived from the legs, so they cannot disagree with them. */
function derive(call: CallState): CallState {
  const caller = call.legs.find((l) => l.role === 'caller');
  const parties = call.legs.filter((l) => l.role !== 'supervisor');
  const agents = call.legs.filter((l) => l.role === 'agent');
  const legs = call.legs.map((l) => {
    // Who the agent is decides whose consent counts and who may coach them, so it comes only
    // from what FreeSWITCH dialled: the dialplan's callwarden_agent, the directory user of a
    // `user/<ext>` dial (dialed_user), or the destination the b-leg was created for. Never
    // from Caller-Callee-ID-Number: the answering phone sets that (P-Asserted-Identity,
    // Remote-Party-ID) and could claim a colleague's extension.
    const extension = l.role === 'agent' ? l.vars.agent ?? l.dialedUser ?? l.destination : undefined;
    return extension === l.extension ? l : compact({ ...l, extension });
  });
  const liveAgent = [...agents].reverse().find((l) => !l.hungup);
  const lastAgent = agents[agents.length - 1];
  const pick = <K extends keyof LegState['vars']>(key: K): LegState['vars'][K] | undefined => {
    if (caller?.vars[key] !== undefined) return caller.vars[key];
    for (let i = agents.length - 1; i >= 0; i--) if (agents[i]!.vars[key] !== undefined) return agents[i]!.vars[key];
    return undefined;
  };
  const agentExtension =
    (liveAgent ?? lastAgent) !== undefined
      ? legs.find((l) => l.uuid === (liveAgent ?? lastAgent)!.uuid)!.extension
      : pick('agent');
  const created = call.legs.map((l) => l.createdAt).filter((t): t is number => t !== undefined);
  const ended = call.legs.length > 0 && call.legs.every((l) => l.closed);
  const ends = call.legs.map((l) => l.destroyedAt ?? l.hangupCompleteAt ?? l.hungupAt).filter((t): t is number => t !== undefined);
  return compact({
    ...call,
    legs,
    direction: caller?.direction ?? call.direction,
    callerNumber: caller?.callerNumber ?? call.callerNumber ?? agents[0]?.callerNumber,
    destination: call.destination ?? caller?.destination,
    agentExtension,
    group: pick('group'),
    policyOverride: pick('policy'),
    // Conservative: a veto on any party's leg vetoes the call.
    noRecord: parties.some((l) => l.vars.noRecord === true),
    recording: call.recordings.some((r) => r.active),
    onHold: call.legs.some((l) => l.held),
    startedAt: created.length > 0 ? Math.min(...created) : call.startedAt,
    ended,
    endedAt: ended && ends.length > 0 ? Math.max(...ends) : undefined,
  });
}

function upsert(legs: readonly LegState[], leg: LegState): readonly LegState[] {
  const i = legs.findIndex((l) => l.uuid === leg.uuid);
  // concat, not a spread: the exact length (a spread reserves 17 slots, ≈150 bytes a live call).
  if (i === -1) return legs.concat(leg);
  const next = legs.slice();
  next[i] = leg;
  return next;
}

function capped<T>(list: readonly T[], max: number): readonly T[] {
  return list.length > max ? list.slice(list.length - max) : list;
}
