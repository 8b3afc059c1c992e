// A simulator whose dialplan hands group calls to a daemon running the call handler; helpers to read the wire and the evidence.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adoptRunningCalls, CallControllers, createCallHandler, type CallAdoption, type CallController } from '../../src/calls';
import { Coaching, type CoachingConfig, type LiveOpsConfig } from '../../src/coaching';
import type { CallwardenConfig, DeepPartial } from '../../src/config';
import type { Logger } from '../../src/logger';
import { Daemon, routeSessions, type DaemonOptions } from '../../src/daemon';
import { RecordingLifecycle, type RecordingLifecycleOptions } from '../../src/lifecycle/recording-lifecycle';
import type { GroupSettings, RecordingConfig } from '../../src/policies';
import type { DialplanStep } from '../../src/simulator/core';
import type { ReceivedCommand } from '../../src/simulator/connection';
import type { Session } from '../../src/simulator/session';
import { defaultDialplan, handBackSteps, Simulator, type CallHandle } from '../../src/simulator/simulator';
import type { EvidenceRecord, RecordingRecord } from '../../src/store';
import { startWeb, type WebServer } from '../../src/web';
import { captureLogger, type CapturedLine } from '../support/capture-logger';
import { controllerLog } from '../support/controller-log';
import { addUsers, OPS1 } from './live-ops-client';
import { testConfig, tmpOutbox } from '../support/daemon-config';
import { until } from '../support/wait';

export const PROMPT_DIR = '/usr/share/freeswitch/sounds/callwarden/en';
export const PROMPTS = {
  consentMenu: `${PROMPT_DIR}/consent-menu.wav`,
  invalidEntry: `${PROMPT_DIR}/invalid-entry.wav`,
  notice: `${PROMPT_DIR}/notice.wav`,
  noticeWithObjection: `${PROMPT_DIR}/notice-with-objection.wav`,
  recordingStarted: `${PROMPT_DIR}/recording-started.wav`,
  noRecording: `${PROMPT_DIR}/no-recording.wav`,
  recordingStopped: `${PROMPT_DIR}/recording-stopped.wav`,
  reannouncement: `${PROMPT_DIR}/reannouncement.wav`,
} as const;

/** A group as the tests use it (the dialplan bridges it to agent 1001), opt-in unless told otherwise. */
export function hotline(over: Partial<GroupSettings> & { mode: GroupSettings['mode'] }): DeepPartial<GroupSettings> {
  // opt-in rests on the caller's consent; the other modes need a basis named (src/policies/legal-basis.ts).
  const legalBasis = over.mode === 'opt-in' ? 'consent' : 'legitimate-interests';
  return { channels: 'both', consentTimeoutMs: 5000, consentTries: 2, prompts: PROMPTS, legalBasis, ...over } as DeepPartial<GroupSettings>;
}

export interface HarnessOptions {
  readonly recording?: DeepPartial<RecordingConfig> & { groups?: Record<string, unknown>; extensions?: Record<string, unknown> };
  /** Extra `set` actions in the 5000 extension (callwarden_no_record, callwarden_policy …). */
  readonly vars?: Readonly<Record<string, string>>;
  /** Agents with a signed recording consent on file. */
  readonly consenting?: readonly string[];
  readonly sim?: Simulator;
  readonly store?: { filename: string; outboxDir: string };
  readonly recordingsDir?: string;
  /** Also run coaching (*98*) and live operations, with the call controllers as its RecordingControl. */
  readonly coaching?: DeepPartial<CoachingConfig>;
  /** Also run the web server (live operations over HTTP) with user ops1 (supervisor, 2001). */
  readonly liveOps?: DeepPartial<LiveOpsConfig>;
  /** Evidence settings over the test ones (a test key, a temporary anchor file). */
  readonly evidence?: DeepPartial<CallwardenConfig['evidence']>;
  /** MQTT for the daemon (tests default to off), and its node name. */
  readonly mqtt?: { readonly url: string; readonly node: string; readonly username?: string; readonly password?: string };
  /** Called with the controllers table before any call arrives (the agent side, a virtual clock). */
  readonly onTable?: (table: CallControllers, sim: Simulator, config: CallwardenConfig) => void;
  /** Connect the inbound ESL client here instead of the simulator's port (a TcpProxy in front of it). */
  readonly eslPort?: number;
  /** Run the recording lifecycle (src/lifecycle: mp3, terms, mail, storage) as src/commands/run.ts does, with these settings. */
  readonly lifecycle?: { readonly config?: DeepPartial<CallwardenConfig['lifecycle']>; readonly options?: RecordingLifecycleOptions };
  /** Wraps the daemon's publisher (metrics count on it). */
  readonly wrapPublisher?: DaemonOptions['wrapPublisher'];
  /**
   * Re-check the simulator's waits on every call-state change of the daemon (default true).
   * The load bench waits on the simulator's model only and turns it off: with thousands of
   * calls each re-check walks every wait, which would be measured as the daemon's stalls.
   */
  readonly wakeSimOnCallUpdates?: boolean;
}

export interface Harness {
  readonly sim: Simulator;
  readonly daemon: Daemon;
  readonly config: CallwardenConfig;
  readonly controllers: CallController[];
  /** Present when HarnessOptions.coaching was given. */
  readonly coaching?: Coaching;
  /** Present when HarnessOptions.lifecycle was given. */
  readonly lifecycle?: RecordingLifecycle;
  /** Present when HarnessOptions.liveOps was given. */
  readonly web?: WebServer;
  readonly log: CapturedLine[];
  /** Resolves with the first log line (`level message {meta}`) matching, already written or still to come. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  readonly recordingsDir: string;
  controllerOf(callId: string): Promise<CallController>;
  evidence(callId: string): Promise<EvidenceRecord[]>;
  recordings(callId: string): Promise<RecordingRecord[]>;
  stop(): Promise<void>;
}

/**
 * 5000 → the hand-back extension of freeswitch/dialplan/callwarden.xml: callwarden_group=hotline,
 * callwarden_target=user/1001, a per-call callwarden_token (+ vars), socket_resume=true, socket
 * to the daemon, then the dialplan's own `bridge ${callwarden_target}`.
 * 10xx → bridge user/10xx (where a transfer sends the caller).
 */
export function groupDialplan(sim: () => Simulator, vars: Readonly<Record<string, string>> = {}) {
  return (dest: string, session: Session): DialplanStep[] | undefined => {
    if (dest === '5000') return handBackSteps({ group: 'hotline', target: 'user/1001', outbound: sim().outbound, vars });
    if (/^10\d\d$/.test(dest)) return [{ app: 'bridge', arg: `user/${dest}` }];
    // *98*<ext> (coaching) and the rest as the captures' dialplan.
    return defaultDialplan(() => sim().outbound, () => sim().supervisorOutbound)(dest, session);
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const recordingsDir = options.recordingsDir ?? mkdtempSync(join(tmpdir(), 'callwarden-rec-'));
  let simRef: Simulator | undefined = options.sim;
  const sim =
    simRef ??
    new Simulator({ recordingsDir, heartbeatSeconds: 0, dialplan: groupDialplan(() => simRef as Simulator, options.vars) });
  simRef = sim;
  const port = sim.port ?? (await sim.listen(0));
  const { onTable, sim: _sim, eslPort, ...rest } = options;
  const parts = await startHarnessDaemon(eslPort ?? port, {
    ...rest,
    recordingsDir,
    ...(onTable ? { onTable: (table: CallControllers, config: CallwardenConfig) => onTable(table, sim, config) } : {}),
  });
  // The simulator's waits re-check on its own model changes; let the daemon's call-state
  // changes wake them too, so one wait can watch both sides.
  const wake = parts.daemon.registry.calls$.subscribe(() => options.wakeSimOnCallUpdates !== false && sim.core.notify());
  sim.outbound = { host: '127.0.0.1', port: parts.daemon.outboundPort };
  await parts.ready();
  return {
    ...parts,
    sim,
    async stop() {
      wake.unsubscribe();
      await parts.stop();
      if (!options.sim) await sim.stop();
    },
  };
}

/** What startHarness starts on the daemon's side, for a FreeSWITCH that is not in this process (the load bench's). */
export type HarnessDaemon = Omit<Harness, 'sim'> & {
  /** Resolves once the inbound connection is up, the store migrated and the agents' consents on file. */
  ready(): Promise<void>;
};

/**
 * The daemon as src/commands/run.ts composes it (call handler, adoption, coaching, lifecycle,
 * web as asked), connected to the FreeSWITCH at `eslPort`. Its outbound port is
 * `daemon.outboundPort`: tell FreeSWITCH (the simulator's `outbound`) before `ready()`.
 */
export async function startHarnessDaemon(
  eslPort: number,
  options: Omit<HarnessOptions, 'sim' | 'onTable' | 'eslPort'> & {
    readonly recordingsDir: string;
    readonly onTable?: (table: CallControllers, config: CallwardenConfig) => void;
    /** Log here instead of into memory (the load bench: thousands of calls' debug lines are not the daemon's heap). */
    readonly logger?: Logger;
  },
): Promise<HarnessDaemon> {
  const { recordingsDir } = options;
  const config = testConfig(eslPort, {
    store: options.store ?? { filename: ':memory:', outboxDir: tmpOutbox() },
    recording: { legalNoticeAcknowledged: true, directory: recordingsDir, format: 'wav', ...options.recording } as DeepPartial<RecordingConfig>,
    ...(options.coaching ? { coaching: options.coaching } : {}),
    ...(options.liveOps ? { liveOps: options.liveOps, web: { enabled: true, port: 0 } } : {}),
    ...(options.evidence ? { evidence: options.evidence } : {}),
    // The embedded broker lets only the daemon's credentials publish (test-brokers' `publisher`).
    ...(options.mqtt ? { mqtt: { url: options.mqtt.url, ...(options.mqtt.username !== undefined ? { username: options.mqtt.username, password: options.mqtt.password ?? '' } : {}) }, node: options.mqtt.node } : {}),
    ...(options.lifecycle?.config ? { lifecycle: options.lifecycle.config } : {}),
  });
  const captured = captureLogger();
  const log = options.logger ?? captured.logger;
  const { controllers, onController, controllerOf } = controllerLog();
  // As src/commands/run.ts: one controllers table for the call sockets, adoption and live operations.
  const lifecycle = options.lifecycle ? new RecordingLifecycle(config, log, options.lifecycle.options) : undefined;
  const table = new CallControllers(lifecycle ? { lifecycle } : {});
  options.onTable?.(table, config);
  const handler = createCallHandler({ recording: config.recording, logger: log, controllers: table, onController });
  const coaching = options.coaching ? new Coaching(config, log) : undefined;
  const daemon = new Daemon(config, log, { onSession: routeSessions({ calls: handler, ...(coaching ? { coaching: coaching.handler } : {}) }), resyncIntervalMs: 0, ...(options.wrapPublisher ? { wrapPublisher: options.wrapPublisher } : {}) });
  await daemon.start();
  await lifecycle?.start(daemon);
  const adoption: CallAdoption = adoptRunningCalls(daemon, { recording: config.recording, logger: log, controllers: table, onController });
  await coaching?.start(daemon);
  const web = options.liveOps ? await startWeb(config, daemon, table, log) : undefined;
  if (web) await addUsers(daemon, [OPS1]);
  return {
    daemon,
    config,
    controllers,
    ...(coaching ? { coaching } : {}),
    ...(lifecycle ? { lifecycle } : {}),
    ...(web ? { web } : {}),
    log: captured.entries,
    waitForLog: (pattern, timeoutMs) => captured.waitFor(pattern, timeoutMs),
    recordingsDir,
    controllerOf,
    async ready() {
      await daemon.inbound.ready();
      await daemon.store.queue.ready();
      for (const extension of options.consenting ?? ['1001', '1002']) {
        await daemon.store.repository.recordAgentConsent({ extension, signedAt: new Date(Date.now() - 60_000), documentRef: `consent-${extension}.pdf` });
      }
    },
    async evidence(callId) {
      await daemon.store.queue.drained();
      return daemon.store.repository.listEvidence(callId);
    },
    async recordings(callId) {
      await daemon.store.queue.drained();
      return daemon.store.repository.listRecordings(callId);
    },
    async stop() {
      adoption.stop();
      await web?.close();
      await coaching?.stop();
      await lifecycle?.stop();
      await daemon.stop();
    },
  };
}

/** The api commands the daemon sent that concern recording, as text. */
export function recordingCommands(sim: Simulator): string[] {
  return sim.received.map((c) => commandText(c)).filter((t) => /^api (uuid_record|uuid_setvar \S+ RECORD_|uuid_broadcast)/.test(t));
}

export function commandText(c: ReceivedCommand): string {
  return c.line;
}

export { tmpOutbox };

/** The caller hears something that takes virtual time: a prompt, an announcement (also one broadcast into the bridge). */
export function playing(call: CallHandle, silentCaller = false): boolean {
  const s = call.caller;
  return s.runningApp === 'playback' || (s.runningApp === 'play_and_get_digits' && (silentCaller || !s.awaitingDigits));
}

/**
 * Waits (on the simulator's model changes, not on a clock) until `pred` holds; whenever the
 * caller is hearing something, virtual time runs until it ends, since only the simulator's
 * clock ends a prompt. The daemon's next command then arrives over TCP in real time.
 */
export async function driveUntil(sim: Simulator, call: CallHandle, pred: () => boolean, what: string, silentCaller = false): Promise<void> {
  for (let i = 0; i < 100 && !pred(); i++) {
    await sim.until(() => pred() || playing(call, silentCaller), what);
    while (playing(call, silentCaller) && !pred()) await sim.advance(250);
  }
  if (!pred()) throw new Error(`gave up waiting for ${what}`);
}

/** Waits until the daemon's bridge rings the agent (running the confirmation first), then answers. */
export async function agentPicksUp(sim: Simulator, call: CallHandle, extension = '1001', silentCaller = false): Promise<void> {
  await driveUntil(sim, call, () => call.agent?.farEnd === 'ringing', `the bridge to ring ${extension}`, silentCaller);
  await sim.agentAnswers(call, extension);
}

/** The caller hangs up after `talkMs` of conversation; resolves once the daemon has checked the call's last recording. */
/**
 * The common opening: the caller hears the consent menu, presses `digit`, the agent picks up,
 * and FreeSWITCH confirms the recording (RECORD_START, seen by the daemon).
 */
export async function consentedAndRecording(h: Harness, digit = '1', from = '+49301234567'): Promise<CallHandle> {
  const { sim, daemon } = h;
  const call = sim.placeCall({ from, to: '5000' });
  await sim.expectPrompt(call);
  sim.press(call, digit);
  await agentPicksUp(sim, call);
  await until(daemon.registry.calls$, () => daemon.registry.get(call.uuid)?.recording === true, 'RECORD_START');
  return call;
}

export async function talkAndHangUp(h: Harness, call: CallHandle, talkMs = 20_000): Promise<void> {
  await h.sim.advance(talkMs);
  h.sim.hangup(call);
  const controller = await h.controllerOf(call.uuid);
  await h.sim.advance(1000);
  await controller.done;
}

export function kindsOf(rows: readonly EvidenceRecord[]): string[] {
  return rows.map((r) => r.kind);
}

export function decisionsOf(rows: readonly EvidenceRecord[]): Array<{ record: boolean; reason: string; segment: number; mode: string; announcements: string[] }> {
  return rows.filter((r) => r.kind === 'decision').map((r) => r.detail as { record: boolean; reason: string; segment: number; mode: string; announcements: string[] });
}

/** Every uuid_record the simulator received, on any connection. */
export function uuidRecords(sim: Simulator): string[] {
  return sim.received.map((c) => c.line).filter((l) => l.includes('uuid_record'));
}

/** The playback apps the call socket ran (the consent flow's confirmations). */
export function playbacks(sim: Simulator, uuid: string): string[] {
  return sim.received.filter((c) => c.sessionUuid === uuid && c.headers['execute-app-name'] === 'playback').map((c) => c.headers['execute-app-arg'] ?? '');
}
