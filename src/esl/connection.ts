// One ESL socket: framing, reply queues (FIFO), bgapi/execute correlation, timeouts.
//
// FreeSWITCH answers `api` with api/response and every other command with command/reply,
// each strictly in the order received, so two FIFO queues match replies to commands.
// A command that times out stays in its queue as a tombstone so its late reply is
// consumed by it and not handed to the next command. On close everything pending is
// rejected with EslDisconnectedError; the event stream completes but never errors.

import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { Observable, Subject } from 'rxjs';
import * as cmd from './commands';
import { EslCommandError, EslDisconnectedError, EslProtocolError, EslTimeoutError, withoutStack } from './errors';
import { frameToEvent } from './event';
import type { EslEvent, EslFrame } from './frame';
import { FrameParser } from './parser';
import type { Logger } from '../logger';
import { TurnBudget } from '../turn-budget';

export interface ConnectionOptions {
  /** Reply timeout for api / command / sendmsg acceptance. */
  readonly commandTimeoutMs?: number;
  /** Largest frame accepted before the stream is declared desynchronised. */
  readonly maxFrameBytes?: number;
  /**
   * How long the socket's data may be handled in one turn of the event loop before reading
   * pauses until the next turn (default 10 ms). libuv reads a busy socket up to 32 times per
   * turn, so a burst (2,000 hangups at once) would otherwise hold timers, other sockets and
   * the fsync callbacks for as long as it takes.
   */
  readonly readSliceMs?: number;
  /**
   * A budget shared with other connections (readSliceMs then does not apply): a thousand call
   * sockets that each have a little to read in the same turn (a burst of hangups: events, the
   * linger notice, the close) take turns in its slices instead of all being handled at once.
   */
  readonly readBudget?: TurnBudget;
  readonly logger: Logger;
  /**
   * Close as soon as FreeSWITCH sends its `text/disconnect-notice` (a call socket: a socket
   * left open keeps the channel alive inside FreeSWITCH). Before notices$ hears of it.
   */
  readonly endOnDisconnectNotice?: boolean;
}

interface Pending {
  readonly label: string;
  settled: boolean;
  resolve(frame: EslFrame): void;
  reject(err: Error): void;
  timer?: NodeJS.Timeout;
}

interface Waiter {
  resolve(event: EslEvent): void;
  reject(err: Error): void;
  timer?: NodeJS.Timeout;
  label: string;
}

export interface DisconnectNotice {
  readonly disposition: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export class EslConnection {
  private readonly parser: FrameParser;
  private readonly replyQueue: Pending[] = [];
  private readonly apiQueue: Pending[] = [];
  // Made when first needed and dropped when empty: a call socket uses few of them, and an
  // empty Map or Subject still costs each live call its bytes (issue 12: heap per live call).
  private jobs: Map<string, Waiter> | undefined;
  private executions: Map<string, Waiter> | undefined;
  private eventsSubject: Subject<EslEvent> | undefined;
  private framesSubject: Subject<EslFrame> | undefined;
  private noticesSubject: Subject<DisconnectNotice> | undefined;
  /** The socket closed (onClose ran): a stream asked for afterwards completes at once. */
  private finished = false;
  private readonly endOnDisconnectNotice: boolean;
  private closedError: Error | undefined;
  private readonly commandTimeoutMs: number;
  private readonly log: Logger;
  /** How much of this turn of the event loop handling the socket's data has used. */
  private readonly reading: TurnBudget;
  /** Times reading paused for a turn because a slice was used up (tests read it). */
  yields = 0;
  /** The read budget resumed this socket: its next chunk is handled even if the slice is used. */
  private granted = false;

  /**
   * Called with every event, before events$ has it: the one follower a call socket has for
   * its whole life (the daemon's), as a function rather than a subscription — no Subject and
   * subscriber chain per live call. Must not throw; dropped when the socket closes.
   */
  eventSink: ((event: EslEvent) => void) | undefined;

  /** Every event this socket delivers. Completes when the socket closes; never errors. */
  get events$(): Observable<EslEvent> {
    return (this.eventsSubject ??= this.lateSubject()).asObservable();
  }

  /** Frames that are neither replies nor events (auth/request, log/data). Completes when the socket closes. */
  get frames$(): Observable<EslFrame> {
    return (this.framesSubject ??= this.lateSubject()).asObservable();
  }

  /** FreeSWITCH's `text/disconnect-notice`. Completes when the socket closes. */
  get notices$(): Observable<DisconnectNotice> {
    return (this.noticesSubject ??= this.lateSubject()).asObservable();
  }

  readonly closed: Promise<Error | undefined>;
  private resolveClosed!: (err: Error | undefined) => void;

  constructor(
    readonly socket: Socket,
    options: ConnectionOptions,
  ) {
    this.commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
    this.endOnDisconnectNotice = options.endOnDisconnectNotice === true;
    this.log = options.logger;
    this.parser = new FrameParser({ maxFrameBytes: options.maxFrameBytes });
    this.reading = options.readBudget ?? new TurnBudget(options.readSliceMs ?? 10);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      this.closedError ??= new EslDisconnectedError(`ESL socket error: ${err.message}`);
    });
    socket.on('close', () => this.onClose());
  }

  get isOpen(): boolean {
    return this.closedError === undefined && !this.socket.destroyed;
  }

  /** Sends `api <command>`; resolves with the body, rejects on `-ERR`, timeout or disconnect. */
  async api(command: string, timeoutMs = this.commandTimeoutMs): Promise<string> {
    const frame = await this.send(cmd.api(command), this.apiQueue, timeoutMs);
    const body = frame.body?.toString('utf8') ?? '';
    if (body.startsWith('-ERR') || body.startsWith('-USAGE')) throw new EslCommandError(command, body.trim());
    return body;
  }

  /** `bgapi` with a client Job-UUID registered before the bytes leave, so no result can be missed. */
  async bgapi(command: string, timeoutMs = 30_000): Promise<string> {
    const jobUuid = randomUUID();
    const result = this.waitFor('jobs', jobUuid, `bgapi ${command}`, timeoutMs);
    try {
      await this.command(cmd.bgapi(command, jobUuid));
    } catch (err) {
      this.cancelWait('jobs', jobUuid);
      throw err;
    }
    const event = await result;
    const body = event.body ?? '';
    if (body.startsWith('-ERR') || body.startsWith('-USAGE')) throw new EslCommandError(command, body.trim());
    return body;
  }

  /**
   * Runs a dialplan application via sendmsg. Resolves with its CHANNEL_EXECUTE_COMPLETE
   * (matched by Application-UUID). `completionTimeoutMs` undefined: wait as long as the
   * application runs (a bridge lasts the whole call); the channel's hangup completes it.
   */
  async execute(uuid: string, app: string, arg?: string, completionTimeoutMs?: number): Promise<EslEvent> {
    const eventUuid = randomUUID();
    const done = this.waitFor('executions', eventUuid, `execute ${app}`, completionTimeoutMs);
    try {
      await this.command(cmd.execute(uuid, app, arg, { eventUuid }));
    } catch (err) {
      this.cancelWait('executions', eventUuid);
      throw err;
    }
    return done;
  }

  /** Sends a command answered by command/reply; rejects on `-ERR`. Returns the Reply-Text. */
  async command(command: cmd.EslCommand, timeoutMs = this.commandTimeoutMs): Promise<EslFrame> {
    const frame = await this.send(command, this.replyQueue, timeoutMs);
    const reply = frame.headers['Reply-Text'] ?? '';
    if (reply.startsWith('-ERR') || reply.startsWith('-USAGE')) throw new EslCommandError(command.label, reply);
    return frame;
  }

  /** Closes the socket (after queued writes are flushed); again (the linger notice after a hand-back): nothing. */
  end(): void {
    // A second end() of a Node socket builds an ERR_STREAM_ALREADY_FINISHED error, stack and all.
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.end();
  }

  destroy(reason?: Error): void {
    if (reason) this.closedError ??= reason;
    this.socket.destroy();
  }

  // ---------------------------------------------------------------------------------

  private send(command: cmd.EslCommand, queue: Pending[], timeoutMs: number): Promise<EslFrame> {
    if (!this.isOpen) {
      const why = this.closedError ? `: ${this.closedError.message}` : '';
      return Promise.reject(new EslDisconnectedError(`"${command.label}" not sent, the ESL connection is closed${why}`));
    }
    return new Promise<EslFrame>((resolve, reject) => {
      const entry: Pending = { label: command.label, settled: false, resolve, reject };
      entry.timer = setTimeout(() => {
        entry.settled = true; // tombstone: its late reply will still be consumed by it
        reject(new EslTimeoutError(`no reply to "${command.label}" within ${timeoutMs} ms`));
      }, timeoutMs);
      entry.timer.unref?.();
      queue.push(entry);
      this.socket.write(command.wire);
    });
  }

  /** A Subject for a stream asked for after the socket closed is complete already. */
  private lateSubject<T>(): Subject<T> {
    const subject = new Subject<T>();
    if (this.finished) subject.complete();
    return subject;
  }

  private waitFor(kind: 'jobs' | 'executions', id: string, label: string, timeoutMs: number | undefined): Promise<EslEvent> {
    const map = (this[kind] ??= new Map());
    return new Promise<EslEvent>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, label };
      if (timeoutMs !== undefined) {
        waiter.timer = setTimeout(() => {
          this.cancelWait(kind, id);
          reject(new EslTimeoutError(`"${label}" did not complete within ${timeoutMs} ms`));
        }, timeoutMs);
        waiter.timer.unref?.();
      }
      map.set(id, waiter);
    });
  }

  private cancelWait(kind: 'jobs' | 'executions', id: string): void {
    const map = this[kind];
    if (map === undefined) return;
    const waiter = map.get(id);
    if (waiter?.timer) clearTimeout(waiter.timer);
    map.delete(id);
    if (map.size === 0) this[kind] = undefined;
  }

  private onData(chunk: Buffer): void {
    // The slice starts with the turn's first chunk; one already used (by other connections
    // sharing the budget) leaves this chunk, unread, for a later turn — unless the budget has
    // just given this connection its turn.
    const granted = this.granted;
    this.granted = false;
    if (this.reading.used() && !granted && this.yieldTurn(chunk)) return;
    this.handleChunk(chunk);
    if (this.reading.used()) this.yieldTurn();
  }

  /**
   * Lets the rest of the process run: reading pauses until the budget gives this connection a
   * turn again; FreeSWITCH's bytes wait in the socket meanwhile, and so does its end (a paused
   * socket ends once its data is read). `unread` goes back in front of them.
   */
  private yieldTurn(unread?: Buffer): boolean {
    if (this.socket.destroyed || this.socket.isPaused()) return false;
    this.yields++;
    this.socket.pause();
    if (unread) this.socket.unshift(unread);
    this.reading.later(() => {
      if (this.socket.destroyed) return;
      this.granted = true;
      this.socket.resume();
    });
    return true;
  }

  private handleChunk(chunk: Buffer): void {
    let frames: EslFrame[];
    try {
      frames = this.parser.push(chunk);
    } catch (err) {
      // The frames completed before the bad bytes are good: hand them over first, so what
      // happens does not depend on how TCP split the stream.
      for (const frame of (err as EslProtocolError).completedFrames ?? []) this.dispatchGuarded(frame);
      // A desynchronised stream can't be trusted: log once, drop the connection, and let
      // the owner reconnect and rebuild state. Never throw out of the data handler.
      this.log.error(`FreeSWITCH sent bytes that are not valid ESL (${(err as Error).message}); closing the connection`);
      this.destroy(err as EslProtocolError);
      return;
    }
    for (const frame of frames) this.dispatchGuarded(frame);
  }

  private dispatchGuarded(frame: EslFrame): void {
    try {
      this.dispatch(frame);
    } catch (err) {
      this.log.error(`could not handle an ESL frame (${(err as Error).message}); frame skipped`, {
        contentType: frame.headers['Content-Type'],
      });
    }
  }

  private dispatch(frame: EslFrame): void {
    switch (frame.headers['Content-Type']) {
      case 'command/reply':
        return this.settle(this.replyQueue, frame);
      case 'api/response':
        return this.settle(this.apiQueue, frame);
      case 'text/event-plain':
      case 'text/event-json': {
        const event = frameToEvent(frame);
        if (event) this.onEvent(event);
        return;
      }
      case 'text/disconnect-notice':
        if (this.endOnDisconnectNotice) this.end();
        this.noticesSubject?.next({
          disposition: frame.headers['Content-Disposition'],
          headers: frame.headers,
          body: frame.body?.toString('utf8') ?? '',
        });
        return;
      default:
        this.framesSubject?.next(frame);
    }
  }

  private settle(queue: Pending[], frame: EslFrame): void {
    const entry = queue.shift();
    // Emptied: give back the slots the pushes reserved (≈150 bytes per queue and live call socket).
    if (queue.length === 0) queue.length = 0;
    if (!entry) {
      this.log.warn('FreeSWITCH sent a reply nobody asked for; ignored', { contentType: frame.headers['Content-Type'] });
      return;
    }
    if (entry.timer) clearTimeout(entry.timer);
    if (!entry.settled) {
      entry.settled = true;
      entry.resolve(frame);
    }
  }

  private onEvent(event: EslEvent): void {
    if (event.name === 'BACKGROUND_JOB') {
      const id = event.headers['Job-UUID'];
      const waiter = id ? this.jobs?.get(id) : undefined;
      if (waiter && id) {
        this.cancelWait('jobs', id);
        waiter.resolve(event);
      }
    } else if (event.name === 'CHANNEL_EXECUTE_COMPLETE') {
      const id = event.headers['Application-UUID'];
      const waiter = id ? this.executions?.get(id) : undefined;
      if (waiter && id) {
        this.cancelWait('executions', id);
        waiter.resolve(event);
      }
    }
    this.eventSink?.(event);
    this.eventsSubject?.next(event);
  }

  private onClose(): void {
    // Expected (every call socket ends so): no stack, nor for what the close took with it.
    const err = this.closedError ?? withoutStack(() => new EslDisconnectedError('ESL connection closed'));
    this.closedError = err;
    const rejectAll = (queue: Pending[]) => {
      for (const entry of queue.splice(0)) {
        if (entry.timer) clearTimeout(entry.timer);
        if (!entry.settled) {
          entry.settled = true;
          entry.reject(withoutStack(() => new EslDisconnectedError(`"${entry.label}" lost: ${err.message}`)));
        }
      }
    };
    rejectAll(this.replyQueue);
    rejectAll(this.apiQueue);
    for (const kind of ['jobs', 'executions'] as const) {
      for (const [id, waiter] of this[kind] ?? []) {
        this.cancelWait(kind, id);
        waiter.reject(withoutStack(() => new EslDisconnectedError(`"${waiter.label}" lost: ${err.message}`)));
      }
    }
    this.parser.reset();
    this.finished = true;
    this.eventSink = undefined;
    this.eventsSubject?.complete();
    this.framesSubject?.complete();
    this.noticesSubject?.complete();
    this.resolveClosed(err);
  }
}
