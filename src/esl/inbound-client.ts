// The inbound connection: we dial FreeSWITCH, authenticate, subscribe, and reconnect forever.
//
// ESL cannot replay events missed while disconnected, so after every (re)connect the
// owner rebuilds its call table from `show channels as json` (the `connected$` signal)
// instead of replaying commands. Commands in flight when the socket drops are rejected
// with EslDisconnectedError; the merged `events$` stream outlives every socket.

import { connect as netConnect } from 'node:net';
import { BehaviorSubject, Observable, Subject, filter, firstValueFrom } from 'rxjs';
import { backoffDelay } from './backoff';
import * as cmd from './commands';
import { EslConnection } from './connection';
import { EslAuthError, EslDisconnectedError, EslTimeoutError } from './errors';
import type { EslEvent } from './frame';
import type { Logger } from '../logger';

export interface InboundOptions {
  readonly host: string;
  readonly port: number;
  readonly password: string;
  readonly events: readonly string[];
  readonly format?: 'plain' | 'json';
  readonly commandTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly backoff?: { initialMs: number; maxMs: number };
  /**
   * Probe interval: a silent peer (half-open TCP after a network fault, a hung FreeSWITCH)
   * would otherwise look connected forever. `api status` must answer within the command
   * timeout or the connection is dropped and rebuilt. 0 = no probe.
   */
  readonly keepaliveMs?: number;
  readonly logger: Logger;
}

export type InboundState = 'connecting' | 'connected' | 'disconnected' | 'stopped';

export class InboundClient {
  private readonly eventsSubject = new Subject<EslEvent>();
  private readonly stateSubject = new BehaviorSubject<InboundState>('disconnected');
  private readonly connectedSubject = new Subject<EslConnection>();
  private connection: EslConnection | undefined;
  private attempt = 0;
  private stopped = true;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastProblem = '';
  private readonly log: Logger;

  /** Every event from every connection this client ever had; never errors. */
  readonly events$: Observable<EslEvent> = this.eventsSubject.asObservable();
  readonly state$: Observable<InboundState> = this.stateSubject.asObservable();
  /** Emits after each successful authentication + subscription: time to rebuild state. */
  readonly connected$: Observable<EslConnection> = this.connectedSubject.asObservable();

  constructor(private readonly options: InboundOptions) {
    this.log = options.logger.child({ module: 'esl-inbound' });
  }

  get state(): InboundState {
    return this.stateSubject.value;
  }

  get target(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.dial();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const conn = this.connection;
    if (conn?.isOpen) {
      conn.command(cmd.command('exit'), 1000).catch(() => undefined);
      conn.end();
      const timer = setTimeout(() => conn.destroy(), 1000);
      await conn.closed;
      clearTimeout(timer);
    }
    this.stateSubject.next('stopped');
  }

  /** Resolves once connected (or rejects when stopped). */
  async ready(): Promise<EslConnection> {
    if (this.connection && this.state === 'connected') return this.connection;
    return firstValueFrom(this.connectedSubject);
  }

  /** Told each api / bgapi round trip's duration and whether it answered (metrics); never affects the command. */
  onCommandTimed: ((kind: 'api' | 'bgapi', seconds: number, ok: boolean) => void) | undefined;

  async api(command: string, timeoutMs?: number): Promise<string> {
    return this.timed('api', () => this.current().api(command, timeoutMs));
  }

  async bgapi(command: string, timeoutMs?: number): Promise<string> {
    return this.timed('bgapi', () => this.current().bgapi(command, timeoutMs));
  }

  private async timed(kind: 'api' | 'bgapi', send: () => Promise<string>): Promise<string> {
    const observe = this.onCommandTimed;
    if (observe === undefined) return send();
    const started = process.hrtime.bigint();
    const report = (ok: boolean): void => {
      try {
        observe(kind, Number(process.hrtime.bigint() - started) / 1e9, ok);
      } catch {
        // A metrics bug must never fail a command.
      }
    };
    try {
      const reply = await send();
      report(true);
      return reply;
    } catch (err) {
      report(false);
      throw err;
    }
  }

  async execute(uuid: string, app: string, arg?: string, completionTimeoutMs?: number): Promise<EslEvent> {
    return this.current().execute(uuid, app, arg, completionTimeoutMs);
  }

  private current(): EslConnection {
    if (!this.connection || this.state !== 'connected') {
      throw new EslDisconnectedError(`not connected to FreeSWITCH at ${this.target}`);
    }
    return this.connection;
  }

  private dial(): void {
    if (this.stopped) return;
    this.stateSubject.next('connecting');
    const socket = netConnect({ host: this.options.host, port: this.options.port });
    const conn = new EslConnection(socket, {
      logger: this.log,
      commandTimeoutMs: this.options.commandTimeoutMs,
    });
    this.connection = conn;
    const timeout = setTimeout(
      () => conn.destroy(new EslDisconnectedError(`no answer within ${this.options.connectTimeoutMs ?? 5000} ms`)),
      this.options.connectTimeoutMs ?? 5000,
    );
    socket.once('connect', () => clearTimeout(timeout));
    socket.once('error', (err: NodeJS.ErrnoException) => this.problem(`cannot reach FreeSWITCH at ${this.target} (${err.code ?? err.message})`));

    const events = conn.events$.subscribe((event) => this.eventsSubject.next(event));
    conn.notices$.subscribe((notice) => {
      if (this.stopped) return; // the goodbye to our own `exit`
      const text = notice.body.split('\n')[0] || 'disconnect notice';
      this.log.warn(`FreeSWITCH at ${this.target} is closing the connection: ${text}`);
    });
    firstValueFrom(conn.frames$.pipe(filter((f) => f.headers['Content-Type'] === 'auth/request')))
      .then(() => this.handshake(conn))
      .catch(() => undefined);

    void conn.closed.then(() => {
      clearTimeout(timeout);
      events.unsubscribe();
      if (this.connection === conn) this.connection = undefined;
      if (this.stopped) return;
      if (this.state === 'connected') this.log.warn(`lost the connection to FreeSWITCH at ${this.target}; reconnecting`);
      this.stateSubject.next('disconnected');
      const delay = backoffDelay(this.attempt++, this.options.backoff ?? { initialMs: 500, maxMs: 30_000 });
      this.retryTimer = setTimeout(() => this.dial(), delay);
    });
  }

  private async handshake(conn: EslConnection): Promise<void> {
    try {
      await conn.command(cmd.auth(this.options.password));
    } catch (err) {
      const reason =
        err instanceof Error && /-ERR invalid/.test(err.message)
          ? new EslAuthError(`FreeSWITCH at ${this.target} refused the ESL password (check CALLWARDEN_ESL_PASSWORD)`)
          : (err as Error);
      this.problem(reason.message);
      conn.destroy(reason);
      return;
    }
    try {
      await conn.command(cmd.subscribe(this.options.format ?? 'json', this.options.events));
    } catch (err) {
      this.problem(`FreeSWITCH at ${this.target} refused the event subscription: ${(err as Error).message}`);
      conn.destroy(err as Error);
      return;
    }
    this.attempt = 0;
    this.lastProblem = '';
    this.keepalive(conn);
    this.log.info(`connected to FreeSWITCH at ${this.target}`);
    this.stateSubject.next('connected');
    this.connectedSubject.next(conn);
  }

  private keepalive(conn: EslConnection): void {
    const every = this.options.keepaliveMs ?? 30_000;
    if (every <= 0) return;
    const timer = setInterval(() => {
      const readBefore = conn.socket.bytesRead;
      conn.api('status').catch((err: Error) => {
        if (!conn.isOpen) return;
        // Bytes kept coming: the reply waits behind a burst of events (a thousand hangups),
        // late, not lost. Dropping the connection here lost events and rebuilt the whole
        // call table in the middle of the burst (the load bench: a 200–400 ms stall).
        if (err instanceof EslTimeoutError && conn.socket.bytesRead > readBefore) return;
        this.log.warn(`FreeSWITCH at ${this.target} stopped answering (${err.message}); reconnecting`);
        conn.destroy(new EslDisconnectedError('keepalive probe failed'));
      });
    }, every);
    timer.unref();
    void conn.closed.then(() => clearInterval(timer));
  }

  /** Logs a connection problem once, not on every retry. */
  private problem(text: string): void {
    if (text === this.lastProblem) return;
    this.lastProblem = text;
    this.log.warn(`${text}; retrying in the background`);
  }
}
