// Wires the daemon: ESL connections → one merged event stream → call registry (→ later: policies, store, MQTT).

import { merge, Subject, Subscription, type Observable } from 'rxjs';
import { closeStaleCalls } from './calls/close-stale-calls';
import type { CallwardenConfig } from './config';
import { DAEMON_EVENTS } from './esl/event-names';
import type { EslConnection } from './esl/connection';
import type { EslEvent } from './esl/frame';
import { EslUnknownNodeError } from './esl/errors';
import { eslNodesOf } from './esl/esl-nodes';
import { InboundClient } from './esl/inbound-client';
import { OutboundServer, type OutboundSession } from './esl/outbound-server';
import { concernsChannel, printableUuid, verifyOutboundSession } from './esl/verify-outbound-session';
import type { Logger } from './logger';
import { startMqtt, type CallPublisher, type MqttHandle } from './mqtt';
import type { CallAnnotations } from './publishers/call-annotations';
import { guarded, installRxGuard, reportDropped } from './rx-guard';
import { toCallRow } from './publishers/call-row';
import { toCallView } from './publishers/call-view';
import { runPurge, type PurgeLine } from './lifecycle/purge';
import { EvidenceKeyring, NO_EVIDENCE_KEY, openStore, type Store } from './store';
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
  /**
   * Told each purge pass's result (metrics count them). An option, not a stream to subscribe
   * to after start(): the first pass runs as soon as the database answers and must not be
   * missed. A throw here is logged and goes no further.
   */
  readonly onPurge?: (run: PurgeRun) => void;
  /** The purge's clock (tests set it; default the system clock). */
  readonly now?: () => Date;
}

/** One purge pass as the daemon ran it: at its clock's time, the purge's lines, or why it could not run. */
export interface PurgeRun {
  readonly at: Date;
  readonly lines: readonly PurgeLine[];
  /** Set when the pass did not run (the database did not answer); lines is then empty. */
  readonly error?: string;
}

/**
 * One FreeSWITCH node this daemon controls: its own authenticated inbound connection, and the
 * Core-UUID of the FreeSWITCH run behind it (what a call socket from it shows in its channel data).
 */
export interface EslNode {
  /** The daemon's name for it (config `esl.nodes[].name`): the NodeEvent tag, CallState.node.name. */
  readonly name: string;
  readonly inbound: InboundClient;
  /** Learned on each connect (`global_getvar core_uuid`), only when the daemon has several nodes; undefined until then. */
  readonly coreUuid: string | undefined;
}

interface NodeSlot {
  readonly name: string;
  readonly inbound: InboundClient;
  coreUuid: string | undefined;
  closingStale: boolean;
  /** The latest resync's closing, if one came while a pass was running: it runs next (older ones are moot). */
  nextClosing: (() => Promise<void>) | undefined;
  /** FreeSWITCH's hostname(s) as the last resync saw them (the calls rows' `node`). */
  hostnames: ReadonlySet<string>;
  warnedSharedHostname: boolean;
}

const CORE_UUID_RE = /^[A-Za-z0-9-]{8,64}$/;

export class Daemon {
  /** The first node's inbound connection, where one node is implied (a single-node daemon's only one). */
  readonly inbound: InboundClient;
  /** Every node, in config order (the first is `inbound`'s). */
  readonly nodes: readonly EslNode[];
  readonly outbound: OutboundServer;
  readonly registry: CallRegistry;
  /** The first node's name (a single-node daemon's only one). */
  readonly nodeName: string;
  private readonly slots: readonly NodeSlot[];
  private readonly slotsByName: ReadonlyMap<string, NodeSlot>;
  /** The node each accepted call socket was attributed to. */
  private readonly sessionNodes = new WeakMap<OutboundSession, NodeSlot>();
  private readonly events = new Subject<NodeEvent>();
  private readonly subscriptions = new Subscription();
  private readonly log: Logger;
  private readonly onSession: SessionHandler;
  private resyncTimer: NodeJS.Timeout | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private purging: Promise<PurgeRun> | undefined;
  private readonly activeSessions = new Set<Promise<void>>();
  /** Channels whose call socket is being handled now: a second socket for one of them is refused. */
  private readonly openSessions = new Map<string, OutboundSession>();
  private readonly annotations = new Map<string, CallAnnotations>();
  /** The last row written per live call, to write only what changed. */
  private readonly rowSignatures = new Map<string, string>();
  /** Calls this run has had in its table (bounded), with their node: their own controllers finish their rows, and commands still find the node after the call left the table. */
  private readonly watchedCalls = new Map<string, string>();
  /** A call absorbed into another (a supervisor's `*98*` call) → the call it joined; see endAbsorbed. */
  private readonly absorbedInto = new Map<string, string>();
  private uninstallRxGuard: (() => void) | undefined;
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
    this.onSession = options.onSession ?? resumeDialplan;
    this.slots = eslNodesOf(config.esl).map((node) => ({
      name: node.name,
      inbound: new InboundClient({
        host: node.host,
        port: node.port,
        password: node.password,
        events: DAEMON_EVENTS,
        format: config.esl.format,
        commandTimeoutMs: config.esl.commandTimeoutMs,
        connectTimeoutMs: config.esl.connectTimeoutMs,
        keepaliveMs: config.esl.keepaliveMs,
        backoff: config.esl.reconnect,
        logger: logger.child({ eslNode: node.name }),
      }),
      coreUuid: undefined,
      closingStale: false,
      nextClosing: undefined,
      hostnames: new Set<string>(),
      warnedSharedHostname: false,
    }));
    this.slotsByName = new Map(this.slots.map((s) => [s.name, s]));
    this.nodes = this.slots;
    const first = this.slots[0]!;
    this.inbound = first.inbound;
    this.nodeName = first.name;
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
      onPipelineError: (error, restarts, gaveUp) =>
        gaveUp
          ? this.log.error(`the call-tracking pipeline keeps failing at once (${(error as Error).message}); its event source is broken, calls are no longer tracked`)
          : this.log.error(`the call-tracking pipeline failed (${(error as Error).message}); re-attached (restart ${restarts}), calls go on being tracked`),
    });
  }

  private wrappedPublisher: CallPublisher | undefined;

  get publisher(): CallPublisher {
    return this.wrappedPublisher ?? this.mqtt.publisher;
  }

  async start(): Promise<void> {
    // Before anything subscribes: whatever a handler throws is logged, never rethrown.
    this.uninstallRxGuard = installRxGuard(this.log);
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
      this.registry.calls$.subscribe(
        guarded(
          this.log,
          'publishing a call update',
          (update) => {
            this.watch(update.call);
            if (update.kind === 'updated') this.publishCall(update.call);
            else this.forget(update.call, update.kind === 'ended');
            if (update.kind === 'absorbed') this.absorbedInto.set(update.call.callId, update.into);
            else this.endAbsorbed(update.call);
          },
          (update) => update.call.callId,
        ),
      ),
    );
    this.subscriptions.add(this.registry.attach(this.events));
    for (const slot of this.slots) {
      // Each node's events are tagged with that node: its calls' commands go back to it.
      // Presence probes are for the recording lamp (src/agent), never a channel's event.
      this.subscriptions.add(
        slot.inbound.events$.subscribe(
          guarded(this.log, 'taking an inbound event', (event) => event.name !== 'PRESENCE_PROBE' && this.events.next({ node: slot.name, event }), eventCallId),
        ),
      );
      this.subscriptions.add(slot.inbound.connected$.subscribe(guarded(this.log, 'rebuilding the call table', (conn) => void this.connected(slot, conn))));
    }
    this.subscriptions.add(this.outbound.sessions$.subscribe(guarded(this.log, 'accepting a call socket', (session) => this.accept(session), (session) => session.uuid)));
    this.outboundPort = await this.outbound.listen();
    for (const slot of this.slots) slot.inbound.start();
    this.scheduleRetention();
    const every = this.options.resyncIntervalMs ?? 60_000;
    if (every > 0) {
      this.resyncTimer = setInterval(() => {
        for (const slot of this.slots) {
          if (slot.inbound.state === 'connected') void slot.inbound.ready().then((conn) => this.resync(slot, conn));
        }
      }, every);
      this.resyncTimer.unref();
    }
  }

  /** The inbound connection of the node the daemon calls `name`; undefined for a node it does not have. */
  inboundOf(name: string): InboundClient | undefined {
    return this.slotsByName.get(name)?.inbound;
  }

  /** Every node's inbound events, merged (each node's digits, probes … for whoever needs them all). */
  get inboundEvents$(): Observable<EslEvent> {
    return merge(...this.slots.map((s) => s.inbound.events$));
  }

  /** The node an accepted call socket was attributed to (its channel lives there). */
  nodeOfSession(session: OutboundSession): string | undefined {
    return this.sessionNodes.get(session)?.name;
  }

  /**
   * The node that owns a call or leg: from the live table, else from the calls this run has
   * seen (a stop after the call left the table); with one node, that node. undefined: unknown.
   */
  nodeOfCall(callId: string): string | undefined {
    const known = this.registry.get(callId)?.node.name ?? this.registry.byLeg(callId)?.node.name ?? this.watchedCalls.get(callId);
    if (known !== undefined && this.slotsByName.has(known)) return known;
    return this.slots.length === 1 ? this.nodeName : undefined;
  }

  /**
   * `api` on the inbound connection of the node that owns the call: a channel exists on one
   * FreeSWITCH only, and a command is never sent to a guessed node (EslUnknownNodeError).
   */
  apiForCall(callId: string, command: string, timeoutMs?: number): Promise<string> {
    const node = this.nodeOfCall(callId);
    const inbound = node === undefined ? undefined : this.inboundOf(node);
    if (inbound === undefined) return Promise.reject(new EslUnknownNodeError(`the FreeSWITCH node of call ${printableUuid(callId)} is not known; not sent`));
    return inbound.api(command, timeoutMs);
  }

  /** Rebuilds the call table of one node (default: every node) from FreeSWITCH now, as after a reconnect. */
  async resyncNow(node?: string): Promise<void> {
    const slots = node === undefined ? this.slots : this.slots.filter((s) => s.name === node);
    await Promise.all(slots.map(async (slot) => this.resync(slot, await slot.inbound.ready())));
  }

  /** Whether ESL is up: every node connected, and with several nodes each node's state. */
  eslHealth(): { eslConnected: boolean; eslNodes?: Record<string, boolean> } {
    const eslConnected = this.slots.every((s) => s.inbound.state === 'connected');
    if (this.slots.length === 1) return { eslConnected };
    return { eslConnected, eslNodes: Object.fromEntries(this.slots.map((s) => [s.name, s.inbound.state === 'connected'])) };
  }

  async stop(): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.outbound.close();
    await Promise.allSettled([...this.activeSessions]);
    await Promise.all(this.slots.map((s) => s.inbound.stop()));
    this.subscriptions.unsubscribe();
    this.registry.dispose();
    await this.mqtt?.close();
    await this.store?.close({ drainTimeoutMs: 5000 });
    this.uninstallRxGuard?.();
    this.uninstallRxGuard = undefined;
  }

  /**
   * Recordings are kept for their group's retention period, or until mailed under "do not
   * keep", and then deleted unless on legal hold (src/lifecycle/purge): at start and every
   * lifecycle.purgeIntervalMs; failed deletions are retried on each run.
   */
  private scheduleRetention(): void {
    // After the queue has migrated the schema (it does so as soon as the database answers).
    void this.store.queue.ready().then(() => this.purgeNow(), () => undefined);
    this.retentionTimer = setInterval(() => void this.purgeNow(), this.config.lifecycle.purgeIntervalMs);
    this.retentionTimer.unref();
  }

  /**
   * Runs the purge now (the timer does so every lifecycle.purgeIntervalMs). One pass at a
   * time: a call while a pass runs gets that pass — two passes over the same due rows would
   * write two receipts for one deletion. Never rejects.
   */
  purgeNow(): Promise<PurgeRun> {
    this.purging ??= this.purge().finally(() => {
      this.purging = undefined;
    });
    return this.purging;
  }

  private async purge(): Promise<PurgeRun> {
    const at = this.options.now?.() ?? new Date();
    let run: PurgeRun;
    try {
      const lines = await runPurge({ repository: this.store.repository, storageDir: this.config.recording.directory, now: at, defaultRetentionDays: this.config.recording.retentionDays });
      const deleted = lines.filter((l) => l.outcome === 'deleted').length;
      const failed = lines.filter((l) => l.outcome === 'failed');
      if (deleted > 0 || failed.length > 0) this.log.info(`purge: ${deleted} recording(s) deleted with a receipt, ${failed.length} could not be (retried next run)`);
      for (const f of failed) this.log.warn(`purge: could not delete ${f.filePath} (try ${f.attempts}): ${f.detail}`);
      run = { at, lines };
    } catch (err) {
      this.log.warn(`purge skipped (${(err as Error).message}); next try at the next interval`);
      run = { at, lines: [], error: (err as Error).message };
    }
    try {
      this.options.onPurge?.(run);
    } catch (err) {
      this.log.warn(`purge observer failed (${(err as Error).message}); the purge is not affected`);
    }
    return run;
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

  /** Bounded: only calls that ended recently matter (their controllers may still be checking files). */
  private watch(call: CallState): void {
    if (this.watchedCalls.has(call.callId)) return;
    this.watchedCalls.set(call.callId, call.node.name);
    if (this.watchedCalls.size > 20_000) this.watchedCalls.delete(this.watchedCalls.keys().next().value as string);
  }

  /**
   * A supervisor's `*98*` call is its own call until its eavesdrop names the target, then it
   * is absorbed into that call (its leg lives on there) and no 'ended' ever comes for its
   * own id. Its row is closed when that leg hangs up, with the leg's own time and cause.
   */
  private endAbsorbed(call: CallState): void {
    if (this.absorbedInto.size === 0) return;
    for (const leg of call.legs) {
      if (this.absorbedInto.get(leg.uuid) !== call.callId || !(leg.hungup || call.ended)) continue;
      this.absorbedInto.delete(leg.uuid);
      const at = leg.hungupAt ?? leg.hangupCompleteAt ?? leg.destroyedAt ?? call.endedAt;
      this.store.queue.upsertCall({
        callId: leg.uuid,
        endedAt: at === undefined ? null : new Date(Math.floor(at / 1000)).toISOString(),
        hangupCause: leg.hangupCause ?? null,
      });
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
        ...this.eslHealth(),
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
    for (const slot of this.slots) this.subscriptions.add(slot.inbound.state$.subscribe(guarded(this.log, 'publishing the daemon status', publish)));
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
  private async connected(slot: NodeSlot, conn: EslConnection): Promise<void> {
    // With several nodes, a call socket is attributed by the Core-UUID in its channel data:
    // learn this node's on every connect (a restarted FreeSWITCH has a new one).
    if (this.slots.length > 1) {
      slot.coreUuid = undefined;
      const reply = (await conn.api('global_getvar core_uuid').catch(() => '')).trim();
      if (CORE_UUID_RE.test(reply)) slot.coreUuid = reply;
      else this.log.warn(`node ${slot.name}: FreeSWITCH did not tell its core_uuid; its call sockets cannot be attributed until it reconnects (they go on unrecorded)`);
      this.coreUuidKnown.next();
    }
    await this.resync(slot, conn);
  }

  /** Emits when a node's Core-UUID was (re)learned (tests and start-up waits; see nodesReady). */
  private readonly coreUuidKnown = new Subject<void>();

  /** Resolves once every node is connected and, with several nodes, its Core-UUID is known: call sockets can be attributed. */
  async nodesReady(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.inbound.ready()));
    if (this.slots.length === 1) return;
    while (this.slots.some((s) => s.coreUuid === undefined)) {
      await new Promise<void>((resolve) => {
        const sub = this.coreUuidKnown.subscribe(() => {
          sub.unsubscribe();
          resolve();
        });
      });
    }
  }

  private async resync(slot: NodeSlot, conn: EslConnection): Promise<void> {
    const mark = this.registry.mark();
    const snapshotAt = new Date().toISOString();
    let rows: ReturnType<typeof parseShowChannels>;
    const goneNow = new Set<string>();
    try {
      const body = await conn.api('show channels as json');
      rows = parseShowChannels(body);
      const gone = this.registry.calls$.subscribe((u) => u.kind === 'ended' && goneNow.add(u.call.callId));
      try {
        this.registry.resync(slot.name, rows, mark);
      } finally {
        gone.unsubscribe();
      }
      this.log.info(`call table rebuilt from FreeSWITCH${this.slots.length > 1 ? ` node ${slot.name}` : ''}: ${rows.length} channel(s), ${this.registry.size} call(s)`);
    } catch (err) {
      this.log.warn(`could not rebuild the call table${this.slots.length > 1 ? ` of node ${slot.name}` : ''} (${(err as Error).message}); will retry`);
      return;
    }
    // Only after a successful resync: the snapshot is what FreeSWITCH has now.
    void this.closeStale(slot, conn, rows, snapshotAt, goneNow);
  }

  /** See src/calls/close-stale-calls.ts. One pass at a time; a failed pass is retried at the next resync. */
  private async closeStale(slot: NodeSlot, conn: EslConnection, rows: ReturnType<typeof parseShowChannels>, snapshotAt: string, goneNow: ReadonlySet<string>): Promise<void> {
    if (slot.closingStale) {
      slot.nextClosing = () => this.closeStale(slot, conn, rows, snapshotAt, goneNow);
      return;
    }
    slot.closingStale = true;
    try {
      const present = new Set<string>();
      for (const r of rows) {
        present.add(r.uuid);
        if (typeof r.call_uuid === 'string' && r.call_uuid !== '') present.add(r.call_uuid);
      }
      // The rows' `node` is FreeSWITCH's hostname. A row that fell back to this daemon's
      // connection name (no hostname ever seen) is ambiguous — another daemon's local
      // FreeSWITCH has the same 127.0.0.1:8021 — so it is never closed here.
      const nodes = new Set<string>();
      for (const r of rows) if (typeof r.hostname === 'string' && r.hostname !== '') nodes.add(r.hostname.slice(0, 128));
      // Only this node's: another node's snapshot says nothing about its calls.
      for (const call of this.registry.list()) if (call.node.hostname && call.node.name === slot.name) nodes.add(call.node.hostname);
      const hostname = (await conn.api('hostname').catch(() => '')).trim();
      if (/^[A-Za-z0-9._-]{1,128}$/.test(hostname)) nodes.add(hostname);
      slot.hostnames = nodes;
      // Rows name FreeSWITCH by hostname: two nodes with one hostname cannot tell their rows
      // apart, and one's snapshot would close the other's live calls. Nothing is closed then.
      const shared = this.slots.filter((other) => other !== slot && [...nodes].some((h) => other.hostnames.has(h)));
      if (shared.length > 0) {
        if (!slot.warnedSharedHostname) this.log.warn(`node ${slot.name} has the same FreeSWITCH hostname as ${shared.map((o) => o.name).join(', ')}; calls that ended while away are not closed for it (give each FreeSWITCH its own hostname)`);
        slot.warnedSharedHostname = true;
        return;
      }
      const queue = this.store.queue;
      await queue.ready();
      // Writes of earlier runs still in the outbox land first (a real end must win).
      await queue.drained();
      const result = await closeStaleCalls({
        repository: this.store.repository,
        queue,
        nodes: [...nodes],
        live: (uuid) => present.has(uuid) || this.registry.get(uuid) !== undefined || this.registry.byLeg(uuid) !== undefined,
        watched: (callId) => this.watchedCalls.has(callId),
        goneNow,
        snapshotAt,
        recording: this.config.recording,
        logger: this.log,
      });
      if (result.calls + result.recordings > 0) {
        this.log.info(`closed ${result.calls} call(s) and ${result.recordings} recording(s) that ended while callwarden was away`);
      }
    } catch (err) {
      this.log.warn(`could not close calls that ended while callwarden was away (${(err as Error).message}); will retry at the next resync`);
    } finally {
      slot.closingStale = false;
      const next = slot.nextClosing;
      slot.nextClosing = undefined;
      if (next) void next();
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
    const slot = this.attribute(session);
    if (typeof slot === 'string') {
      this.refuse(session, slot);
      return;
    }
    this.openSessions.set(uuid, session);
    const release = (): void => {
      if (this.openSessions.get(uuid) === session) this.openSessions.delete(uuid);
    };
    void session.connection.closed.then(release);
    // Asked of the attributed node only: a socket that names another node's Core-UUID than its
    // channel's is refused there (no such channel), so it never reaches another node's channels.
    const verified = verifyOutboundSession(session.channelData, (command) => slot.inbound.api(command)).then(
      (verdict) => verdict,
      (err: Error) => ({ ok: false as const, reason: err.message }),
    );
    const run = verified
      .then((verdict) => {
        if (!verdict.ok) {
          this.refuse(session, verdict.reason);
          return;
        }
        this.sessionNodes.set(session, slot);
        return this.follow(session, slot);
      })
      .finally(() => {
        this.activeSessions.delete(run);
        // Handed back (or refused): the channel is no longer ours through a socket.
        release();
      });
    this.activeSessions.add(run);
  }

  /**
   * The node a call socket comes from. One node: that one (the token check proves the rest).
   * Several: the node whose inbound connection reported the Core-UUID the socket's channel data
   * shows (FreeSWITCH puts its run's Core-UUID on every event, the connect reply included);
   * several nodes share one outbound port and may share an address, so the peer alone cannot
   * tell them apart. A string: why none can be chosen (the socket is refused, the dialplan goes on).
   */
  private attribute(session: OutboundSession): NodeSlot | string {
    if (this.slots.length === 1) return this.slots[0]!;
    const claimed = session.channelData.headers['Core-UUID'] ?? '';
    if (!CORE_UUID_RE.test(claimed)) return 'its channel data carries no usable Core-UUID, so its FreeSWITCH node cannot be told';
    const matches = this.slots.filter((s) => s.coreUuid === claimed);
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) return `nodes ${matches.map((m) => m.name).join(', ')} report the same Core-UUID (one FreeSWITCH configured twice?); cannot tell which owns the channel`;
    return 'its Core-UUID is none of the connected nodes\' (a node not configured, or one whose inbound connection is down)';
  }

  private refuse(session: OutboundSession, reason: string): void {
    this.log.warn(`refused a call socket from ${session.peer} claiming channel ${printableUuid(session.uuid)}: ${reason}; closed, nothing recorded`);
    session.connection.destroy();
  }

  private follow(session: OutboundSession, slot: NodeSlot): Promise<void> {
    const uuid = session.uuid;
    // The connect reply is the channel's data (its own Event-Sequence): the earliest place
    // the dialplan's callwarden_* variables appear.
    this.events.next({ node: slot.name, event: { ...(session.takeConnectEvent() ?? session.channelData), name: 'CHANNEL_DATA' } });
    let foreign = 0;
    // The socket's sink, not a subscription to its events$: a function per live call instead
    // of a Subject and a subscriber chain (issue 12: heap per live call). Dropped at close.
    // Guarded by hand (as guarded() does): one closure per live call, not three.
    session.connection.eventSink = (event) => {
      try {
        if (concernsChannel(event, uuid)) this.events.next({ node: slot.name, event });
        else if (foreign++ === 0) this.log.warn(`a call socket from ${session.peer} sent an event of another channel; dropped, as are any further ones`, { callId: uuid });
      } catch (error) {
        reportDropped(this.log, 'taking a call socket event', error, uuid);
      }
    };
    return this.onSession(session, this)
      .catch((err: Error) => {
        this.log.error(`call handling failed: ${err.message}; the call goes on without us`, { callId: session.uuid });
        session.close();
      });
  }
}

/** The call an event belongs to, for log lines (its leg's Unique-ID). */
function eventCallId(event: EslEvent): string | undefined {
  return event.headers['Unique-ID'];
}
