// The public face of the FreeSWITCH simulator: TCP server, scripted callers, virtual time.

import { randomUUID } from 'node:crypto';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRecordingPath } from './api';
import { VirtualClock } from './clock';
import { sofiaPresenceNotify, type BlfDialogState, type BlfNotify } from './presence';
import { EslConnection, type ReceivedCommand } from './connection';
import { FsCore, type Dialplan, type DialplanStep, type Endpoint } from './core';
import type { SimEvent } from './events';
import { runScenario, type Timeline } from './scenario';
import type { OutboundLink, Session } from './session';

export interface SimulatorOptions {
  /** Event socket password (default ClueCon). */
  readonly password?: string;
  /** FreeSWITCH-Hostname / Switchname (default "vm" as in the traces). */
  readonly hostname?: string;
  readonly coreUuid?: string;
  /** Where `socket` dials for 5002 (the daemon's outbound listener). */
  readonly outbound?: Endpoint;
  /** Where `*97*` / `*98*` dial (default: `outbound`). */
  readonly supervisorOutbound?: Endpoint;
  /** Directory the WAV files of uuid_record land in. */
  readonly recordingsDir?: string;
  /** Replaces the default dialplan (see defaultDialplan). */
  readonly dialplan?: Dialplan;
  /** Virtual start time (ms since epoch). */
  readonly startTimeMs?: number;
  /** HEARTBEAT interval in virtual seconds (default 20; 0 = none). */
  readonly heartbeatSeconds?: number;
  /** If set, agent legs answer by themselves after this many virtual ms. */
  readonly agentAnswerMs?: number;
  /** Real-time guard for waits, so a broken test fails instead of hanging (default 5000 ms). */
  readonly waitTimeoutMs?: number;
  /**
   * Whether mod_shout is loaded (mp3 recording). Default true: the traced build loads it
   * (shutdown.rx unloads mod_shout's MP3 codec and `telecast` api). false = a build without it.
   */
  readonly modShout?: boolean;
  /** Recordings as silent sparse files of the right header and length (benches at thousands of calls). */
  readonly sparseRecordings?: boolean;
}

export interface CallHandle {
  readonly label: string;
  readonly caller: Session;
  /** The latest agent leg the caller's bridge created, if any. */
  readonly agent: Session | undefined;
  readonly uuid: string;
}

export type Leg = 'caller' | 'agent';

/** The agent phone of the captures. */
export const CAPTURED_AGENT = 'sofia/internal/1001@127.0.0.1:5080';

/**
 * The hand-back extension (freeswitch/dialplan/callwarden.xml): the target is written once, in
 * `callwarden_target`; a per-call token lets the daemon confirm over its inbound connection
 * that a call socket really is this channel's; the daemon runs the consent flow and closes the
 * socket; `socket_resume=true` lets the dialplan's own `bridge ${callwarden_target}` run — the
 * same bridge whether the daemon is up, down, or goes away mid-prompt.
 */
export function handBackSteps(opts: { group: string; target: string; outbound: Endpoint | undefined; vars?: Readonly<Record<string, string>> }): DialplanStep[] {
  const steps: DialplanStep[] = [
    { app: 'set', arg: `callwarden_group=${opts.group}` },
    { app: 'set', arg: `callwarden_target=${opts.target}` },
    { app: 'set', arg: 'callwarden_token=${create_uuid()}' },
  ];
  for (const [k, v] of Object.entries(opts.vars ?? {})) steps.push({ app: 'set', arg: `${k}=${v}` });
  steps.push({ app: 'set', arg: 'socket_resume=true' });
  if (opts.outbound !== undefined) steps.push({ app: 'socket', arg: `${opts.outbound.host}:${opts.outbound.port} async full` });
  steps.push({ app: 'bridge', arg: '${callwarden_target}' });
  return steps;
}

/**
 * The default dialplan of the captures: 5002 → socket to the daemon (socket_resume=true), then a
 * short tone and hangup; 5000 → the daemon-*-midcall captures' group (callwarden_group=hotline,
 * socket, then the fallback `bridge` to the agent phone); 5003 → the hand-back extension
 * (handBackSteps); *97*<ext> / *98*<ext> → socket to the supervisor port; 5001 → answer and an
 * endless tone.
 */
export function defaultDialplan(getOutbound: () => Endpoint | undefined, getSupervisor: () => Endpoint | undefined): Dialplan {
  return (dest: string, session: Session): DialplanStep[] | undefined => {
    if (dest === '5000') {
      const o = getOutbound();
      const steps: DialplanStep[] = [{ app: 'set', arg: 'callwarden_group=hotline' }, { app: 'set', arg: 'socket_resume=true' }];
      if (o !== undefined) steps.push({ app: 'socket', arg: `${o.host}:${o.port} async full` });
      steps.push({ app: 'bridge', arg: CAPTURED_AGENT });
      return steps;
    }
    if (dest === '5003') return handBackSteps({ group: 'hotline', target: CAPTURED_AGENT, outbound: getOutbound() });
    if (dest === '5002') {
      const o = getOutbound();
      const steps: DialplanStep[] = [{ app: 'set', arg: 'socket_resume=true' }];
      if (o !== undefined) steps.push({ app: 'socket', arg: `${o.host}:${o.port} async full` });
      steps.push({ app: 'playback', arg: 'tone_stream://%(300,200,350);loops=5' }, { app: 'hangup', arg: 'NORMAL_CLEARING' });
      return steps;
    }
    const coach = /^\*9[78]\*(\d+)$/.exec(dest);
    if (coach !== null) {
      // The XML dialplan's captures land in DP_MATCH (an array: "ARRAY::*97*1001|:1001").
      session.ch.setVar('DP_MATCH', `ARRAY::${dest}|:${coach[1] ?? ''}`);
      const o = getSupervisor() ?? getOutbound();
      const steps: DialplanStep[] = [{ app: 'set', arg: `coach_target=${coach[1] ?? ''}` }];
      // *98* is callwarden's own coaching line (freeswitch/dialplan/callwarden-coaching.xml): its
      // per-call token; *97* stays as captured.
      if (dest.startsWith('*98*')) steps.push({ app: 'set', arg: 'callwarden_token=${create_uuid()}' });
      if (o !== undefined) steps.push({ app: 'socket', arg: `${o.host}:${o.port} async full` });
      steps.push({ app: 'hangup', arg: 'NORMAL_CLEARING' });
      return steps;
    }
    if (dest === '5001') return [{ app: 'answer', arg: '' }, { app: 'playback', arg: 'tone_stream://%(1000,0,440);loops=-1' }];
    return undefined;
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Simulator {
  readonly clock: VirtualClock;
  readonly core: FsCore;
  readonly password: string;
  readonly recordingsDir: string;
  outbound: Endpoint | undefined;
  supervisorOutbound: Endpoint | undefined;
  /** What mod_sofia would have told BLF subscribers, per PRESENCE_IN, in order (see presence.ts). */
  readonly blfNotifies: BlfNotify[] = [];

  /** The dialog state a phone subscribed to `entity` shows now (undefined: idle / never told). */
  blf(entity: string): BlfDialogState | undefined {
    for (let i = this.blfNotifies.length - 1; i >= 0; i--) if (this.blfNotifies[i]!.entity === entity) return this.blfNotifies[i]!.state;
    return undefined;
  }

  /**
   * A phone subscribes (dialog) to a BLF key: mod_sofia fires PRESENCE_PROBE with the
   * subscriber in `from` and the key's URI in `to` (sofia_presence.c, SUBSCRIBE handling).
   */
  subscribeBlf(subscriber: string, entity: string, expires = 3600): void {
    this.core.fire(
      this.core.events.global('PRESENCE_PROBE', [
        ['proto', 'sip'],
        ['login', 'internal'],
        ['from', subscriber],
        ['to', entity],
        ['proto-specific-event-name', 'dialog'],
        ['expires', String(expires)],
      ]),
    );
  }

  /** Every command any connection received, in arrival order. */
  readonly received: ReceivedCommand[] = [];
  /** Writes that found a client's socket full (the daemon read slower than FreeSWITCH wrote). */
  backpressureCount = 0;
  private server: Server | undefined;
  private boundPort: number | undefined;
  private readonly connections = new Set<EslConnection>();
  private readonly calls = new Map<string, Session>();
  private readonly waitTimeoutMs: number;
  private readonly agentAnswerMs: number | undefined;
  private callCounter = 0;
  private readonly pendingDials = new Set<Socket>();

  constructor(options: SimulatorOptions = {}) {
    this.password = options.password ?? 'ClueCon';
    this.outbound = options.outbound;
    this.supervisorOutbound = options.supervisorOutbound;
    this.recordingsDir = options.recordingsDir ?? join(tmpdir(), 'callwarden-sim-recordings');
    this.waitTimeoutMs = options.waitTimeoutMs ?? 5000;
    this.agentAnswerMs = options.agentAnswerMs;
    this.clock = new VirtualClock(options.startTimeMs);
    this.core = new FsCore({
      host: { coreUuid: options.coreUuid ?? randomUUID(), hostname: options.hostname ?? 'vm', ipv4: '192.0.2.2', ipv6: 'fd00::2' },
      clock: this.clock,
      dialplan: options.dialplan ?? defaultDialplan(() => this.outbound, () => this.supervisorOutbound),
      resolveRecordingPath: (p) => this.recordingFile(p),
      dial: (s, host, port) => this.dial(s, host, port),
      onLeg: (leg) => this.onLeg(leg),
      modules: new Set(['mod_commands', 'mod_sndfile', 'mod_dptools', 'mod_event_socket', ...(options.modShout === false ? [] : ['mod_shout'])]),
      sparseRecordings: options.sparseRecordings === true,
    });
    const hb = options.heartbeatSeconds ?? 20;
    if (hb > 0) this.scheduleHeartbeat(hb);
  }

  // ---- server ---------------------------------------------------------------------------

  /** Starts the inbound event socket; resolves with the bound port (use 0). */
  listen(port = 0, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => this.accept(socket));
      server.once('error', reject);
      server.listen(port, host, () => {
        const address = server.address();
        this.server = server;
        this.boundPort = typeof address === 'object' && address !== null ? address.port : port;
        resolve(this.boundPort);
      });
    });
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  /** Open connections by kind (what the daemon holds open right now). */
  get openConnections(): { inbound: number; outbound: number } {
    let inbound = 0;
    let outbound = 0;
    for (const c of this.connections) {
      if (!c.open) continue;
      if (c.mode === 'inbound') inbound++;
      else outbound++;
    }
    return { inbound, outbound };
  }

  private accept(socket: Socket): void {
    // mod_event_socket's listener_run sets TCP_NODELAY on every ESL socket, inbound and outbound.
    socket.setNoDelay(true);
    const conn = new EslConnection(this.connectionHost(), socket, 'inbound');
    this.connections.add(conn);
  }

  private connectionHost(): ConstructorParameters<typeof EslConnection>[0] {
    return {
      core: this.core,
      password: this.password,
      resolveRecordingPath: (p: string) => this.recordingFile(p),
      received: (cmd: ReceivedCommand) => {
        this.received.push(cmd);
        this.core.notify();
      },
      presenceIn: (headers) => {
        const notify = sofiaPresenceNotify(headers, {
          uuidExists: (uuid) => this.core.find(uuid) !== undefined,
          liveDialogsOf: (user) =>
            [...this.core.sessions.values()]
              .filter((s) => s.ch.alive && s.ch.name.slice(s.ch.name.lastIndexOf('/') + 1).split('@')[0] === user)
              .map((s) => (s.ch.answered ? 'confirmed' : 'early')),
        }, this.clock.now);
        if (notify === undefined) return;
        this.blfNotifies.push(notify);
        this.core.notify();
      },
      backpressure: () => {
        this.backpressureCount++;
      },
      closed: (conn: EslConnection) => {
        this.connections.delete(conn);
        this.core.notify();
      },
    };
  }

  /** The `socket` application: dial the daemon; undefined if nothing listens. */
  private dial(s: Session, host: string, port: number): Promise<OutboundLink | undefined> {
    return new Promise((resolve) => {
      // Half-open: the client may end its side and still read the final goodbye notice.
      const socket = netConnect({ host, port, allowHalfOpen: true, noDelay: true });
      this.pendingDials.add(socket);
      socket.once('connect', () => {
        this.pendingDials.delete(socket);
        const conn = new EslConnection(this.connectionHost(), socket, 'outbound', s);
        this.connections.add(conn);
        resolve(conn);
      });
      socket.once('error', () => {
        this.pendingDials.delete(socket);
        resolve(undefined);
      });
    });
  }

  /**
   * FreeSWITCH shutting down (shutdown trace): SHUTDOWN event, live channels hang up, each
   * inbound client gets "The system is being shut down." and is closed; the port is released.
   */
  async stop(): Promise<void> {
    this.core.fire(this.core.events.global('SHUTDOWN', [['Event-Info', 'System Shutting Down']]));
    for (const s of [...this.core.sessions.values()]) this.core.hangup(s, 'SYSTEM_SHUTDOWN');
    for (const c of [...this.connections]) c.shutdown();
    for (const socket of this.pendingDials) socket.destroy();
    this.connections.clear();
    // Channels unwind now that no socket holds them (lingering ones included).
    await this.until(() => this.core.sessions.size === 0, 'channels to go', 2000).catch(() => undefined);
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * stop() then listen again on the same port (for reconnect tests). The new run has a new
   * Core-UUID and Event-Sequence starts over, like a real FreeSWITCH restart.
   */
  async restart(coreUuid?: string): Promise<number> {
    const port = this.boundPort ?? 0;
    await this.stop();
    this.core.rebirth(coreUuid);
    return this.listen(port);
  }

  // ---- scripted parties -----------------------------------------------------------------

  /** A phone dials: a new inbound channel runs the dialplan for `to`. */
  placeCall(opts: { from: string; to: string; name?: string; label?: string }): CallHandle {
    const label = opts.label ?? `call${++this.callCounter}`;
    const s = this.core.inboundCall({ from: opts.from, dest: opts.to, label, ...(opts.name !== undefined ? { name: opts.name } : {}) });
    this.calls.set(label, s);
    return this.handle(label);
  }

  handle(label: string): CallHandle {
    const caller = this.calls.get(label);
    if (caller === undefined) throw new Error(`no call "${label}"`);
    const sim = this;
    return {
      label,
      caller,
      uuid: caller.uuid,
      get agent(): Session | undefined {
        return sim.agentLeg(caller);
      },
    };
  }

  private agentLeg(caller: Session): Session | undefined {
    const legs = this.core.agentLegsOf.get(caller.uuid);
    return legs?.[legs.length - 1] ?? caller.bridge;
  }

  private leg(call: CallHandle | string, leg: Leg): Session {
    const h = typeof call === 'string' ? this.handle(call) : call;
    const s = leg === 'caller' ? h.caller : h.agent;
    if (s === undefined) throw new Error(`call "${h.label}" has no ${leg} leg`);
    return s;
  }

  /** Key presses on a leg (RFC 2833): a DTMF event per digit on that leg's channel. */
  press(call: CallHandle | string, digits: string, leg: Leg = 'caller'): void {
    const s = this.leg(call, leg);
    for (const d of digits) this.core.dtmf(s, d);
  }

  /**
   * Waits until the caller's bridge rings an agent, then the agent picks up. With `extension`,
   * the ringing leg must be that extension (catches a daemon bridging to the wrong agent).
   */
  async agentAnswers(call: CallHandle | string, extension?: string): Promise<Session> {
    const h = typeof call === 'string' ? this.handle(call) : call;
    await this.until(() => h.agent !== undefined && h.agent.farEnd === 'ringing', `an agent leg ringing for ${h.label}`);
    const agent = h.agent as Session;
    const dest = agent.ch.profile.destinationNumber;
    if (extension !== undefined && dest !== extension) throw new Error(`${h.label}: the agent leg rings ${dest}, not ${extension}`);
    agent.farEnd = 'answered';
    this.core.notify();
    await this.until(() => agent.bridge !== undefined || !agent.ch.alive, `the bridge of ${h.label}`);
    return agent;
  }

  /** A ringing originated leg (bridge or originate) picks up, found by its UUID. */
  answerLeg(uuid: string): void {
    const s = this.core.find(uuid);
    if (s === undefined || s.farEnd !== 'ringing') throw new Error(`no ringing leg ${uuid}`);
    s.farEnd = 'answered';
    this.core.notify();
  }

  /** The ringing agent leg refuses (`cause`: CALL_REJECTED for a 603, NORMAL_TEMPORARY_FAILURE for a 503). */
  async agentRejects(call: CallHandle | string, cause = 'CALL_REJECTED'): Promise<void> {
    const h = typeof call === 'string' ? this.handle(call) : call;
    await this.until(() => h.agent !== undefined && h.agent.farEnd === 'ringing', `an agent leg ringing for ${h.label}`);
    (h.agent as Session).farEnd = 'rejected';
    (h.agent as Session).rejectCause = cause;
    this.core.notify();
  }

  /** A party hangs up (BYE from the phone); `both`: caller and agent at the same moment. */
  hangup(call: CallHandle | string, leg: Leg | 'both' = 'caller', cause = 'NORMAL_CLEARING'): void {
    if (leg === 'both') this.core.hangupFromFarEnd(this.leg(call, 'caller'), cause, true);
    else this.core.hangupFromFarEnd(this.leg(call, leg), cause);
  }

  hold(call: CallHandle | string, leg: Leg = 'caller', on = true): void {
    this.core.hold(this.leg(call, leg), on);
  }

  /** Same effect as `uuid_transfer <caller> <dest> XML default`. */
  transfer(call: CallHandle | string, dest: string): void {
    this.core.transfer(this.leg(call, 'caller'), dest);
  }

  /**
   * Resolves once the caller heard a play_and_get_digits prompt to its end and the menu waits
   * for a key (virtual time runs through the prompt: PLAYBACK_STOP precedes the key press, as
   * in the captures).
   */
  async expectPrompt(call: CallHandle | string): Promise<void> {
    const s = this.leg(call, 'caller');
    await this.until(() => s.runningApp === 'play_and_get_digits' || !s.ch.alive, `a prompt on ${s.label ?? s.uuid}`);
    await this.advanceUntil(() => s.awaitingDigits || !s.ch.alive || s.runningApp !== 'play_and_get_digits', 60_000);
  }

  // ---- time and waits -------------------------------------------------------------------

  /** Advances virtual time by `ms`, running due timers one by one and letting the model settle. */
  async advance(ms: number): Promise<void> {
    const end = this.clock.now + Math.round(ms * 1000);
    for (;;) {
      await settle();
      await settle();
      const next = this.clock.nextDue();
      if (next === undefined || next > end) break;
      this.clock.advance((next - this.clock.now) / 1000);
    }
    this.clock.setNow(end);
    await settle();
  }

  /** Advances time in small steps until `pred` holds or `maxMs` virtual ms passed. */
  private async advanceUntil(pred: () => boolean, maxMs: number): Promise<void> {
    const end = this.clock.now + maxMs * 1000;
    while (!pred() && this.clock.now < end) {
      const next = this.clock.nextDue();
      if (next === undefined) break;
      await this.advance(Math.max(0, (next - this.clock.now) / 1000));
    }
  }

  /** Resolves when `pred` holds (re-checked on every model change); rejects after the real-time guard. */
  until(pred: () => boolean, what = 'condition', timeoutMs = this.waitTimeoutMs): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`simulator: timed out waiting for ${what}`)), timeoutMs);
      void this.core.waitUntil(pred).then(() => {
        clearTimeout(guard);
        resolve();
      });
    });
  }

  /** The first event (from log index `since`) matching `pred`; waits for it if needed. */
  async waitFor(pred: (ev: SimEvent) => boolean, since = 0, timeoutMs = this.waitTimeoutMs): Promise<SimEvent> {
    let found: SimEvent | undefined;
    let scanned = since;
    await this.until(() => {
      for (; scanned < this.core.log.length; scanned++) {
        const ev = this.core.log[scanned] as SimEvent;
        if (pred(ev)) {
          found = ev;
          return true;
        }
      }
      return false;
    }, 'an event', timeoutMs);
    return found as SimEvent;
  }

  /** The first command received (from index `since`) matching `pred`; waits for it if needed. */
  async waitForCommand(pred: (cmd: ReceivedCommand) => boolean, since = 0, timeoutMs = this.waitTimeoutMs): Promise<ReceivedCommand> {
    let found: ReceivedCommand | undefined;
    await this.until(() => {
      found = this.received.slice(since).find(pred);
      return found !== undefined;
    }, 'a command', timeoutMs);
    return found as ReceivedCommand;
  }

  /** Runs a scenario script (see scenario.ts); resolves with a per-call timeline. */
  run(script: string): Promise<Timeline> {
    return runScenario(this, script);
  }

  /** Index to pass as `since`: only later events count. */
  mark(): number {
    return this.core.log.length;
  }

  get events(): readonly SimEvent[] {
    return this.core.log;
  }

  /** Where the simulator writes the file a client asked to record at `path`. */
  recordingFile(path: string): string {
    return defaultRecordingPath(this.recordingsDir, path);
  }

  private scheduleHeartbeat(seconds: number): void {
    this.clock.setTimeout(() => {
      const live = [...this.core.sessions.values()].filter((s) => !s.ch.destroyed).length;
      const upMs = Math.floor((this.clock.now - this.core.startedUs) / 1000);
      this.core.fire(
        this.core.events.global('HEARTBEAT', [
          ['Event-Info', 'System Ready'], ['Up-Time', `0 years, 0 days, 0 hours, 0 minutes, ${Math.floor(upMs / 1000)} seconds, ${upMs % 1000} milliseconds, 0 microseconds`],
          ['FreeSWITCH-Version', '1.10.12-release~64bit'], ['Uptime-msec', String(upMs)], ['Session-Count', String(live)],
          ['Max-Sessions', '1000'], ['Session-Per-Sec', '30'], ['Session-Per-Sec-Last', '0'], ['Session-Per-Sec-Max', '0'],
          ['Session-Per-Sec-FiveMin', '0'], ['Session-Since-Startup', String(this.core.sessionsSinceStartup)],
          ['Session-Peak-Max', String(live)], ['Session-Peak-FiveMin', String(live)], ['Idle-CPU', '100.000000'],
        ]),
      );
      this.scheduleHeartbeat(seconds);
    }, seconds * 1000);
  }

  /** Agent legs answer by themselves after `agentAnswerMs` virtual ms, if configured. */
  private onLeg(leg: Session): void {
    const ms = this.agentAnswerMs;
    if (ms === undefined) return;
    this.clock.setTimeout(() => {
      if (leg.farEnd === 'ringing') leg.farEnd = 'answered';
      this.core.notify();
    }, ms);
  }
}
