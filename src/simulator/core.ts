// The simulated switch: channels, the event bus, waits, and the channel life cycle.

import { randomUUID } from 'node:crypto';
import { Channel, type ChannelStateName, type Pairs } from './channel';
import { VirtualClock, rfc2822 } from './clock';
import { EventFactory, type HostIdentity, type SimEvent } from './events';
import { runApp } from './apps';
import { expandVariables } from './expand-variables';
import type { Recording } from './recording';
import { Session, type OutboundLink } from './session';

export interface EventSink {
  deliver(ev: SimEvent): void;
}

export interface DialplanStep {
  readonly app: string;
  readonly arg: string;
}

export type Dialplan = (dest: string, session: Session) => DialplanStep[] | undefined;

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface CoreOptions {
  readonly host: HostIdentity;
  readonly clock: VirtualClock;
  readonly dialplan: Dialplan;
  readonly resolveRecordingPath: (path: string) => string;
  /** Opens the outbound socket to the daemon; undefined when nothing listens. */
  readonly dial: (session: Session, host: string, port: number) => Promise<OutboundLink | undefined>;
  /** Called when an originated (agent) leg starts ringing. */
  readonly onLeg?: (leg: Session) => void;
  /** Loaded modules `module_exists` confirms (mod_shout decides whether `.mp3` can be recorded). */
  readonly modules: ReadonlySet<string>;
  /** Recordings as silent sparse files of the right length (benches); see Recording.finish. */
  readonly sparseRecordings?: boolean;
}

interface Waiter {
  readonly pred: () => boolean;
  readonly resolve: () => void;
}

export class FsCore {
  readonly clock: VirtualClock;
  events: EventFactory;
  private identity: HostIdentity;
  readonly sessions = new Map<string, Session>();
  /** The live agent legs a caller's bridges created, oldest first (found in O(1), not by scanning every session). */
  readonly agentLegsOf = new Map<string, Session[]>();
  readonly sinks = new Set<EventSink>();
  /** Every event fired, in order (tests and timelines read it). */
  readonly log: SimEvent[] = [];
  sessionsSinceStartup = 0;
  private waiters: Waiter[] = [];
  startedUs: number;

  constructor(readonly options: CoreOptions) {
    this.clock = options.clock;
    this.identity = options.host;
    this.events = new EventFactory(this.identity, () => this.clock.now, 1);
    this.startedUs = this.clock.now;
  }

  get host(): HostIdentity {
    return this.identity;
  }

  /**
   * A restarted FreeSWITCH is a new instance: new Core-UUID, Event-Sequence from 1 again, no
   * channels. The daemon tells runs apart by Core-UUID.
   */
  rebirth(coreUuid: string = randomUUID()): void {
    this.identity = { ...this.identity, coreUuid };
    this.events = new EventFactory(this.identity, () => this.clock.now, 1);
    this.sessions.clear();
    this.agentLegsOf.clear();
    this.startedUs = this.clock.now;
    this.sessionsSinceStartup = 0;
  }

  // ---- bus and waits -------------------------------------------------------------------

  fire(ev: SimEvent): SimEvent {
    this.log.push(ev);
    for (const sink of [...this.sinks]) sink.deliver(ev);
    this.notify();
    return ev;
  }

  emit(name: string, s: Session, pre: Pairs = [], post: Pairs = []): SimEvent {
    return this.fire(this.events.channel(name, s.ch, pre, post));
  }

  /** An agent leg (role agent) created for a caller's call: agentLegsOf finds it. */
  addAgentLeg(callUuid: string, leg: Session): void {
    const legs = this.agentLegsOf.get(callUuid);
    if (legs) legs.push(leg);
    else this.agentLegsOf.set(callUuid, [leg]);
  }

  private forgetAgentLeg(s: Session): void {
    const legs = this.agentLegsOf.get(s.ch.callUuid);
    if (!legs) return;
    const i = legs.indexOf(s);
    if (i !== -1) legs.splice(i, 1);
    if (legs.length === 0) this.agentLegsOf.delete(s.ch.callUuid);
  }

  /** Wakes every wait whose condition now holds. */
  notify(): void {
    if (this.waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.pred()) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
  }

  waitUntil(pred: () => boolean): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  /** Waits `ms` of virtual time (or until `abort` holds). Returns true if the time elapsed. */
  async sleep(ms: number, abort: () => boolean): Promise<boolean> {
    let done = false;
    const timer = this.clock.setTimeout(() => {
      done = true;
      this.notify();
    }, ms);
    await this.waitUntil(() => done || abort());
    timer.cancel();
    return done;
  }

  // ---- channel life cycle --------------------------------------------------------------

  setState(s: Session, state: ChannelStateName, emit = true): void {
    s.ch.state = state;
    if (emit) this.emit('CHANNEL_STATE', s);
  }

  find(uuid: string): Session | undefined {
    const s = this.sessions.get(uuid);
    return s !== undefined && !s.ch.destroyed ? s : undefined;
  }

  /** A call arriving from a SIP phone: CS_NEW → CS_INIT (CREATE) → ROUTING → EXECUTE → dialplan. */
  inboundCall(opts: { from: string; name?: string; dest: string; label?: string }): Session {
    const now = this.clock.now;
    const name = opts.name ?? opts.from;
    const ch = new Channel({
      name: `sofia/internal/${opts.from}@127.0.0.1`,
      direction: 'inbound',
      now,
      profile: {
        direction: 'inbound', logicalDirection: 'inbound', username: opts.from, dialplan: 'XML',
        callerIdName: name, callerIdNumber: opts.from, origCallerIdName: name, origCallerIdNumber: opts.from,
        networkAddr: '127.0.0.1', ani: opts.from, destinationNumber: opts.dest, source: 'mod_sofia', context: 'default',
      },
    });
    const s = new Session(ch);
    s.label = opts.label;
    this.sessions.set(ch.uuid, s);
    this.sessionsSinceStartup++;
    const v = (k: string, val: string): void => ch.setVar(k, val);
    v('direction', 'inbound');
    v('uuid', ch.uuid);
    v('session_id', String(this.sessionsSinceStartup));
    v('sip_from_user', opts.from);
    v('sip_from_uri', `${opts.from}@127.0.0.1`);
    v('sip_from_host', '127.0.0.1');
    v('channel_name', ch.name);
    v('sip_call_id', `${randomUUID()}@127.0.0.1`);
    v('sip_local_network_addr', '127.0.0.1');
    v('sip_network_ip', '127.0.0.1');
    v('sip_network_port', '5070');
    v('sip_received_ip', '127.0.0.1');
    v('sip_received_port', '5070');
    v('sip_via_protocol', 'udp');
    v('sip_from_display', name);
    v('sip_full_from', `"${name}" <sip:${opts.from}@127.0.0.1>;tag=${randomUUID().slice(0, 8)}`);
    v('sip_to_user', opts.dest);
    v('sip_req_user', opts.dest);
    v('sip_contact_user', opts.from);
    v('sofia_profile_name', 'internal');
    // Directory users (short extensions, like the captures' 1000) get the directory's
    // effective caller id, which the agent leg then shows ("Extension 1000").
    if (/^\d{3,5}$/.test(opts.from)) {
      v('user_name', opts.from);
      v('domain_name', '127.0.0.1');
      v('effective_caller_id_name', `Extension ${opts.from}`);
      v('effective_caller_id_number', opts.from);
      v('user_context', 'default');
      v('accountcode', opts.from);
    }
    this.emit('CHANNEL_STATE', s);
    this.setState(s, 'CS_INIT');
    ch.presenceId = `${opts.from}@127.0.0.1`;
    v('presence_id', ch.presenceId);
    v('call_uuid', ch.uuid);
    this.emit('CHANNEL_CREATE', s);
    void this.runChannel(s);
    return s;
  }

  /** Routing and execution until hangup; a transfer restarts routing with a new profile. */
  private async runChannel(s: Session): Promise<void> {
    const ch = s.ch;
    ch.callState = 'RINGING';
    for (;;) {
      this.setState(s, 'CS_ROUTING');
      if (ch.answered) ch.callState = 'ACTIVE';
      this.setState(s, 'CS_EXECUTE');
      const dest = ch.profile.destinationNumber;
      const steps = this.options.dialplan(dest, s);
      if (steps === undefined) {
        this.hangup(s, 'NO_ROUTE_DESTINATION');
        break;
      }
      const prelude: DialplanStep[] = [
        { app: 'hash', arg: `insert/spymap/${ch.profile.callerIdNumber}/${ch.uuid}` },
        { app: 'hash', arg: `insert/127.0.0.1-spymap/${ch.profile.callerIdNumber}/${ch.uuid}` },
        { app: 'hash', arg: `insert/127.0.0.1-last_dial/${ch.profile.callerIdNumber}/${dest}` },
        { app: 'hash', arg: `insert/127.0.0.1-last_dial/global/${ch.uuid}` },
        { app: 'export', arg: `RFC2822_DATE=${rfc2822(this.clock.now)}` },
      ];
      for (const step of [...prelude, ...steps]) {
        if (!ch.alive || s.transfer !== undefined) break;
        await this.execute(s, step.app, step.arg, undefined);
      }
      if (s.transfer !== undefined && ch.alive) {
        s.transfer = undefined;
        ch.callState = 'RINGING';
        continue;
      }
      // Running out of dialplan hangs the channel up (switch_core_state_machine).
      if (ch.alive) this.hangup(s, 'NORMAL_CLEARING');
      break;
    }
    await this.finish(s);
  }

  /**
   * switch_ivr_session_transfer: the new caller profile (index+1, RDNIS, Transfer-Source, no
   * Other-Leg) exists at once — the CHANNEL_UNBRIDGE that follows already carries it
   * (transfer/consent-socket) — and the running application unwinds; routing starts again.
   */
  transfer(s: Session, dest: string, dialplan = 'XML', context = 'default'): void {
    const ch = s.ch;
    if (!ch.alive) return;
    const old = ch.profile;
    const now = this.clock.now;
    old.times.transfer = now;
    ch.profile = {
      ...old,
      rdnis: old.destinationNumber,
      destinationNumber: dest,
      context,
      dialplan,
      transferSource: `${Math.floor(now / 1e6)}:${randomUUID()}:bl_xfer:${dest}/${context}/${dialplan}`,
      profileIndex: old.profileIndex + 1,
      times: { ...old.times, profileCreated: now, transfer: 0 },
    };
    ch.other = undefined;
    s.transfer = { dest, dialplan, context };
    this.notify();
  }

  /** Runs one application: CHANNEL_EXECUTE, the app, CHANNEL_EXECUTE_COMPLETE (same Application-UUID). */
  async execute(s: Session, app: string, rawArg: string, appUuid: string | undefined): Promise<string> {
    const uuid = appUuid ?? randomUUID();
    const ch = s.ch;
    // `bridge ${callwarden_target}` after `socket`: the data is expanded before the app runs.
    const arg = expandVariables(rawArg, (name) => ch.getVar(name));
    const data: Pairs = arg !== '' ? [['Application-Data', arg]] : [];
    ch.application = app;
    ch.applicationData = arg;
    ch.setVar('current_application_data', arg === '' ? undefined : arg);
    ch.setVar('current_application', app);
    const previous = s.runningApp;
    s.runningApp = app;
    this.emit('CHANNEL_EXECUTE', s, [], [['Application', app], ...data, ['Application-UUID', uuid]]);
    let response = '_none_';
    try {
      response = (await runApp(this, s, app, arg)) ?? '_none_';
    } finally {
      s.runningApp = previous;
    }
    this.emit('CHANNEL_EXECUTE_COMPLETE', s, [], [['Application', app], ...data, ['Application-Response', response], ['Application-UUID', uuid]]);
    for (const hook of s.afterApp.splice(0)) await hook();
    return response;
  }

  answer(s: Session): void {
    const ch = s.ch;
    if (ch.answered || !ch.alive) return;
    this.preAnswer(s);
    ch.profile.times.answered = this.clock.now;
    ch.answerState = 'answered';
    this.emit('CHANNEL_ANSWER', s);
    ch.callState = 'ACTIVE';
  }

  /** Early media: codecs negotiated, CHANNEL_PROGRESS_MEDIA, call state EARLY. */
  preAnswer(s: Session): void {
    const ch = s.ch;
    if (ch.hasMedia || !ch.alive) return;
    ch.hasMedia = true;
    ch.profile.times.progressMedia = this.clock.now;
    ch.answerState = 'early';
    this.emit('CHANNEL_PROGRESS_MEDIA', s);
    ch.callState = 'EARLY';
  }

  /** switch_channel_perform_hangup: the cause, CHANNEL_HANGUP; apps notice and unwind. */
  hangup(s: Session, cause = 'NORMAL_CLEARING'): void {
    const ch = s.ch;
    if (!ch.alive) return;
    ch.hangupCause = cause;
    ch.profile.times.hangup = this.clock.now;
    ch.answerState = 'hangup';
    ch.setVar('hangup_cause', cause);
    this.emit('CHANNEL_HANGUP', s);
  }

  /**
   * A phone hangs up (BYE). While bridged, FreeSWITCH tears the partner down in the same
   * breath; the two captures show two orders, both reproduced here:
   * - the caller alone (objection/watch-plain): caller HANGUP, agent HANGUP, agent CS_HANGUP,
   *   the bridge unwinds, the agent leg reports right after the bridge app completes;
   * - both at once (`both`, consent-bridge-coach/watch-plain): agent HANGUP first, then the
   *   caller, and the agent leg reports inside the caller's CS_HANGUP.
   * The agent alone hanging up only ends the agent leg; the caller's bridge app returns.
   */
  hangupFromFarEnd(s: Session, cause = 'NORMAL_CLEARING', both = false): void {
    const partner = s.bridge;
    if (partner === undefined || !partner.ch.alive || s.role === 'agent') {
      this.hangup(s, cause);
      return;
    }
    if (both) {
      this.hangup(partner, cause);
      this.hangup(s, cause);
      this.setState(partner, 'CS_HANGUP');
      s.partnersToFinish.push(partner);
      partner.teardown = this.waitUntil(() => partner.ch.destroyed);
      return;
    }
    this.hangup(s, cause);
    this.hangup(partner, cause);
    this.setState(partner, 'CS_HANGUP');
    s.afterApp.push(() => this.finish(partner));
  }

  /** Hangup → reporting → destroy, honouring linger on an outbound socket. */
  finish(s: Session): Promise<void> {
    if (s.teardown === undefined) s.teardown = this.doFinish(s);
    return s.teardown;
  }

  private async doFinish(s: Session): Promise<void> {
    const ch = s.ch;
    if (ch.state !== 'CS_HANGUP') this.setState(s, 'CS_HANGUP');
    for (const partner of s.partnersToFinish.splice(0)) await this.report(partner);
    for (const rec of s.recordings.splice(0)) this.stopRecording(s, rec, 'success-silence');
    ch.callState = 'HANGUP';
    await this.report(s, false);
  }

  /** CS_REPORTING, CHANNEL_HANGUP_COMPLETE, (linger), CHANNEL_DESTROY, CS_DESTROY. */
  private async report(s: Session, enterHangup = true): Promise<void> {
    const ch = s.ch;
    if (enterHangup && ch.state !== 'CS_HANGUP' && ch.state !== 'CS_REPORTING') this.setState(s, 'CS_HANGUP');
    ch.callState = 'HANGUP';
    this.setState(s, 'CS_REPORTING');
    const t = ch.profile.times;
    const answeredUs = t.answered;
    ch.setVar('duration', String(Math.round((t.hangup - t.created) / 1e6)));
    ch.setVar('billsec', String(answeredUs ? Math.round((t.hangup - answeredUs) / 1e6) : 0));
    this.emit('CHANNEL_HANGUP_COMPLETE', s, [['Hangup-Cause', ch.hangupCause ?? 'NORMAL_CLEARING']]);
    if (s.link !== undefined) await s.link.finish();
    this.emit('CHANNEL_DESTROY', s);
    this.setState(s, 'CS_DESTROY');
    ch.destroyed = true;
    this.sessions.delete(ch.uuid);
    this.forgetAgentLeg(s);
    this.notify();
  }

  /**
   * Closes a recording: the file is complete at once. RECORD_STOP comes from the media thread,
   * so after an api stop it follows the api reply (`defer`, record-api/watch-json); at hangup
   * it is part of the teardown.
   */
  stopRecording(s: Session, rec: Recording, cause: string, defer?: (fn: () => void) => void): void {
    const i = s.recordings.indexOf(rec);
    if (i !== -1) s.recordings.splice(i, 1);
    rec.finish(this.clock.now, this.options.sparseRecordings === true);
    const fire = (): void => void this.emit('RECORD_STOP', s, [], [['Record-File-Path', rec.requestedPath], ['Record-Completion-Cause', cause]]);
    if (defer !== undefined) defer(fire);
    else fire();
  }

  /** A DTMF digit arriving on a channel: DTMF event there (also while bridged), then the app sees it. */
  dtmf(s: Session, digit: string): void {
    if (!s.ch.alive) return;
    this.emit('DTMF', s, [], [['DTMF-Digit', digit], ['DTMF-Duration', '2240'], ['DTMF-Source', 'RTP']]);
    s.dtmf.push(digit);
    this.notify();
  }

  hold(s: Session, on: boolean): void {
    const ch = s.ch;
    if (!ch.alive) return;
    const t = ch.profile.times;
    if (on && ch.callState !== 'HELD') {
      t.lastHold = this.clock.now;
      ch.callState = 'HELD';
      this.emit('CHANNEL_HOLD', s);
    } else if (!on && ch.callState === 'HELD') {
      t.holdAccum += this.clock.now - t.lastHold;
      ch.callState = 'ACTIVE';
      this.emit('CHANNEL_UNHOLD', s);
    }
  }
}
