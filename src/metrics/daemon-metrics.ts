// The daemon's Prometheus metrics: what is counted, from which stream or state, under which names.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { Daemon, PurgeRun } from '../daemon';
import type { MailDelivery } from '../lifecycle/mailer';
import type { PurgeLine } from '../lifecycle/purge';
import type { LifecycleHealth } from '../mqtt/call-view';
import type { CallEventInput, CallEventKind, CallPublisher } from '../mqtt';

/** Consent outcomes as labels: a fixed set, so nothing a caller does can add a time series. */
const CONSENT_OUTCOMES = new Set(['given', 'refused', 'timeout', 'invalid']);
/** What a purge line can say in the daemon ('would delete' is the CLI's dry run only). */
const PURGE_OUTCOMES = ['deleted', 'failed', 'held'] as const;
const MAIL_OUTCOMES = ['sent', 'retry', 'failed'] as const;

/**
 * Everything is either counted where it happens (events, reconnects, command round trips,
 * recording and consent events, purge passes, mail tries) or read when scraped (live calls,
 * queue depths), so a scrape
 * costs a few reads and no database query. Labels are bounded: the node's name, a command
 * kind, a fixed set of outcomes — never a call id or anything FreeSWITCH or a caller chose.
 * Event-loop lag and process figures come from prom-client's default metrics
 * (`nodejs_eventloop_lag_*`, `process_*`).
 */
export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly events: Counter<'node'>;
  private readonly reconnects: Counter<'node'>;
  private readonly eslConnected: Gauge<'node'>;
  private readonly commands: Histogram<'node' | 'kind' | 'outcome'>;
  private readonly recordings: Counter<'status'>;
  private readonly consents: Counter<'outcome'>;
  private readonly purgeLines: Counter<'outcome'>;
  private readonly purgeRuns: Counter<'result'>;
  private readonly purgeLastSuccess: Gauge;
  private readonly mailDeliveries: Counter<'outcome'>;
  private daemon: Daemon | undefined;
  private lifecycle: { health(): LifecycleHealth } | undefined;
  private readonly subscriptions: Subscription[] = [];

  constructor(options: { readonly defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: '' });
    const self = this;
    new Gauge({
      name: 'callwarden_live_calls',
      help: 'Calls in the live call table now.',
      registers,
      collect() {
        this.set(self.daemon?.registry.size ?? 0);
      },
    });
    this.events = new Counter({ name: 'callwarden_esl_events_total', help: 'Events received on the inbound ESL connection (rate() gives events/s).', labelNames: ['node'], registers });
    this.reconnects = new Counter({ name: 'callwarden_esl_reconnects_total', help: 'Times the inbound ESL connection was re-established after the first connect.', labelNames: ['node'], registers });
    this.eslConnected = new Gauge({ name: 'callwarden_esl_connected', help: '1 while the inbound ESL connection is up.', labelNames: ['node'], registers });
    this.commands = new Histogram({
      name: 'callwarden_esl_command_seconds',
      help: 'Round trip of api / bgapi commands on the inbound connection (outcome error: timed out, refused or disconnected).',
      labelNames: ['node', 'kind', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    new Gauge({
      name: 'callwarden_outbox_depth',
      help: 'Writes waiting in the durable outbox for the database.',
      registers,
      collect() {
        this.set(self.daemon?.store?.queue.status().pending ?? 0);
      },
    });
    new Gauge({
      name: 'callwarden_mqtt_queue_depth',
      help: 'MQTT messages waiting for the broker (0 when MQTT is off).',
      registers,
      collect() {
        this.set(self.daemon?.mqtt?.mqttPublisher?.pending ?? 0);
      },
    });
    new Gauge({
      name: 'callwarden_recording_blocked',
      help: '1 while no recording may start because the outbox cannot take writes (fail closed).',
      registers,
      collect() {
        this.set(self.daemon?.store?.queue.status().recordingBlocked ? 1 : 0);
      },
    });
    this.recordings = new Counter({ name: 'callwarden_recordings_total', help: 'Recordings by status: started (RECORD_START seen), ok / bad (file checked after RECORD_STOP).', labelNames: ['status'], registers });
    this.consents = new Counter({ name: 'callwarden_consent_outcomes_total', help: 'Answers to the consent prompt.', labelNames: ['outcome'], registers });
    this.purgeLines = new Counter({
      name: 'callwarden_purge_deletions_total',
      help: 'Recordings the purge dealt with, by outcome: deleted (with a receipt), failed (retried next run), held (a legal hold blocks it). failed and held count again at every run while they last.',
      labelNames: ['outcome'],
      registers,
    });
    this.purgeRuns = new Counter({ name: 'callwarden_purge_runs_total', help: 'Purge passes by result: ok, or error (the pass could not run, e.g. the database did not answer).', labelNames: ['result'], registers });
    this.purgeLastSuccess = new Gauge({ name: 'callwarden_purge_last_success_timestamp_seconds', help: 'When the last purge pass that ran to its end started (Unix time); alert when it is older than a few lifecycle.purgeIntervalMs.', registers });
    this.mailDeliveries = new Counter({ name: 'callwarden_mail_deliveries_total', help: 'Tries at queued recording mails by outcome: sent, retry (failed, tried again later), failed (given up: callwarden mail --failed).', labelNames: ['outcome'], registers });
    new Gauge({
      name: 'callwarden_mail_queue_depth',
      help: 'Recording mails queued and not yet sent (due or waiting for a retry), as of the mailer\'s last pass; 0 when mail is off.',
      registers,
      collect() {
        this.set(self.lifecycle?.health().mailPending ?? 0);
      },
    });
    // Known outcomes start at 0, so increase() and alerts see the first one.
    for (const outcome of PURGE_OUTCOMES) this.purgeLines.inc({ outcome }, 0);
    for (const result of ['ok', 'error']) this.purgeRuns.inc({ result }, 0);
    for (const outcome of MAIL_OUTCOMES) this.mailDeliveries.inc({ outcome }, 0);
  }

  /** For DaemonOptions.onPurge: counts the pass and its lines. Never throws. */
  countPurge(run: PurgeRun): void {
    try {
      if (run.error !== undefined) {
        this.purgeRuns.inc({ result: 'error' });
        return;
      }
      this.purgeRuns.inc({ result: 'ok' });
      this.purgeLastSuccess.set(run.at.getTime() / 1000);
      this.countPurgeLines(run.lines);
    } catch {
      // Counting never stops a purge.
    }
  }

  /** For RecordingLifecycleOptions.onMailDelivery: the outcome, and a "do not keep" deletion as a purge line. Never throws. */
  countMail(delivery: MailDelivery): void {
    try {
      if ((MAIL_OUTCOMES as readonly string[]).includes(delivery.outcome)) this.mailDeliveries.inc({ outcome: delivery.outcome });
      if (delivery.purged) this.countPurgeLines(delivery.purged);
    } catch {
      // Counting never stops a mail.
    }
  }

  private countPurgeLines(lines: readonly PurgeLine[]): void {
    for (const line of lines) if ((PURGE_OUTCOMES as readonly string[]).includes(line.outcome)) this.purgeLines.inc({ outcome: line.outcome });
  }

  /** Reads the mail queue's depth from the recording lifecycle at scrape time. */
  watchLifecycle(lifecycle: { health(): LifecycleHealth }): void {
    this.lifecycle = lifecycle;
  }

  /** Follows one daemon (after its start): each node's inbound connection (label `node`) and its state, read at scrape time. */
  watch(daemon: Daemon): void {
    this.daemon = daemon;
    for (const { name: node, inbound } of daemon.nodes) {
      let connects = 0;
      this.events.inc({ node }, 0);
      this.reconnects.inc({ node }, 0);
      this.subscriptions.push(
        inbound.events$.subscribe(() => this.events.inc({ node })),
        inbound.connected$.subscribe(() => {
          if (connects++ > 0) this.reconnects.inc({ node });
        }),
        inbound.state$.subscribe((state) => this.eslConnected.set({ node }, state === 'connected' ? 1 : 0)),
      );
      // Already connected before we watched: that was the first connect.
      if (inbound.state === 'connected') connects = 1;
      inbound.onCommandTimed = (kind, seconds, ok) => this.commands.observe({ node, kind, outcome: ok ? 'ok' : 'error' }, seconds);
    }
  }

  /** For DaemonOptions.wrapPublisher: counts recording and consent events, then publishes them as before. */
  countingPublisher(inner: CallPublisher): CallPublisher {
    const count = (kind: CallEventKind, payload: CallEventInput<CallEventKind>): void => {
      if (kind === 'recording-started') this.recordings.inc({ status: 'started' });
      else if (kind === 'recording-stopped') this.recordings.inc({ status: (payload as { reason?: string }).reason === undefined ? 'ok' : 'bad' });
      else if (kind === 'consent-given') this.consents.inc({ outcome: 'given' });
      else if (kind === 'consent-refused') {
        const reason = (payload as { reason?: string }).reason ?? 'refused';
        this.consents.inc({ outcome: CONSENT_OUTCOMES.has(reason) ? reason : 'refused' });
      }
    };
    return {
      publishCall: (view) => inner.publishCall(view),
      clearCall: (callId) => inner.clearCall(callId),
      publishEvent: (kind, payload) => {
        try {
          count(kind, payload as CallEventInput<CallEventKind>);
        } catch {
          // Counting never stops an event.
        }
        inner.publishEvent(kind, payload);
      },
      publishStatus: (health) => inner.publishStatus(health),
      publishAgent: (view) => inner.publishAgent(view),
      close: () => inner.close(),
    };
  }

  /** The scrape: Prometheus text format. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  stop(): void {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    for (const node of this.daemon?.nodes ?? []) node.inbound.onCommandTimed = undefined;
    this.daemon = undefined;
    this.lifecycle = undefined;
  }
}
