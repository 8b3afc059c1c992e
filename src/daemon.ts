// Wires the daemon: ESL connections → one merged event stream → call registry (→ later: policies, store, MQTT).

import { Subject, Subscription } from 'rxjs';
import type { CallwardenConfig } from './config';
import { DAEMON_EVENTS } from './esl/event-names';
import type { EslConnection } from './esl/connection';
import { InboundClient } from './esl/inbound-client';
import { OutboundServer, type OutboundSession } from './esl/outbound-server';
import { concernsChannel, printableUuid, verifyOutboundSession } from './esl/verify-outbound-session';
import type { Logger } from './logger';
import { startMqtt, type CallPublisher, type MqttHandle } from './mqtt';
import type { CallAnnotations } from './publishers/call-annotations';
import { toCallRow } from './publishers/call-row';
import { toCallView } from './publishers/call-view';
import { EvidenceKeyring, NO_EVIDENCE_KEY, openStore, purgeExpiredRecordings, type Store } from './store';
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
  /** Wraps what the daemon publishes through (metrics count recording and consent events on their way). */
  readonly wrapPublisher?: (publisher: CallPublisher) => CallPublisher;
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
  /** Channels whose call socket is being handled now: a second socket for one of them is refused. */
  private readonly openSessions = new Map<string, OutboundSession>();
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
      allowedPeers: config.outbound.allowedPeers,
      commandTimeoutMs: config.esl.commandTimeoutMs,
      logger,
    });
    this.registry = new CallRegistry({
      channels: { hangupGraceMs: config.streams.hangupGraceMs },
      onError: (error, message) =>
        this.log.error(`a call's state could not be updated: ${(error as Error).message}`, { callId: message?.uuid }),
    });
  }

  private wrappedPublisher: CallPublisher | undefined;

  get publisher(): CallPublisher {
    return this.wrappedPublisher ?? this.mqtt.publisher;
  }

  async start(): Promise<void> {
    const { store, mqtt, evidence } = this.config;
    const keys = EvidenceKeyring.fromConfig(evidence);
    // One clear line, once: without a key nothing is recorded (calls are still routed).
    if (!keys && evidence.requireKey) this.log.error(NO_EVIDENCE_KEY);
    this.store = await openStore({
      db: { client: store.client, url: store.url || undefined, filename: store.filename, logger: this.log },
      tablePrefix: store.tablePrefix || undefined,
      outboxDir: store.outboxDir,
      evidence: {
        ...(keys ? { keys } : {}),
        requireKey: evidence.requireKey,
        ...(evidence.anchorFile ? { anchorFile: evidence.anchorFile } : {}),
        syslog: evidence.syslog,
      },
      onAnchorError: (err) => this.log.error(`evidence anchor file not written (${err.message}): this chain head is in the database only`),
    });
    if (this.store.anchor && !this.store.anchor.opened.ok) {
      this.log.error(`evidence anchor file ${this.store.anchor.path} is broken (${this.store.anchor.opened.reason}); appending after it, run \`callwarden evidence --all\``);
    }
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
    if (this.options.wrapPublisher) this.wrappedPublisher = this.options.wrapPublisher(this.mqtt.publisher);
    this.watchHealth();
    this.subscriptions.add(
      this.registry.calls$.subscribe((update) => {
        if (update.kind === 'updated') this.publishCall(update.call);
        else this.forget(update.call, update.kind === 'ended');
      }),
    );
    this.subscriptions.add(this.registry.attach(this.events));
    // Presence probes are for the recording lamp (src/agent), never a channel's event.
    this.subscriptions.add(this.inbound.events$.subscribe((event) => event.name !== 'PRESENCE_PROBE' && this.events.next({ node: this.nodeName, event })));
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
   * Recordings are kept for their retention period and then deleted (file removed, row kept
   * as `deleted` for the audit trail): at start and every hour.
   */
  private scheduleRetention(): void {
    const run = async () => {
      try {
        const result = await purgeExpiredRecordings({ repository: this.store.repository, storageDir: this.config.recording.directory });
        if (result.deleted.length > 0 || result.failed.length > 0) {
          this.log.info(`retention: ${result.deleted.length} recording(s) past their retention date deleted, ${result.failed.length} could not be`);
        }
        for (const f of result.failed) this.log.warn(`retention: could not delete ${f.filePath}: ${f.error}`);
      } catch (err) {
        this.log.warn(`retention check skipped (${(err as Error).message}); next try in an hour`);
      }
    };
    // After the queue has migrated the schema (it does so as soon as the database answers).
    void this.store.queue.ready().then(run, () => undefined);
    this.retentionTimer = setInterval(() => void run(), 3_600_000);
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
    // Every ended call gets evidence (a "not handled" row if nobody wrote any) and its head anchored.
    if (ended) {
      try {
        this.store.queue.closeEvidence(call.callId);
      } catch (err) {
        this.log.error(`evidence of the ended call not closed (${(err as Error).message})`, { callId: call.callId });
      }
    }
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
        recordingBlocked: this.store.queue.status().recordingBlocked,
      });
    const queue = this.store.queue;
    const dbDown = (err: Error) => this.log.warn(`database unreachable (${err.message}); writes are kept in the outbox until it is back`);
    const dbUp = () => this.log.info(`database reachable again; outbox draining (${queue.status().pending} pending)`);
    const gate = (reason: string | null) =>
      reason === null ? this.log.info('recordings may start again: the outbox takes writes') : this.log.error(`no new recording starts: ${reason}`);
    queue.on('gate', gate);
    queue.on('gate', publish);
    queue.on('down', dbDown);
    queue.on('up', dbUp);
    queue.on('down', publish);
    queue.on('up', publish);
    queue.on('drained', publish);
    this.subscriptions.add(this.inbound.state$.subscribe(publish));
    this.subscriptions.add(() => {
      queue.off('gate', gate);
      queue.off('gate', publish);
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

  /**
   * A call socket is believed only once the inbound connection confirms its channel
   * (verifyOutboundSession); until then nothing it says reaches the call table, the store or
   * a policy. A refused socket is closed: with socket_resume the dialplan goes on unrecorded.
   */
  private accept(session: OutboundSession): void {
    const uuid = session.uuid;
    if (this.openSessions.has(uuid)) {
      this.refuse(session, 'its channel already has a call socket being handled');
      return;
    }
    this.openSessions.set(uuid, session);
    const release = (): void => {
      if (this.openSessions.get(uuid) === session) this.openSessions.delete(uuid);
    };
    void session.connection.closed.then(release);
    const verified = verifyOutboundSession(session.channelData, (command) => this.inbound.api(command)).then(
      (verdict) => verdict,
      (err: Error) => ({ ok: false as const, reason: err.message }),
    );
    const run = verified
      .then((verdict) => {
        if (!verdict.ok) {
          this.refuse(session, verdict.reason);
          return;
        }
        return this.follow(session);
      })
      .finally(() => {
        this.activeSessions.delete(run);
        // Handed back (or refused): the channel is no longer ours through a socket.
        release();
      });
    this.activeSessions.add(run);
  }

  private refuse(session: OutboundSession, reason: string): void {
    this.log.warn(`refused a call socket from ${session.peer} claiming channel ${printableUuid(session.uuid)}: ${reason}; closed, nothing recorded`);
    session.connection.destroy();
  }

  private follow(session: OutboundSession): Promise<void> {
    const uuid = session.uuid;
    // The connect reply is the channel's data (its own Event-Sequence): the earliest place
    // the dialplan's callwarden_* variables appear.
    this.events.next({ node: this.nodeName, event: { ...session.channelData, name: 'CHANNEL_DATA' } });
    let foreign = 0;
    const sub = session.events$.subscribe((event) => {
      if (concernsChannel(event, uuid)) this.events.next({ node: this.nodeName, event });
      else if (foreign++ === 0) this.log.warn(`a call socket from ${session.peer} sent an event of another channel; dropped, as are any further ones`, { callId: uuid });
    });
    void session.connection.closed.then(() => sub.unsubscribe());
    return this.onSession(session, this)
      .catch((err: Error) => {
        this.log.error(`call handling failed: ${err.message}; the call goes on without us`, { callId: session.uuid });
        session.close();
      });
  }
}
