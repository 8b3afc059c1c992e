// Wires the daemon: ESL connections → one merged event stream → call registry (→ later: policies, store, MQTT).

import { Subject, Subscription } from 'rxjs';
import type { CallwardenConfig } from './config';
import { DAEMON_EVENTS } from './esl/event-names';
import type { EslConnection } from './esl/connection';
import { InboundClient } from './esl/inbound-client';
import { OutboundServer, type OutboundSession } from './esl/outbound-server';
import type { Logger } from './logger';
import { startMqtt, type CallPublisher, type MqttHandle } from './mqtt';
import type { CallAnnotations } from './publishers/call-annotations';
import { toCallRow } from './publishers/call-row';
import { toCallView } from './publishers/call-view';
import { runPurge } from './lifecycle/purge';
import { openStore, type Store } from './store';
import { CallRegistry, parseShowChannels, type CallState, type NodeEvent } from './streams';

/** What the daemon does with a call FreeSWITCH hands over; resolves when it is done with it. */
export type SessionHandler = (session: OutboundSession, daemon: Daemon) => Promise<void>;

/**
 * With nothing to decide, give the call straight back: closing the socket lets the
 * dialplan continue (socket_resume=true), so a call never waits on us.
 */
export const resumeDialplan: SessionHandler = async (session) => {
  session.close();
};

/**
 * Routes each call socket by what was dialled: `*98*<ext>` is a supervisor asking to
 * coach (src/coaching/), anything else a call to record by policy (src/calls/).
 */
export function routeSessions(handlers: { calls?: SessionHandler; coaching?: SessionHandler }): SessionHandler {
  return (session, daemon) => {
    const dialled = session.channelData.headers['Caller-Destination-Number'] ?? '';
    const handler = /^\*98\*\d+$/.test(dialled) ? handlers.coaching : handlers.calls;
    return (handler ?? resumeDialplan)(session, daemon);
  };
}

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
  private retentionTimer: NodeJS.Timeout | undefined;
  private readonly activeSessions = new Set<Promise<void>>();
  private readonly annotations = new Map<string, CallAnnotations>();
  /** The last row written per live call, to write only what changed. */
  private readonly rowSignatures = new Map<string, string>();
  outboundPort = 0;
  /** Durable records; open after start(). */
  store!: Store;
  mqtt!: MqttHandle;

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
      keepaliveMs: config.esl.keepaliveMs,
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

  get publisher(): CallPublisher {
    return this.mqtt.publisher;
  }

  async start(): Promise<void> {
    const { store, mqtt } = this.config;
    this.store = await openStore({
      db: { client: store.client, url: store.url || undefined, filename: store.filename, logger: this.log },
      tablePrefix: store.tablePrefix || undefined,
      outboxDir: store.outboxDir,
    });
    this.mqtt = await startMqtt(
      {
        node: this.config.node,
        url: mqtt.url || undefined,
        username: mqtt.username || undefined,
        password: mqtt.password || undefined,
        clientId: mqtt.clientId || undefined,
        reconnectPeriodMs: mqtt.reconnectPeriodMs,
        embedded: mqtt.embedded,
      },
      { logger: this.log },
    );
    this.watchHealth();
    this.subscriptions.add(
      this.registry.calls$.subscribe((update) => {
        if (update.kind === 'updated') this.publishCall(update.call);
        else this.forget(update.call, update.kind === 'ended');
      }),
    );
    this.subscriptions.add(this.registry.attach(this.events));
    this.subscriptions.add(this.inbound.events$.subscribe((event) => this.events.next({ node: this.nodeName, event })));
    this.subscriptions.add(this.inbound.connected$.subscribe((conn) => void this.resync(conn)));
    this.subscriptions.add(this.outbound.sessions$.subscribe((session) => this.accept(session)));
    this.outboundPort = await this.outbound.listen();
    this.inbound.start();
    this.scheduleRetention();
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
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.outbound.close();
    await Promise.allSettled([...this.activeSessions]);
    await this.inbound.stop();
    this.subscriptions.unsubscribe();
    this.registry.dispose();
    await this.mqtt?.close();
    await this.store?.close({ drainTimeoutMs: 5000 });
  }

  /**
   * Recordings are kept for their group's retention period, or until mailed under "do not
   * keep", and then deleted unless on legal hold (src/lifecycle/purge): at start and every
   * lifecycle.purgeIntervalMs; failed deletions are retried on each run.
   */
  private scheduleRetention(): void {
    const run = async () => {
      try {
        const lines = await runPurge({ repository: this.store.repository, storageDir: this.config.recording.directory, now: new Date(), defaultRetentionDays: this.config.recording.retentionDays });
        const deleted = lines.filter((l) => l.outcome === 'deleted').length;
        const failed = lines.filter((l) => l.outcome === 'failed');
        if (deleted > 0 || failed.length > 0) this.log.info(`purge: ${deleted} recording(s) deleted with a receipt, ${failed.length} could not be (retried next run)`);
        for (const f of failed) this.log.warn(`purge: could not delete ${f.filePath} (try ${f.attempts}): ${f.detail}`);
      } catch (err) {
        this.log.warn(`purge skipped (${(err as Error).message}); next try at the next interval`);
      }
    };
    // After the queue has migrated the schema (it does so as soon as the database answers).
    void this.store.queue.ready().then(run, () => undefined);
    this.retentionTimer = setInterval(() => void run(), this.config.lifecycle.purgeIntervalMs);
    this.retentionTimer.unref();
  }

  /** What the policies / coaching know about a call; republishes its view. */
  annotate(callId: string, patch: CallAnnotations): void {
    const before = this.annotations.get(callId) ?? {};
    this.annotations.set(callId, {
      ...before,
      ...patch,
      recording: { ...before.recording, ...patch.recording },
      supervisors: { ...before.supervisors, ...patch.supervisors },
    });
    const call = this.registry.get(callId);
    if (call && !call.ended) this.publishCall(call);
  }

  annotationsOf(callId: string): CallAnnotations {
    return this.annotations.get(callId) ?? {};
  }

  private publishCall(call: CallState): void {
    this.publisher.publishCall(toCallView(call, this.annotations.get(call.callId)));
    this.writeRow(call);
  }

  private forget(call: CallState, ended: boolean): void {
    this.publisher.clearCall(call.callId);
    if (ended) this.writeRow(call);
    this.annotations.delete(call.callId);
    this.rowSignatures.delete(call.callId);
  }

  /** Writes never block a call: they go through the store's durable queue. */
  private writeRow(call: CallState): void {
    // Only the milestones a row is read for (first seen, legs added, answered, agent and
    // group known, ended), not every event: each write is an fsync'd outbox append, and the
    // final row at the end carries every detail anyway.
    const caller = call.legs.find((l) => l.role === 'caller');
    const signature = `${call.legs.length}|${caller?.answered ?? false}|${call.agentExtension ?? ''}|${call.group ?? ''}|${call.ended}`;
    if (this.rowSignatures.get(call.callId) === signature) return;
    this.rowSignatures.set(call.callId, signature);
    this.store.queue.upsertCall(toCallRow(call));
  }

  /** The daemon's health on MQTT (status topic) whenever ESL or the database changes. */
  private watchHealth(): void {
    const publish = () =>
      this.publisher.publishStatus({
        eslConnected: this.inbound.state === 'connected',
        dbHealthy: this.store.queue.status().healthy,
        outboxPending: this.store.queue.status().pending,
      });
    const queue = this.store.queue;
    const dbDown = (err: Error) => this.log.warn(`database unreachable (${err.message}); writes are kept in the outbox until it is back`);
    const dbUp = () => this.log.info(`database reachable again; outbox draining (${queue.status().pending} pending)`);
    queue.on('down', dbDown);
    queue.on('up', dbUp);
    queue.on('down', publish);
    queue.on('up', publish);
    queue.on('drained', publish);
    this.subscriptions.add(this.inbound.state$.subscribe(publish));
    this.subscriptions.add(() => {
      queue.off('down', dbDown);
      queue.off('up', dbUp);
      queue.off('down', publish);
      queue.off('up', publish);
      queue.off('drained', publish);
    });
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
