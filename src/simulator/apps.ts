// Dialplan applications the simulator implements (mod_dptools behaviour, simplified).

import { Channel } from './channel';
import type { FsCore } from './core';
import { Session, type OutboundLink } from './session';

/** How long a prompt plays in virtual ms: tone_stream %(on,off,hz);loops=N, silence_stream://ms. */
export function playbackDurationMs(path: string): number {
  const loopsMatch = /;loops=(-?\d+)/.exec(path);
  const loops = loopsMatch !== null ? Number(loopsMatch[1]) : 1;
  if (loops < 0) return Infinity;
  const tone = /^tone_stream:\/\/%\((\d+),(\d+)/.exec(path);
  if (tone !== null) return (Number(tone[1]) + Number(tone[2])) * loops;
  const silence = /^silence_stream:\/\/(-?\d+)/.exec(path);
  if (silence !== null) return Number(silence[1]) < 0 ? Infinity : Number(silence[1]) * loops;
  return 3000 * loops;
}

const interrupted = (s: Session): boolean => !s.ch.alive || s.transfer !== undefined || s.breakApp;

/** switch_ivr_play_file: PLAYBACK_START, the media, PLAYBACK_STOP. Early media if unanswered. */
export async function play(core: FsCore, s: Session, path: string, breakOnDtmf: boolean): Promise<'done' | 'dtmf' | 'interrupted'> {
  if (!s.ch.alive) return 'interrupted';
  core.preAnswer(s);
  const scheme = /^([a-z_]+):\/\//.exec(path);
  const fileHeaders: Array<[string, string]> = scheme !== null ? [['Playback-File-Type', scheme[1] ?? ''], ['Playback-File-Path', path]] : [['Playback-File-Path', path]];
  core.emit('PLAYBACK_START', s, [], fileHeaders);
  const stop = (): boolean => interrupted(s) || (breakOnDtmf && s.dtmf.length > 0);
  const duration = playbackDurationMs(path);
  let outcome: 'done' | 'dtmf' | 'interrupted';
  if (duration === Infinity) {
    await core.waitUntil(stop);
    outcome = breakOnDtmf && s.dtmf.length > 0 ? 'dtmf' : 'interrupted';
  } else {
    const elapsed = await core.sleep(duration, stop);
    outcome = elapsed ? 'done' : breakOnDtmf && s.dtmf.length > 0 ? 'dtmf' : 'interrupted';
  }
  core.emit('PLAYBACK_STOP', s, [], [...fileHeaders, ['Playback-Status', outcome === 'done' ? 'done' : 'break']]);
  return outcome;
}

/** Waits up to `ms` virtual ms for one digit; undefined on timeout or hangup. */
async function nextDigit(core: FsCore, s: Session, ms: number): Promise<string | undefined> {
  if (s.dtmf.length === 0) {
    s.awaitingDigits = true;
    core.notify();
    await core.sleep(ms, () => interrupted(s) || s.dtmf.length > 0);
    s.awaitingDigits = false;
  }
  if (interrupted(s)) return undefined;
  return s.dtmf.shift();
}

/** play_and_get_digits <min> <max> <tries> <timeout> <terminators> <file> <invalid> <var> <regex> [digit_timeout] */
async function playAndGetDigits(core: FsCore, s: Session, arg: string): Promise<string> {
  const a = arg.split(' ');
  const min = Number(a[0] ?? 1);
  const max = Number(a[1] ?? 1);
  const tries = Number(a[2] ?? 1);
  const timeout = Number(a[3] ?? 5000);
  const terminators = a[4] ?? '#';
  const file = a[5] ?? '';
  const invalid = a[6] ?? '';
  const varName = a[7] ?? '';
  const regex = new RegExp(a[8] ?? '.*');
  const digitTimeout = Number(a[9] ?? timeout);
  for (let attempt = 0; attempt < tries && !interrupted(s); attempt++) {
    s.collecting = true;
    if (file !== '') await play(core, s, file, true);
    let digits = '';
    while (digits.length < max && !interrupted(s)) {
      const d = await nextDigit(core, s, digits.length === 0 ? timeout : digitTimeout);
      if (d === undefined) break;
      if (terminators.includes(d)) break;
      digits += d;
    }
    s.collecting = false;
    if (digits.length >= min && regex.test(digits)) {
      if (varName !== '') s.ch.setVar(varName, digits);
      return '_none_';
    }
    if (invalid !== '' && attempt + 1 < tries && !interrupted(s)) await play(core, s, invalid, false);
  }
  s.collecting = false;
  return '_none_';
}

function endpointExtension(endpoint: string): string {
  const clean = endpoint.replace(/^\{[^}]*\}/, '').split(/[,|]/)[0] ?? '';
  const last = clean.slice(clean.lastIndexOf('/') + 1);
  return last.split('@')[0] ?? last;
}

function endpointVariables(endpoint: string): Record<string, string> {
  const block = /^\{([^}]*)\}/.exec(endpoint)?.[1] ?? '';
  const vars: Record<string, string> = {};
  for (const pair of block.split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) vars[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return vars;
}

/** Creates the agent leg of a bridge/originate: OUTGOING, CREATE, ORIGINATE, … PROGRESS (ringing). */
export function originateLeg(core: FsCore, a: Session | undefined, endpoint: string): Session {
  const ext = endpointExtension(endpoint);
  const name = endpoint.startsWith('sofia/') ? endpoint.replace(/^\{[^}]*\}/, '') : `sofia/internal/${ext}@127.0.0.1:5080`;
  const ap = a?.ch.profile;
  const callerName = a?.ch.getVar('effective_caller_id_name') ?? ap?.callerIdName ?? 'FreeSWITCH';
  const callerNumber = a?.ch.getVar('effective_caller_id_number') ?? ap?.callerIdNumber ?? '0000000000';
  // {k=v,…} before the endpoint become the new channel's variables, origination_uuid its uuid (as in FreeSWITCH).
  const vars = endpointVariables(endpoint);
  const ch = new Channel({
    ...(vars.origination_uuid !== undefined ? { uuid: vars.origination_uuid } : {}),
    name,
    direction: 'outbound',
    now: core.clock.now,
    profile: {
      direction: 'outbound', logicalDirection: 'inbound', username: ap?.username ?? '', dialplan: 'XML',
      callerIdName: callerName, callerIdNumber: callerNumber,
      origCallerIdName: ap?.callerIdName ?? callerName, origCallerIdNumber: ap?.callerIdNumber ?? callerNumber,
      calleeIdName: 'Outbound Call', calleeIdNumber: ext,
      networkAddr: '127.0.0.1', ani: ap?.ani ?? callerNumber, destinationNumber: ext, source: 'mod_sofia', context: 'default',
    },
  });
  ch.hitDialplan = false;
  if (a !== undefined) {
    ch.callUuid = a.ch.uuid;
    ch.other = { type: 'originator', profile: { ...a.ch.profile, times: { ...a.ch.profile.times } } };
  }
  const b = new Session(ch);
  b.role = 'agent';
  b.label = a?.label;
  core.sessions.set(ch.uuid, b);
  if (a !== undefined) core.addAgentLeg(a.ch.uuid, b);
  core.sessionsSinceStartup++;
  ch.setVar('direction', 'outbound');
  ch.setVar('uuid', ch.uuid);
  ch.setVar('is_outbound', 'true');
  ch.setVar('dialed_user', ext);
  ch.setVar('dialed_domain', '127.0.0.1');
  ch.setVar('sofia_profile_name', 'internal');
  for (const [k, v] of Object.entries(vars)) if (k !== 'origination_uuid') ch.setVar(k, v);
  core.emit('CHANNEL_OUTGOING', b);
  core.setState(b, 'CS_INIT');
  core.emit('CHANNEL_CREATE', b);
  core.emit('CHANNEL_ORIGINATE', b);
  core.setState(b, 'CS_ROUTING');
  core.setState(b, 'CS_CONSUME_MEDIA');
  ch.profile.times.progress = core.clock.now;
  if (a !== undefined) a.ch.profile.times.progress = core.clock.now;
  core.emit('CHANNEL_PROGRESS', b);
  ch.callState = 'RINGING';
  core.options.onLeg?.(b);
  return b;
}

/** The far end answers: media, CHANNEL_ANSWER on the leg. */
export function answerLeg(core: FsCore, b: Session): void {
  const ch = b.ch;
  ch.hasMedia = true;
  ch.profile.times.answered = core.clock.now;
  ch.answerState = 'answered';
  core.emit('CHANNEL_ANSWER', b);
  ch.callState = 'ACTIVE';
}

/** bridge <endpoint>: originate, wait for answer, CHANNEL_BRIDGE … CHANNEL_UNBRIDGE. */
async function bridge(core: FsCore, a: Session, arg: string): Promise<string> {
  const b = originateLeg(core, a, arg);
  await core.waitUntil(() => interrupted(a) || b.farEnd !== 'ringing' || !b.ch.alive);
  if (interrupted(a) || b.farEnd === 'rejected' || !b.ch.alive) {
    const rejected = b.farEnd === 'rejected';
    const cause = rejected ? b.rejectCause : !a.ch.alive ? 'ORIGINATOR_CANCEL' : 'NORMAL_CLEARING';
    core.hangup(b, cause);
    a.ch.setVar('originate_disposition', b.ch.hangupCause ?? cause);
    void core.finish(b);
    // mod_dptools: a bridge whose far end refuses hangs the caller up with that cause, unless
    // continue_on_fail is set (daemon-restart-midcall: 503 → NORMAL_TEMPORARY_FAILURE).
    if (rejected && !interrupted(a) && a.ch.getVar('continue_on_fail') !== 'true') core.hangup(a, b.ch.hangupCause ?? cause);
    return '_none_';
  }
  core.answer(a);
  answerLeg(core, b);
  const now = core.clock.now;
  a.ch.profile.calleeIdName = 'Outbound Call';
  a.ch.profile.calleeIdNumber = b.ch.profile.destinationNumber;
  a.ch.other = { type: 'originatee', profile: b.ch.profile };
  a.ch.profile.times.bridged = now;
  a.ch.setVar('bridge_uuid', b.ch.uuid);
  a.ch.setVar('last_bridge_to', b.ch.uuid);
  a.bridge = b;
  b.bridge = a;
  const ids: Array<[string, string]> = [['Bridge-A-Unique-ID', a.ch.uuid], ['Bridge-B-Unique-ID', b.ch.uuid]];
  core.emit('CHANNEL_BRIDGE', a, ids);
  b.ch.profile.times.bridged = now;
  core.setState(b, 'CS_EXCHANGE_MEDIA');
  await core.waitUntil(() => interrupted(a) || !b.ch.alive);
  // A transfer of the caller ends the agent leg at once (transfer/watch-json).
  if (b.ch.alive) core.hangup(b, 'NORMAL_CLEARING');
  core.emit('CHANNEL_UNBRIDGE', a, ids);
  a.bridge = undefined;
  b.bridge = undefined;
  // Unless the caller's hangup already scheduled it, the agent leg reports once the caller's
  // dialplan moved on (transfer/watch-json: after the new extension's PLAYBACK_START).
  if (b.teardown === undefined && a.afterApp.length === 0) setImmediate(() => void core.finish(b));
  return '_none_';
}

/** eavesdrop <uuid>: listen; with eavesdrop_enable_dtmf the listener's digits switch modes. */
async function eavesdrop(core: FsCore, s: Session, arg: string): Promise<string> {
  const target = core.find(arg.trim());
  if (target === undefined || !target.ch.alive) return '_none_';
  s.eavesdropTarget = target;
  s.eavesdropMode = 'listen';
  const dtmfEnabled = s.ch.getVar('eavesdrop_enable_dtmf') === 'true';
  for (;;) {
    await core.waitUntil(() => interrupted(s) || !target.ch.alive || s.dtmf.length > 0);
    if (interrupted(s) || !target.ch.alive) break;
    const d = s.dtmf.shift();
    if (!dtmfEnabled) continue;
    // mod_dptools eavesdrop: 2 = talk to the target, 1 = to its partner, 3 = both, 0 = listen.
    if (d === '2') s.eavesdropMode = 'talk-target';
    else if (d === '1') s.eavesdropMode = 'talk-partner';
    else if (d === '3') s.eavesdropMode = 'three-way';
    else if (d === '0') s.eavesdropMode = 'listen';
  }
  s.eavesdropTarget = undefined;
  return '_none_';
}

/** socket <host:port> async full: hand the channel to the daemon until it lets go or hangs up. */
async function socketApp(core: FsCore, s: Session, arg: string): Promise<string> {
  const target = arg.split(' ')[0] ?? '';
  const colon = target.lastIndexOf(':');
  const host = target.slice(0, colon);
  const port = Number(target.slice(colon + 1));
  s.ch.setVar('socket_host', host);
  const link = await core.options.dial(s, host, port);
  const resume = s.ch.getVar('socket_resume') === 'true';
  if (link === undefined) {
    // Nothing listens: socket_resume lets the dialplan go on (no-controller trace).
    if (!resume) core.hangup(s, 'DESTINATION_OUT_OF_ORDER');
    return '_none_';
  }
  s.link = link;
  core.emit('CHANNEL_PARK', s);
  for (;;) {
    await core.waitUntil(() => interrupted(s) || s.appQueue.length > 0 || link.closed);
    if (interrupted(s)) break;
    // A closed socket ends the socket app: what it had queued is never run.
    if (link.closed) {
      s.appQueue.length = 0;
      break;
    }
    const next = s.appQueue.shift();
    if (next !== undefined) await executeUnlessClosed(core, s, link, next.app, next.arg, next.uuid);
  }
  core.emit('CHANNEL_UNPARK', s);
  if (link.closed && s.ch.alive && !resume) core.hangup(s, 'NORMAL_CLEARING');
  return '_none_';
}

/**
 * Runs an application the socket asked for. If the socket closes while it runs (the daemon
 * stopped, crashed or was killed), FreeSWITCH breaks it: a bridge hangs the agent leg up
 * (NORMAL_CLEARING), the caller gets CHANNEL_UNBRIDGE and the bridge's EXECUTE_COMPLETE, then
 * the socket app returns (UNPARK, EXECUTE_COMPLETE socket) and, with socket_resume=true, the
 * dialplan goes on with its next action (traces daemon-kill9-midcall, daemon-restart-midcall).
 */
async function executeUnlessClosed(core: FsCore, s: Session, link: OutboundLink, app: string, arg: string, uuid: string | undefined): Promise<void> {
  let finished = false;
  void core.waitUntil(() => finished || link.closed).then(() => {
    if (finished) return;
    s.breakApp = true;
    core.notify();
  });
  try {
    await core.execute(s, app, arg, uuid);
  } finally {
    finished = true;
    s.breakApp = false;
    core.notify();
  }
}

function setVariable(s: Session, arg: string): void {
  const eq = arg.indexOf('=');
  if (eq === -1) return;
  const name = arg.slice(0, eq);
  const value = arg.slice(eq + 1);
  s.ch.setVar(name, value === '' ? undefined : value);
}

/** Runs `app`; resolves with its Application-Response (undefined = "_none_"). */
export async function runApp(core: FsCore, s: Session, app: string, arg: string): Promise<string | undefined> {
  switch (app) {
    case 'answer':
      core.answer(s);
      return undefined;
    case 'pre_answer':
      core.preAnswer(s);
      return undefined;
    case 'set':
      setVariable(s, arg);
      return undefined;
    case 'export': {
      setVariable(s, arg);
      const name = arg.split('=')[0] ?? '';
      const list = s.ch.getVar('export_vars');
      s.ch.setVar('export_vars', list === undefined ? name : `${list},${name}`);
      return undefined;
    }
    case 'unset':
      s.ch.setVar(arg.trim(), undefined);
      return undefined;
    case 'hash':
    case 'log':
    case 'info':
      return undefined;
    case 'playback': {
      const outcome = await play(core, s, arg, false);
      return outcome === 'done' ? 'FILE PLAYED' : 'PLAYBACK ERROR';
    }
    case 'play_and_get_digits':
      return playAndGetDigits(core, s, arg);
    case 'bridge':
      return bridge(core, s, arg);
    case 'eavesdrop':
      return eavesdrop(core, s, arg);
    case 'socket':
      return socketApp(core, s, arg);
    case 'sleep':
      await core.sleep(Number(arg) || 0, () => interrupted(s));
      return undefined;
    case 'park':
      await core.waitUntil(() => interrupted(s));
      return undefined;
    case 'hangup':
      core.hangup(s, arg.trim() === '' ? 'NORMAL_CLEARING' : arg.trim());
      return undefined;
    case 'transfer': {
      const [dest, dialplan, context] = arg.split(' ');
      core.transfer(s, dest ?? '', dialplan ?? 'XML', context ?? 'default');
      return undefined;
    }
    default:
      return undefined;
  }
}
