// The outbound server: FreeSWITCH's `socket … async full` dials us, one TCP connection per call.
//
// Per session: `connect` (its command/reply carries the channel data as headers),
// `myevents` (only this channel's events; a plain `event …` here would deliver every
// call's events), `linger` (so the last events after hangup still arrive). After the
// `text/disconnect-notice` FreeSWITCH waits for us: a socket left open keeps the channel
// alive inside FreeSWITCH (no CHANNEL_DESTROY), so we close it at once.
//
// Only the configured FreeSWITCH addresses may connect (outbound.allowedPeers); what a
// session claims is confirmed over the inbound connection before anything acts on it
// (verify-outbound-session.ts).

import { createServer, type Server, type Socket } from 'node:net';
import { Observable, Subject } from 'rxjs';
import * as cmd from './commands';
import { EslConnection } from './connection';
import type { EslEvent } from './frame';
import { ownString } from './own-string';
import type { Logger } from '../logger';
import { TurnBudget } from '../turn-budget';

export interface OutboundOptions {
  readonly host: string;
  readonly port: number;
  /** FreeSWITCH addresses allowed to open call sockets (default loopback); anyone else is closed before a byte is read. */
  readonly allowedPeers?: readonly string[];
  readonly commandTimeoutMs?: number;
  readonly logger: Logger;
}

export const LOOPBACK_PEERS: readonly string[] = ['127.0.0.1', '::1'];

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) is 127.0.0.1. */
export function normalisePeer(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}

/**
 * What a session keeps of its `connect` reply for the life of the call: the channel's identity
 * and node, who dialled what, and the dialplan's callwarden_* variables — what the call and
 * coaching handlers read. FreeSWITCH sends ~300 headers there, most of them channel variables
 * (≈18 KiB a call); the whole reply feeds the call table once (`takeConnectEvent`) and is dropped.
 * Kept values are copied: a slice would keep the reply's whole header block (≈3 KiB) alive.
 */
const SESSION_HEADERS: ReadonlySet<string> = new Set([
  'Event-Name',
  'Unique-ID',
  'Core-UUID',
  'FreeSWITCH-Hostname',
  'Caller-Caller-ID-Number',
  'Caller-Destination-Number',
  'Channel-Call-UUID',
  'variable_call_uuid',
  'variable_user_name',
]);
const SESSION_VARIABLE_PREFIX = 'variable_callwarden_';

export function isSessionHeader(name: string): boolean {
  return SESSION_HEADERS.has(name) || name.startsWith(SESSION_VARIABLE_PREFIX);
}

/** One controlled call leg. */
export class OutboundSession {
  /** The CHANNEL_DATA of the `connect` reply, with only the headers a session keeps (isSessionHeader). */
  readonly channelData: EslEvent;
  private connectEvent: EslEvent | undefined;

  constructor(
    readonly connection: EslConnection,
    /** The CHANNEL_DATA from the `connect` reply, whole. */
    channelData: EslEvent,
    /** The peer's address, for refusal and warning lines. */
    readonly peer: string = 'unknown',
  ) {
    const kept: Record<string, string> = {};
    const copies: string[] = [];
    for (const [name, value] of Object.entries(channelData.headers)) {
      if (!isSessionHeader(name)) continue;
      // The channel's uuid comes under three names (Unique-ID, Channel-Call-UUID,
      // variable_call_uuid): one copy kept for all, not three for the life of the call.
      let copy = copies.find((c) => c === value);
      if (copy === undefined) copies.push((copy = ownString(value)));
      kept[name] = copy;
    }
    this.channelData = { ...channelData, headers: kept };
    this.connectEvent = channelData;
  }

  /** The whole connect reply, once (the daemon feeds it to the call table); afterwards undefined. */
  takeConnectEvent(): EslEvent | undefined {
    const event = this.connectEvent;
    this.connectEvent = undefined;
    return event;
  }

  get uuid(): string {
    return this.channelData.headers['Unique-ID'] ?? '';
  }

  get events$(): Observable<EslEvent> {
    return this.connection.events$;
  }

  execute(app: string, arg?: string, completionTimeoutMs?: number): Promise<EslEvent> {
    return this.connection.execute(this.uuid, app, arg, completionTimeoutMs);
  }

  api(command: string, timeoutMs?: number): Promise<string> {
    return this.connection.api(command, timeoutMs);
  }

  hangup(cause?: string): Promise<unknown> {
    return this.connection.command(cmd.hangup(this.uuid, cause));
  }

  close(): void {
    this.connection.end();
  }
}

export class OutboundServer {
  private server: Server | undefined;
  private readonly sessionsSubject = new Subject<OutboundSession>();
  private readonly sockets = new Set<Socket>();
  private readonly log: Logger;

  /** One value per call FreeSWITCH hands us, after connect/myevents/linger succeeded. */
  readonly sessions$: Observable<OutboundSession> = this.sessionsSubject.asObservable();

  private readonly allowed: ReadonlySet<string>;
  private readonly refusedPeers = new Set<string>();
  /**
   * One read budget for every call socket: a burst of hangups gives each its last events, the
   * linger notice and the close at once, and they are handled in slices of the event loop.
   */
  private readonly reading = new TurnBudget(10);
  /** The close listener of every call socket: one function, called with the socket as `this` (no closure per call). */
  private readonly forgetSocket: (this: Socket) => void;

  constructor(private readonly options: OutboundOptions) {
    this.log = options.logger.child({ module: 'esl-outbound' });
    this.allowed = new Set((options.allowedPeers ?? LOOPBACK_PEERS).map((p) => normalisePeer(p)));
    const sockets = this.sockets;
    this.forgetSocket = function (this: Socket) {
      sockets.delete(this);
    };
  }

  get openSockets(): number {
    return this.sockets.size;
  }

  async listen(): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error(`outbound server error: ${err.message}`));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : this.options.port;
    this.log.info(`waiting for FreeSWITCH call sockets on ${this.options.host}:${port}`);
    return port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.sessionsSubject.complete();
  }

  private accept(socket: Socket): void {
    const peer = normalisePeer(socket.remoteAddress);
    if (!this.allowed.has(peer)) {
      // One line per address, not per attempt: a scanner must not flood the log.
      if (!this.refusedPeers.has(peer) && this.refusedPeers.size < 1000) {
        this.refusedPeers.add(peer);
        this.log.warn(`refused a call socket from ${peer}: not in outbound.allowedPeers (${[...this.allowed].join(', ')}); further attempts from it are refused silently`);
      }
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', this.forgetSocket);
    // Close as soon as FreeSWITCH says the channel is done (see header comment).
    const conn = new EslConnection(socket, { logger: this.log, commandTimeoutMs: this.options.commandTimeoutMs, readBudget: this.reading, endOnDisconnectNotice: true });
    void this.handshake(conn, peer);
  }

  private async handshake(conn: EslConnection, peer: string): Promise<void> {
    try {
      const reply = await conn.command(cmd.command('connect'));
      const channelData: EslEvent = { name: reply.headers['Event-Name'] ?? 'CHANNEL_DATA', headers: reply.headers, format: 'plain' };
      if (!channelData.headers['Unique-ID']) throw new Error('connect reply carried no Unique-ID');
      await conn.command(cmd.command('myevents'));
      await conn.command(cmd.command('linger'));
      this.sessionsSubject.next(new OutboundSession(conn, channelData, peer));
    } catch (err) {
      // Without `async full` in the dialplan, linger/myevents answer -ERR command not found.
      this.log.error(
        `a FreeSWITCH call socket failed its setup (${(err as Error).message}); is the dialplan using "socket … async full"? The call continues without us (socket_resume)`,
      );
      conn.destroy();
    }
  }
}
