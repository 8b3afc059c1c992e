// Wires the daemon: ESL connections → one merged event stream → call registry (→ later: policies, store, MQTT).

import { Subject, Subscription } from 'rxjs';
import type { CallwardenConfig } from './config';
import { DAEMON_EVENTS } from './esl/event-names';
import type { EslConnection } from './esl/connection';
import { InboundClient } from './esl/inbound-client';
import { OutboundServer, type OutboundSession } from './esl/outbound-server';
import type { Logger } from './logger';
import { CallRegistry, parseShowChannels, type NodeEvent } from './streams';

/** What the daemon does with a call FreeSWITCH hands over; resolves when it is done with it. */
export type SessionHandler = (session: OutboundSession, daemon: Daemon) => Promise<void>;

/**
 * With nothing to decide, give the call straight back: closing the socket lets the
 * dialplan continue (socket_resume=true), so a call never waits on us.
 */
export const resumeDialplan: SessionHandler = async (session) => {
  session.close();
};

export interface DaemonOptions {
  readonly onSession?: SessionHandler;
  /** How often the call table is checked against `show channels as json` (0 = only after connects). */
  readonly resyncIntervalMs?: number;
}

export class Daemon {
  readonly inbound: InboundClient;
  readonly outbound: OutboundServer;
  readonly registry: CallRegistry;
  /** The FreeSWITCH node's name in NodeEvent tags (one node per daemon for now). */
  readonly nodeName: string;
  private readonly events = new Subject<NodeEvent>();
  private readonly subscriptions = new Subscription();
  private readonly log: Logger;
  private readonly onSession: SessionHandler;
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly activeSessions = new Set<Promise<void>>();
  outboundPort = 0;

  constructor(
    readonly config: CallwardenConfig,
    logger: Logger,
    private readonly options: DaemonOptions = {},
  ) {
    this.log = logger.child({ module: 'daemon' });
    this.nodeName = `${config.esl.host}:${config.esl.port}`;
    this.onSession = options.onSession ?? resumeDialplan;
    this.inbound = new InboundClient({
      host: config.esl.host,
      port: config.esl.port,
      password: config.esl.password,
      events: DAEMON_EVENTS,
      format: config.esl.format,
      commandTimeoutMs: config.esl.commandTimeoutMs,
      connectTimeoutMs: config.esl.connectTimeoutMs,
      backoff: config.esl.reconnect,
      logger,
    });
    this.outbound = new OutboundServer({
      host: config.outbound.host,
      port: config.outbound.port,
      commandTimeoutMs: config.esl.commandTimeoutMs,
      logger,
    });
    this.registry = new CallRegistry({
      channels: { hangupGraceMs: config.streams.hangupGraceMs },
      onError: (error, message) =>
        this.log.error(`a call's state could not be updated: ${(error as Error).message}`, { callId: message?.uuid }),
    });
  }

  async start(): Promise<void> {
    this.subscriptions.add(this.registry.attach(this.events));
    this.subscriptions.add(this.inbound.events$.subscribe((event) => this.events.next({ node: this.nodeName, event })));
    this.subscriptions.add(this.inbound.connected$.subscribe((conn) => void this.resync(conn)));
    this.subscriptions.add(this.outbound.sessions$.subscribe((session) => this.accept(session)));
    this.outboundPort = await this.outbound.listen();
    this.inbound.start();
    const every = this.options.resyncIntervalMs ?? 60_000;
    if (every > 0) {
      this.resyncTimer = setInterval(() => {
        if (this.inbound.state === 'connected') void this.inbound.ready().then((conn) => this.resync(conn));
      }, every);
      this.resyncTimer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await this.outbound.close();
    await Promise.allSettled([...this.activeSessions]);
    await this.inbound.stop();
    this.subscriptions.unsubscribe();
    this.registry.dispose();
  }

  /**
   * ESL cannot replay what we missed while away: rebuild the live call table from
   * FreeSWITCH's own list instead. `mark()` before the request lets the registry tell
   * which of its calls the snapshot could not have seen yet.
   */
  private async resync(conn: EslConnection): Promise<void> {
    const mark = this.registry.mark();
    try {
      const body = await conn.api('show channels as json');
      const rows = parseShowChannels(body);
      this.registry.resync(this.nodeName, rows, mark);
      this.log.info(`call table rebuilt from FreeSWITCH: ${rows.length} channel(s), ${this.registry.size} call(s)`);
    } catch (err) {
      this.log.warn(`could not rebuild the call table (${(err as Error).message}); will retry`);
    }
  }

  private accept(session: OutboundSession): void {
    // The connect reply is the channel's data (its own Event-Sequence): the earliest place
    // the dialplan's callwarden_* variables appear.
    this.events.next({ node: this.nodeName, event: { ...session.channelData, name: 'CHANNEL_DATA' } });
    const sub = session.events$.subscribe((event) => this.events.next({ node: this.nodeName, event }));
    const run = this.onSession(session, this)
      .catch((err: Error) => {
        this.log.error(`call handling failed: ${err.message}; the call goes on without us`, { callId: session.uuid });
        session.close();
      })
      .finally(() => {
        this.activeSessions.delete(run);
      });
    this.activeSessions.add(run);
    void session.connection.closed.then(() => sub.unsubscribe());
  }
}
