// Publishes call states (retained), call events and daemon status to one MQTT broker, QoS 1, in order.

import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { logger as rootLogger, type Logger } from '../logger';
import type { AgentView, CallEventInput, CallEventKind, CallPublisher, CallView, DaemonHealth } from './call-view';
import { nodeTopics, type NodeTopics } from './mqtt-topics';
import { agentPayload, callPayload, contentKey, eventPayload, statusPayload, type StatusFields } from './mqtt-payloads';
import { OrderedPublishQueue } from './ordered-publish-queue';
import { redactUrl } from './mqtt-options';
import { sweepStaleCalls } from './stale-call-sweep';

export interface MqttPublisherOptions {
  /** Broker URL; may carry user:password, which never reaches a log line. */
  url: string;
  node: string;
  username?: string;
  password?: string;
  /** Default callwarden-<node>. */
  clientId?: string;
  /** Default 1000. mqtt.js retries forever at this period. */
  reconnectPeriodMs?: number;
  /** Default 10000. */
  connectTimeoutMs?: number;
  /** Default 30; also how fast the broker notices a dead daemon and sends the Last Will (1.5×). */
  keepaliveSec?: number;
  /** Default 50000 messages kept while the broker is away. */
  maxQueued?: number;
  /** Default 100 unacknowledged messages handed to mqtt.js. */
  maxInFlight?: number;
  /** Default true: on close(), clear the retained state of calls still live (nobody will end them). */
  clearCallsOnClose?: boolean;
  /** Default 5000: how long close() waits for the broker to take the last messages. */
  closeTimeoutMs?: number;
  /** Default 5000: after each connect, how long to look for stale retained calls to clear; 0 = never. */
  staleCallSweepMs?: number;
  logger?: Logger;
  now?: () => Date;
  /** Replaces mqtt.connect (tests reach the socket through it). */
  connect?: (url: string, options: IClientOptions) => MqttClient;
}

/** Call ids already ended, so a late update cannot resurrect a cleared (ghost) call; bounded. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly limit: number) {}
  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value as string);
  }
  has(id: string): boolean {
    return this.ids.has(id);
  }
}

export class MqttPublisher implements CallPublisher {
  readonly topics: NodeTopics;
  readonly clientId: string;
  private readonly client: MqttClient;
  private readonly queue: OrderedPublishQueue;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly startedAt: string;
  /** Topic → content key of every live call's last published state (dedupe, and clear on close). */
  private readonly liveCalls = new Map<string, string>();
  private readonly ended = new RecentIds(10_000);
  /** Topic → content key of every agent state published by this process (dedupe, and clear on close). */
  private readonly liveAgents = new Map<string, string>();
  private stopAgentSweep: (() => void) | null = null;
  private health: DaemonHealth | null = null;
  private lastStatusKey: string | null = null;
  private seq = 0;
  private connects = 0;
  private outage = false;
  private closing: Promise<void> | null = null;
  private connectWaiters: Array<() => void> = [];
  private stopSweep: (() => void) | null = null;

  constructor(private readonly options: MqttPublisherOptions) {
    this.topics = nodeTopics(options.node);
    this.clientId = options.clientId ?? `callwarden-${options.node}`;
    this.log = (options.logger ?? rootLogger).child({ module: 'mqtt' });
    this.now = options.now ?? (() => new Date());
    this.startedAt = this.now().toISOString();
    const will = statusPayload(this.statusFields('offline', 'connection-lost'), null);
    const clientOptions: IClientOptions = {
      clientId: this.clientId,
      username: options.username,
      password: options.password,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: options.reconnectPeriodMs ?? 1000,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      keepalive: options.keepaliveSec ?? 30,
      queueQoSZero: false,
      // Our only subscription is the short stale-call sweep, started anew on each connect.
      resubscribe: false,
      will: { topic: this.topics.status, payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
    };
    this.client = (options.connect ?? mqtt.connect)(options.url, clientOptions);
    this.queue = new OrderedPublishQueue(this.client, {
      maxQueued: options.maxQueued ?? 50_000,
      maxInFlight: options.maxInFlight ?? 100,
      log: this.log,
    });
    this.client.on('connect', () => this.onConnect());
    this.client.on('close', () => {
      this.queue.pause();
      this.stopSweep?.();
      this.stopAgentSweep?.();
    });
    this.client.on('offline', () => this.onOutage('connection lost'));
    this.client.on('error', (err) => this.onOutage(err.message));
  }

  /** True while a session with the broker is up and accepting messages. */
  get connected(): boolean {
    return this.client.connected;
  }

  /** Messages not yet acknowledged by the broker (a health figure for ops). */
  get pending(): number {
    return this.queue.pending;
  }

  publishCall(view: CallView): void {
    if (this.closing) return;
    if (this.ended.has(view.callId)) {
      this.log.debug('late state for an ended call not published', { callId: view.callId });
      return;
    }
    const topic = this.topics.call(view.callId);
    const payload = callPayload(this.options.node, view, this.now());
    const key = contentKey(payload);
    if (this.liveCalls.get(topic) === key) return;
    this.liveCalls.set(topic, key);
    this.queue.push({ topic, payload: JSON.stringify(payload), retain: true });
  }

  /** An empty retained message deletes the retained state: late subscribers no longer see the call. */
  clearCall(callId: string): void {
    if (this.closing || this.ended.has(callId)) return;
    this.ended.add(callId);
    const topic = this.topics.call(callId);
    this.liveCalls.delete(topic);
    this.queue.push({ topic, payload: '', retain: true });
  }

  publishEvent<K extends CallEventKind>(kind: K, payload: CallEventInput<K>): void {
    if (this.closing) return;
    this.seq += 1;
    const body = eventPayload(this.options.node, kind, payload, this.seq, this.now());
    this.queue.push({ topic: this.topics.event(kind), payload: JSON.stringify(body), retain: false });
  }

  /**
   * Retained: a desk widget started later sees the agent's state at once. Between calls the
   * state says so (callId null); a clean shutdown clears it, and after a connect retained
   * agent states this process never published (a killed daemon's) are cleared.
   */
  publishAgent(view: AgentView): void {
    if (this.closing) return;
    const topic = this.topics.agent(view.extension);
    const payload = agentPayload(this.options.node, view, this.now());
    const key = contentKey(payload);
    if (this.liveAgents.get(topic) === key) return;
    this.liveAgents.set(topic, key);
    this.queue.push({ topic, payload: JSON.stringify(payload), retain: true });
  }

  publishStatus(health: DaemonHealth): void {
    if (this.closing) return;
    // The lifecycle part is reported on its own schedule: a health update without it keeps the last one.
    const lifecycle = health.lifecycle ?? this.health?.lifecycle;
    this.health = {
      eslConnected: health.eslConnected,
      ...(health.eslNodes ? { eslNodes: { ...health.eslNodes } } : {}),
      dbHealthy: health.dbHealthy,
      outboxPending: health.outboxPending,
      ...(health.recordingBlocked ? { recordingBlocked: health.recordingBlocked } : {}),
      ...(lifecycle ? { lifecycle } : {}),
    };
    this.enqueueOnlineStatus(false);
  }

  /** Resolves at the next (or current) established session; rejects after timeoutMs. */
  whenConnected(timeoutMs: number): Promise<void> {
    if (this.connects > 0 && this.client.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.connectWaiters = this.connectWaiters.filter((w) => w !== done);
        reject(new Error(`MQTT: no connection to ${redactUrl(this.options.url)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.connectWaiters.push(done);
    });
  }

  /** Resolves true once every message so far was acknowledged, false after timeoutMs. */
  whenDrained(timeoutMs: number): Promise<boolean> {
    return this.queue.whenDrained(timeoutMs);
  }

  /**
   * A clean shutdown: the broker drops the Last Will on DISCONNECT, so "offline" is published
   * by hand; retained states of calls still running are cleared because no later instance
   * knows them and they would stay on the broker forever.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopSweep?.();
      this.stopAgentSweep?.();
      if (this.options.clearCallsOnClose ?? true) {
        for (const topic of this.liveCalls.keys()) this.queue.push({ topic, payload: '', retain: true });
        for (const topic of this.liveAgents.keys()) this.queue.push({ topic, payload: '', retain: true });
      }
      this.liveCalls.clear();
      this.liveAgents.clear();
      // Health of a daemon that is gone means nothing; offline always carries none.
      const offline = statusPayload({ ...this.statusFields('offline', 'shutdown'), health: null }, this.now());
      this.queue.pushLatest({ topic: this.topics.status, payload: JSON.stringify(offline), retain: true });
      const drained = await this.queue.whenDrained(this.options.closeTimeoutMs ?? 5000);
      if (!drained) {
        this.log.warn(`MQTT closing with ${this.queue.pending} messages undelivered: broker not reachable`);
      }
      await this.client.endAsync(!drained);
    })();
    return this.closing;
  }

  private onConnect(): void {
    this.connects += 1;
    this.outage = false;
    if (this.connects === 1) {
      this.log.info(`MQTT connected to ${redactUrl(this.options.url)} as ${this.clientId}`);
    } else {
      this.log.info(`MQTT reconnected to ${redactUrl(this.options.url)}; ${this.queue.pending} messages to deliver`);
    }
    // The Last Will may have overwritten the status while we were away: always restate it, first.
    if (!this.closing) this.enqueueOnlineStatus(true);
    this.queue.resume();
    const windowMs = this.options.staleCallSweepMs ?? 5000;
    if (!this.closing && windowMs > 0) {
      this.stopSweep?.();
      this.stopSweep = sweepStaleCalls({
        client: this.client,
        filter: this.topics.callsWildcard,
        windowMs,
        isLive: (topic) => this.liveCalls.has(topic),
        clear: (topic) => this.queue.push({ topic, payload: '', retain: true }),
        log: this.log,
      });
      this.stopAgentSweep?.();
      this.stopAgentSweep = sweepStaleCalls({
        client: this.client,
        filter: this.topics.agentsWildcard,
        windowMs,
        isLive: (topic) => this.liveAgents.has(topic),
        clear: (topic) => this.queue.push({ topic, payload: '', retain: true }),
        log: this.log,
      });
    }
    const waiters = this.connectWaiters;
    this.connectWaiters = [];
    for (const w of waiters) w();
  }

  private onOutage(reason: string): void {
    if (this.outage) return;
    this.outage = true;
    this.log.warn(`MQTT broker ${redactUrl(this.options.url)} not reachable (${redactUrl(reason)}); queueing until it returns`);
  }

  private enqueueOnlineStatus(afterConnect: boolean): void {
    const payload = statusPayload(this.statusFields('online'), this.now());
    const key = contentKey(payload);
    if (!afterConnect && key === this.lastStatusKey) return;
    this.lastStatusKey = key;
    this.queue.pushLatest({ topic: this.topics.status, payload: JSON.stringify(payload), retain: true });
  }

  private statusFields(state: StatusFields['state'], reason?: StatusFields['reason']): StatusFields {
    return { state, node: this.options.node, pid: process.pid, since: this.startedAt, health: this.health, reason };
  }
}
