// One ESL connection (inbound client or outbound socket): commands in, replies and events out.

import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { executeApi, type ApiContext } from './api';
import { CommandReader, type ClientCommand } from './command-reader';
import type { EventSink, FsCore } from './core';
import { channelData, type SimEvent } from './events';
import type { OutboundLink, Session } from './session';
import {
  GOODBYE,
  apiResponse,
  authRequest,
  commandReply,
  connectReply,
  disconnectNotice,
  jsonEvent,
  lingerNotice,
  outboundGoodbye,
  plainEvent,
} from './wire';

/**
 * What `myevents` subscribes to (mod_event_socket.c): channel life-cycle events, DTMF and a
 * few others — but not RECORD_*, PLAYBACK_*, CALL_UPDATE, CODEC or MEDIA_BUG_*, which is why
 * the outbound traces never show recordings or prompts.
 */
export const MYEVENTS = new Set([
  'CHANNEL_ANSWER', 'CHANNEL_APPLICATION', 'CHANNEL_BRIDGE', 'CHANNEL_CREATE', 'CHANNEL_DATA', 'CHANNEL_DESTROY',
  'CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_ORIGINATE',
  'CHANNEL_OUTGOING', 'CHANNEL_PARK', 'CHANNEL_PROGRESS', 'CHANNEL_PROGRESS_MEDIA', 'CHANNEL_STATE', 'CHANNEL_UNBRIDGE',
  'CHANNEL_UNPARK', 'DETECTED_SPEECH', 'DTMF', 'MESSAGE', 'PRESENCE_IN', 'PRESENCE_NOTIFY', 'PRESENCE_OUT', 'PRESENCE_PROBE',
  'MESSAGE_WAITING', 'MESSAGE_QUERY', 'ROSTER', 'CHANNEL_HOLD', 'CHANNEL_UNHOLD',
]);

export interface ReceivedCommand {
  readonly connection: number;
  readonly mode: 'inbound' | 'outbound';
  /** The channel an outbound socket controls. */
  readonly sessionUuid: string | undefined;
  readonly line: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** Virtual time of arrival (µs). */
  readonly at: number;
  /** How many events had been fired when it arrived (orders commands among events). */
  readonly eventIndex: number;
}

export interface ConnectionHost extends ApiContext {
  readonly core: FsCore;
  readonly password: string;
  received(cmd: ReceivedCommand): void;
  /** A PRESENCE_IN reached the event system (mod_sofia would now notify BLF subscribers). */
  presenceIn?(headers: Readonly<Record<string, string>>): void;
  /** A write found the client's socket full: FreeSWITCH would now queue events for a slow reader. */
  backpressure?(): void;
  closed(conn: EslConnection): void;
}

let nextId = 1;

export class EslConnection implements EventSink, OutboundLink {
  readonly id = nextId++;
  private readonly reader = new CommandReader();
  private authed: boolean;
  private format: 'plain' | 'json' = 'plain';
  private all = false;
  private readonly names = new Set<string>();
  private readonly filters: Array<[string, string]> = [];
  private myUuid: string | undefined;
  private linger = false;
  private connected = false;
  private chain: Promise<void> = Promise.resolve();
  private clientClosed = false;
  private ended = false;

  constructor(
    private readonly host: ConnectionHost,
    readonly socket: Socket,
    readonly mode: 'inbound' | 'outbound',
    readonly session?: Session,
  ) {
    this.authed = mode === 'outbound';
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onClientClose());
    socket.on('close', () => this.onClientClose());
    socket.on('error', () => this.onClientClose());
    host.core.sinks.add(this);
    if (mode === 'inbound') this.write(authRequest());
  }

  get closed(): boolean {
    return this.clientClosed;
  }

  get open(): boolean {
    return !this.ended && !this.clientClosed;
  }

  private write(bytes: Buffer): void {
    if (this.ended || this.socket.destroyed || !this.socket.writable) return;
    if (!this.socket.write(bytes)) this.host.backpressure?.();
  }

  /** Ends our side after the last bytes (FreeSWITCH closes after its goodbye notice). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.host.core.sinks.delete(this);
    if (!this.socket.destroyed) this.socket.end();
    this.host.closed(this);
  }

  /** Shutdown: the notice inbound clients get before the socket closes (shutdown.rx). */
  shutdown(): void {
    if (this.mode === 'inbound') this.write(disconnectNotice('The system is being shut down.\n'));
    this.end();
    this.socket.destroySoon();
  }

  private onClientClose(): void {
    if (this.clientClosed) return;
    this.clientClosed = true;
    if (this.mode === 'inbound') this.end();
    this.host.core.sinks.delete(this);
    this.host.core.notify();
    if (this.mode === 'outbound' && this.session === undefined) this.end();
  }

  private onData(chunk: Buffer): void {
    for (const cmd of this.reader.push(chunk)) {
      this.host.received({
        connection: this.id, mode: this.mode, sessionUuid: this.session?.uuid, line: cmd.line,
        headers: cmd.headers, body: cmd.body, at: this.host.core.clock.now, eventIndex: this.host.core.log.length,
      });
      this.chain = this.chain.then(() => this.handle(cmd)).catch(() => undefined);
    }
  }

  // ---- events ---------------------------------------------------------------------------

  deliver(ev: SimEvent): void {
    if (this.ended) return;
    // Without linger, the outbound socket says goodbye as soon as its channel hangs up.
    if (this.mode === 'outbound' && ev.name === 'CHANNEL_HANGUP' && ev.uuid === this.session?.uuid && !this.linger) {
      this.sendEvent(ev);
      this.write(outboundGoodbye(this.session?.uuid ?? ''));
      this.end();
      return;
    }
    this.sendEvent(ev);
  }

  private sendEvent(ev: SimEvent): void {
    if (!this.authed || (this.mode === 'outbound' && !this.connected)) return;
    if (!this.all && !this.names.has(ev.name)) return;
    if (this.myUuid !== undefined && ev.uuid !== this.myUuid) return;
    if (this.filters.length > 0 && !this.filters.some(([h, v]) => ev.headers.some(([n, x]) => n === h && x === v))) return;
    this.write(this.format === 'json' ? jsonEvent(ev.headers, ev.body) : plainEvent(ev.headers, ev.body));
  }

  // ---- OutboundLink -----------------------------------------------------------------------

  /** After CHANNEL_HANGUP_COMPLETE: linger notice, wait for the client to close, goodbye. */
  async finish(): Promise<void> {
    if (this.ended || !this.linger) return;
    const s = this.session;
    this.write(lingerNotice(s?.uuid ?? '', s?.ch.name ?? ''));
    await this.host.core.waitUntil(() => this.clientClosed || this.ended);
    this.write(outboundGoodbye(s?.uuid ?? ''));
    this.end();
  }

  // ---- commands -------------------------------------------------------------------------

  private reply(text: string, extra: ReadonlyArray<readonly [string, string]> = []): void {
    this.write(commandReply(text, extra));
  }

  private async handle(cmd: ClientCommand): Promise<void> {
    if (this.ended) return;
    const line = cmd.line.trim();
    const space = line.indexOf(' ');
    const verb = (space === -1 ? line : line.slice(0, space)).toLowerCase();
    const rest = space === -1 ? '' : line.slice(space + 1).trim();
    if (!this.authed) {
      if (verb === 'auth') {
        if (rest === this.host.password) {
          this.authed = true;
          this.reply('+OK accepted');
        } else {
          this.reply('-ERR invalid');
          this.write(disconnectNotice(GOODBYE));
          this.end();
        }
      } else {
        this.reply('-ERR command not found');
      }
      return;
    }
    const core = this.host.core;
    switch (verb) {
      case 'connect': {
        if (this.mode !== 'outbound' || this.session === undefined) return this.reply('-ERR command not found');
        this.connected = true;
        this.write(connectReply([...core.events.envelope('CHANNEL_DATA'), ...channelData(this.session.ch)]));
        return;
      }
      case 'exit':
        this.reply('+OK bye');
        this.write(this.mode === 'outbound' ? outboundGoodbye(this.session?.uuid ?? '') : disconnectNotice(GOODBYE));
        this.end();
        return;
      case 'api': {
        const after: Array<() => void> = [];
        const body = await executeApi(this.host, rest, (fn) => after.push(fn));
        this.write(apiResponse(body));
        for (const fn of after) fn();
        return;
      }
      case 'bgapi': {
        const jobUuid = cmd.headers['Job-UUID'] ?? randomUUID();
        this.reply(`+OK Job-UUID: ${jobUuid}`, [['Job-UUID', jobUuid]]);
        const sp = rest.indexOf(' ');
        const command = sp === -1 ? rest : rest.slice(0, sp);
        const arg = sp === -1 ? '' : rest.slice(sp + 1);
        void executeApi(this.host, rest).then((result) => {
          const extra: Array<[string, string]> = [['Job-UUID', jobUuid], ['Job-Command', command]];
          if (arg !== '') extra.push(['Job-Command-Arg', arg]);
          core.fire(core.events.global('BACKGROUND_JOB', extra, result));
        });
        return;
      }
      case 'event': {
        const words = rest.split(/\s+/).filter((w) => w !== '');
        const fmt = words[0]?.toLowerCase();
        if (fmt === 'plain' || fmt === 'json') {
          this.format = fmt;
          words.shift();
        } else if (fmt === 'xml') {
          words.shift();
        }
        for (const w of words) {
          if (w.toUpperCase() === 'ALL') this.all = true;
          else this.names.add(w);
        }
        return this.reply(`+OK event listener enabled ${this.format}`);
      }
      case 'myevents': {
        const words = rest.split(/\s+/).filter((w) => w !== '');
        const uuid = this.mode === 'outbound' ? this.session?.uuid : words.find((w) => w.includes('-'));
        if (uuid === undefined) return this.reply('-ERR command not found');
        const fmt = words.find((w) => w === 'plain' || w === 'json');
        if (fmt === 'plain' || fmt === 'json') this.format = fmt;
        this.myUuid = uuid;
        for (const n of MYEVENTS) this.names.add(n);
        return this.reply('+OK Events Enabled');
      }
      case 'nixevent': {
        for (const w of rest.split(/\s+/)) {
          if (w.toUpperCase() === 'ALL') this.all = false;
          this.names.delete(w);
        }
        return this.reply('+OK events nixed');
      }
      case 'noevents':
        this.all = false;
        this.names.clear();
        this.myUuid = undefined;
        return this.reply('+OK no longer listening for events');
      case 'filter': {
        const words = rest.split(/\s+/);
        if (words[0] === 'delete') {
          const i = this.filters.findIndex(([h, v]) => h === words[1] && (words[2] === undefined || v === words[2]));
          if (i !== -1) this.filters.splice(i, 1);
          return this.reply(`+OK filter deleted. [${words[1] ?? ''}]=[${words[2] ?? ''}]`);
        }
        const header = words[0] ?? '';
        const value = words.slice(1).join(' ');
        this.filters.push([header, value]);
        return this.reply(`+OK filter added. [${header}]=[${value}]`);
      }
      case 'linger':
        this.linger = true;
        return this.reply('+OK will linger');
      case 'nolinger':
        this.linger = false;
        return this.reply('+OK will not linger');
      case 'resume':
        this.session?.ch.setVar('socket_resume', 'true');
        return this.reply('+OK');
      case 'divert_events':
        return this.reply('+OK events diverted');
      case 'log':
        return this.reply('+OK log level  [7]');
      case 'nolog':
        return this.reply('+OK no longer logging');
      case 'sendmsg':
        return this.sendmsg(rest, cmd);
      case 'sendevent':
        return this.sendevent(line, cmd);
      default:
        return this.reply('-ERR command not found');
    }
  }

  /**
   * sendevent <NAME> (mod_event_socket): the command's headers become the event's, plus an
   * Event-UUID. With a unique-id that names a live session the event is queued to that
   * session and never fired (a running eavesdrop reads its `eavesdrop-command` like a DTMF
   * digit); otherwise it is fired like any event — a PRESENCE_IN then reaches mod_sofia and
   * every ESL listener subscribed to it. The reply is "+OK <Event-UUID>" either way.
   */
  private sendevent(line: string, cmd: ClientCommand): void {
    const h = (name: string): string | undefined => {
      const key = Object.keys(cmd.headers).find((k) => k.toLowerCase() === name);
      return key !== undefined ? cmd.headers[key] : undefined;
    };
    const eventUuid = randomUUID();
    const name = line.slice('sendevent'.length).trim().split(/\s+/)[0] ?? '';
    const target = h('unique-id');
    const s = target !== undefined ? this.host.core.find(target) : undefined;
    if (s !== undefined) {
      const command = h('eavesdrop-command');
      if (s.eavesdropTarget !== undefined && command !== undefined) {
        if (command === '2') s.eavesdropMode = 'talk-target';
        else if (command === '1') s.eavesdropMode = 'talk-partner';
        else if (command === '3') s.eavesdropMode = 'three-way';
        else if (command === '0') s.eavesdropMode = 'listen';
        this.host.core.notify();
      }
      this.reply(`+OK ${eventUuid}`);
      return;
    }
    this.reply(`+OK ${eventUuid}`);
    if (name === '') return;
    const pairs: Array<[string, string]> = Object.entries(cmd.headers).map(([k, v]) => [k, v]);
    pairs.push(['Event-UUID', eventUuid]);
    const core = this.host.core;
    core.fire(core.events.global(name, pairs));
    if (name === 'PRESENCE_IN') this.host.presenceIn?.(cmd.headers);
  }

  /** sendmsg: execute queues the app (reply +OK at once), hangup hangs up. */
  private sendmsg(rest: string, cmd: ClientCommand): void {
    const core = this.host.core;
    const uuid = rest !== '' ? rest : this.session?.uuid;
    const s = uuid !== undefined ? core.find(uuid) : undefined;
    if (s === undefined) return this.reply(`-ERR invalid session id [${uuid ?? ''}]`);
    const h = (name: string): string | undefined => {
      const key = Object.keys(cmd.headers).find((k) => k.toLowerCase() === name);
      return key !== undefined ? cmd.headers[key] : undefined;
    };
    const command = h('call-command');
    if (command === 'execute') {
      const app = h('execute-app-name') ?? '';
      const arg = h('execute-app-arg') ?? cmd.body ?? '';
      const loops = Math.max(1, Number(h('loops') ?? 1));
      for (let i = 0; i < loops; i++) s.appQueue.push({ app, arg, uuid: h('event-uuid') });
      this.reply('+OK');
      core.notify();
      return;
    }
    if (command === 'hangup') {
      this.reply('+OK');
      core.hangupFromFarEnd(s, h('hangup-cause') ?? 'NORMAL_CLEARING');
      return;
    }
    this.reply('+OK');
  }
}
