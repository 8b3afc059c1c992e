// The `api` / `bgapi` commands the simulator answers (mod_commands behaviour, as captured).

import { join } from 'node:path';
import { dateLocal } from './clock';
import { answerLeg, originateLeg } from './apps';
import type { FsCore } from './core';
import { Recording } from './recording';
import type { Session } from './session';

const NO_CHANNEL = '-ERR No such channel!\n';
const VERSION = 'FreeSWITCH Version 1.10.12-release~64bit ( 64bit)\n';

function uptime(core: FsCore): string {
  let us = core.clock.now - core.startedUs;
  const take = (unit: number): number => {
    const n = Math.floor(us / unit);
    us -= n * unit;
    return n;
  };
  const years = take(365 * 86400e6);
  const days = take(86400e6);
  const hours = take(3600e6);
  const minutes = take(60e6);
  const seconds = take(1e6);
  const ms = take(1e3);
  return `UP ${years} years, ${days} days, ${hours} hours, ${minutes} minutes, ${seconds} seconds, ${ms} milliseconds, ${us} microseconds\n`;
}

function status(core: FsCore): string {
  const n = [...core.sessions.values()].filter((s) => !s.ch.destroyed).length;
  return (
    uptime(core) +
    'FreeSWITCH (Version 1.10.12-release  64bit) is ready\n' +
    `${core.sessionsSinceStartup} session(s) since startup\n` +
    `${n} session(s) - peak ${n}, last 5min ${n} \n` +
    '0 session(s) per Sec out of max 30, peak 0, last 5min 0 \n' +
    '1000 session(s) max\n' +
    'min idle cpu 0.00/100.00\n' +
    'Current Stack Size/Max 240K/8192K\n'
  );
}

/** One row of `show channels as json`, keys in FreeSWITCH's order (coach-socket.rx). */
function channelRow(core: FsCore, s: Session): Record<string, string> {
  const ch = s.ch;
  const p = ch.profile;
  const created = Math.floor(p.times.created / 1e6);
  const partner = s.bridge?.ch;
  return {
    uuid: ch.uuid, direction: ch.direction, created: dateLocal(p.times.created), created_epoch: String(created),
    name: ch.name, state: ch.state, cid_name: p.callerIdName, cid_num: p.callerIdNumber, ip_addr: p.networkAddr,
    dest: p.destinationNumber, application: s.role === 'agent' ? '' : ch.application,
    application_data: s.role === 'agent' ? '' : ch.applicationData, dialplan: p.dialplan, context: p.context,
    read_codec: ch.hasMedia ? 'PCMA' : '', read_rate: ch.hasMedia ? '8000' : '', read_bit_rate: ch.hasMedia ? '64000' : '',
    write_codec: ch.hasMedia ? 'PCMA' : '', write_rate: ch.hasMedia ? '8000' : '', write_bit_rate: ch.hasMedia ? '64000' : '',
    secure: '', hostname: core.host.hostname, presence_id: ch.presenceId ?? '', presence_data: '',
    accountcode: ch.getVar('accountcode') ?? '', callstate: ch.callState,
    callee_name: p.calleeIdName ?? '', callee_num: p.calleeIdNumber ?? '', callee_direction: p.calleeIdName !== undefined ? 'SEND' : '',
    call_uuid: ch.callUuid,
    sent_callee_name: s.role === 'agent' ? p.callerIdName : (partner !== undefined ? 'Outbound Call' : p.calleeIdName ?? ''),
    sent_callee_num: s.role === 'agent' ? p.callerIdNumber : (partner?.profile.destinationNumber ?? p.calleeIdNumber ?? ''),
    initial_cid_name: p.origCallerIdName, initial_cid_num: p.origCallerIdNumber, initial_ip_addr: p.networkAddr,
    initial_dest: p.rdnis ?? p.destinationNumber, initial_dialplan: 'XML', initial_context: 'default',
  };
}

function liveSessions(core: FsCore): Session[] {
  return [...core.sessions.values()].filter((s) => !s.ch.destroyed && s.ch.state !== 'CS_DESTROY');
}

/** `{"row_count": 0}\n` when empty (protocol.rx), else compact JSON without newline. */
function rows(list: Array<Record<string, string>>): string {
  if (list.length === 0) return '{"row_count": 0}\n';
  return JSON.stringify({ row_count: list.length, rows: list });
}

function showCalls(core: FsCore): string {
  const out: Array<Record<string, string>> = [];
  const seen = new Set<string>();
  for (const s of liveSessions(core)) {
    if (seen.has(s.uuid) || s.role === 'agent') continue;
    const row = channelRow(core, s);
    const b = s.bridge;
    if (b !== undefined) {
      seen.add(b.uuid);
      for (const [k, v] of Object.entries(channelRow(core, b))) if (!k.startsWith('initial_')) row[`b_${k}`] = v;
      row.call_created_epoch = row.created_epoch ?? '';
    }
    out.push(row);
  }
  return rows(out);
}

export interface ApiContext {
  readonly core: FsCore;
  /** Maps the path a client asked to record to the file the simulator writes. */
  resolveRecordingPath(path: string): string;
}

/** Runs `fn` once the api reply is on the wire (events the media thread fires afterwards). */
export type AfterReply = (fn: () => void) => void;

/** Executes one api command line; resolves with the api/response body. */
export async function executeApi(ctx: ApiContext, line: string, afterReply: AfterReply = (fn) => setImmediate(fn)): Promise<string> {
  const core = ctx.core;
  const trimmed = line.trim();
  const space = trimmed.indexOf(' ');
  const cmd = space === -1 ? trimmed : trimmed.slice(0, space);
  const rest = space === -1 ? '' : trimmed.slice(space + 1).trim();
  const args = rest === '' ? [] : rest.split(/\s+/);
  const session = (): Session | undefined => core.find(args[0] ?? '');
  switch (cmd) {
    case 'status':
      return status(core);
    case 'version':
      return VERSION;
    case 'hostname':
      return core.host.hostname;
    case 'global_getvar':
      // switch_core_init sets the global variable core_uuid to the run's Core-UUID; an unset one is empty.
      return args[0] === 'core_uuid' ? core.host.coreUuid : '';
    case 'show': {
      const what = args[0];
      const json = rest.endsWith('as json');
      if (what === 'channels') return json ? rows(liveSessions(core).map((s) => channelRow(core, s))) : `${liveSessions(core).length} total.\n`;
      if (what === 'calls') return json ? showCalls(core) : `${liveSessions(core).filter((s) => s.bridge && s.role !== 'agent').length} total.\n`;
      return '-ERR Invalid command\n';
    }
    case 'module_exists':
      // mod_commands answers the bare word, no newline.
      return core.options.modules.has(args[0] ?? '') ? 'true' : 'false';
    case 'uuid_exists':
      return session() !== undefined ? 'true' : 'false';
    case 'uuid_getvar': {
      const s = session();
      if (s === undefined) return NO_CHANNEL;
      return s.ch.getVar(args[1] ?? '') ?? '_undef_';
    }
    case 'uuid_setvar': {
      const s = session();
      if (s === undefined) return NO_CHANNEL;
      const value = args.slice(2).join(' ');
      s.ch.setVar(args[1] ?? '', value === '' ? undefined : value);
      return '+OK\n';
    }
    case 'uuid_kill': {
      const s = session();
      if (s === undefined) return NO_CHANNEL;
      core.hangupFromFarEnd(s, args[1] ?? 'NORMAL_CLEARING');
      return '+OK\n';
    }
    case 'uuid_hold': {
      const off = args[0] === 'off';
      const s = core.find(off ? args[1] ?? '' : args[0] ?? '');
      if (s === undefined) return NO_CHANNEL;
      core.hold(s, !off);
      return '+OK Success\n';
    }
    case 'uuid_transfer': {
      const s = session();
      if (s === undefined) return NO_CHANNEL;
      const t = args.slice(1).filter((x) => !x.startsWith('-'));
      const target = args[1] === '-bleg' && s.bridge !== undefined ? s.bridge : s;
      // The +OK goes out before the transfer unwinds the bridge (transfer/consent-socket).
      setImmediate(() => core.transfer(target, t[0] ?? '', t[1] ?? 'XML', t[2] ?? 'default'));
      return '+OK\n';
    }
    case 'uuid_broadcast': {
      const s = session();
      if (s === undefined) return NO_CHANNEL;
      const path = args[1] ?? '';
      const legs = args[2] === 'bleg' ? [s.bridge] : args[2] === 'both' ? [s, s.bridge] : [s];
      for (const leg of legs) {
        if (leg === undefined) continue;
        leg.broadcasts = leg.broadcasts.then(() => (leg.ch.alive ? core.execute(leg, 'playback', path, undefined) : undefined)).catch(() => undefined);
      }
      return '+OK Message sent\n';
    }
    case 'uuid_record':
      return uuidRecord(ctx, args, afterReply);
    case 'originate':
      return originate(core, args);
    default:
      return `-ERR ${cmd} Command not found!\n`;
  }
}

/** uuid_record <uuid> start|stop|mask|unmask <path> [<limit>] (switch_ivr_record_session). */
function uuidRecord(ctx: ApiContext, args: string[], afterReply: AfterReply): string {
  const core = ctx.core;
  const s = core.find(args[0] ?? '');
  if (s === undefined) return '-ERR Cannot locate session!\n';
  const action = args[1];
  const path = args[2] ?? '';
  if (path === '') return '-USAGE: <uuid> [start|stop] <path> [<limit>]\n';
  const find = (): Recording | undefined => s.recordings.find((r) => r.requestedPath === path || path === 'all');
  switch (action) {
    case 'start': {
      // The file is opened when the bug is added: no file interface for .mp3 without mod_shout.
      if (path.endsWith('.mp3') && !core.options.modules.has('mod_shout')) return '-ERR Cannot record session!\n';
      const limit = args[3] !== undefined ? Number(args[3]) : undefined;
      // The RECORD_* variables are read when the bug is added, and stay channel-wide after.
      const v = (name: string): boolean => s.ch.getVar(name) === 'true';
      const direction = v('RECORD_READ_ONLY') ? 'read' : v('RECORD_WRITE_ONLY') ? 'write' : 'both';
      const rec = new Recording(path, ctx.resolveRecordingPath(path), v('RECORD_STEREO'), core.clock.now, limit, direction);
      s.recordings.push(rec);
      // record_callback fires RECORD_START on the first media frame: after the api reply.
      afterReply(() => void core.emit('RECORD_START', s, [], [['Record-File-Path', path]]));
      return '+OK Success\n';
    }
    case 'stop': {
      const rec = find();
      if (rec === undefined) return '-ERR Cannot stop record session!\n';
      // The captured api stop reports success-maxtime (record-api/watch-json).
      core.stopRecording(s, rec, 'success-maxtime', afterReply);
      return '+OK Success\n';
    }
    case 'mask':
    case 'unmask': {
      const rec = find();
      if (rec === undefined) return '-ERR Cannot find media bug!\n';
      if (action === 'mask') rec.mask(core.clock.now);
      else rec.unmask(core.clock.now);
      return '+OK Success\n';
    }
    default:
      return '-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>]\n';
  }
}

/** originate <endpoint> <exten>|&app(arg): blocks until the scripted far end answers. */
async function originate(core: FsCore, args: string[]): Promise<string> {
  const endpoint = args[0];
  const target = args[1];
  if (endpoint === undefined || target === undefined) return '-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n';
  const leg = originateLeg(core, undefined, endpoint);
  leg.role = 'leg';
  const timeoutSec = Number(args[6] ?? 60);
  await core.sleep(timeoutSec * 1000, () => leg.farEnd !== 'ringing' || !leg.ch.alive);
  if (leg.farEnd !== 'answered' || !leg.ch.alive) {
    const cause = leg.farEnd === 'rejected' ? 'CALL_REJECTED' : leg.ch.alive ? 'NO_ANSWER' : leg.ch.hangupCause ?? 'NORMAL_CLEARING';
    core.hangup(leg, cause);
    void core.finish(leg);
    return `-ERR ${cause}\n`;
  }
  answerLeg(core, leg);
  core.setState(leg, 'CS_EXECUTE');
  const app = /^&([\w_]+)\((.*)\)$/.exec(target);
  void (async () => {
    if (app !== null) await core.execute(leg, app[1] ?? '', app[2] ?? '', undefined);
    else {
      leg.ch.profile.destinationNumber = target;
      const steps = core.options.dialplan(target, leg) ?? [];
      for (const step of steps) {
        if (!leg.ch.alive) break;
        await core.execute(leg, step.app, step.arg, undefined);
      }
    }
    if (leg.ch.alive) core.hangup(leg, 'NORMAL_CLEARING');
    await core.finish(leg);
  })();
  return `+OK ${leg.uuid}\n`;
}

export function defaultRecordingPath(dir: string, path: string): string {
  return path.startsWith(dir) ? path : join(dir, path.slice(path.lastIndexOf('/') + 1));
}

