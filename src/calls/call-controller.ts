// One call's recording loop: CallState updates → PolicyInput → decideRecording → reconcile → the recorder.

import type { Daemon } from '../daemon';
import type { Logger } from '../logger';
import type { CallConsentState, CallRecordingStatus } from '../mqtt';
import {
  DEFAULT_PAUSE_MAX_SECONDS,
  DISABLED_GROUP,
  decideRecording,
  desiredRecording,
  judgeOperatorRequest,
  policyForExtension,
  reconcile,
  type ConsentOnFile,
  type ConsentState,
  type ExtensionPolicy,
  judgePauseRequest,
  type ObservedRecording,
  type OperatorRequest,
  type PauseRequest,
  type PauseSpan,
  type PolicyInput,
  type RecordingConfig,
  type RecordingDecision,
} from '../policies';
import type { RecordingControlResult, RecordingRequester } from '../coaching/recording-control';
import type { Recorder } from '../recorder';
import { callerLeg, microsToIso, type CallState, type CallUpdate, type CallWatcher, type Micros } from '../streams';
import { toCallView } from '../publishers/call-view';
import type { AdoptedCall } from './adopted-call';
import type { CallAgentListener, CallAgentSnapshot } from './call-agent-snapshot';
import { systemClock, type CallClock } from './call-clock';
import { appendEvidence } from './call-evidence';
import { currentConsent, policyInputOf, transfersOf } from './call-policy-input';
import { markDecision } from '../metrics/decision-trace';

export interface CallControllerOptions {
  readonly daemon: Daemon;
  readonly recorder: Recorder;
  readonly recording: RecordingConfig;
  readonly logger: Logger;
  /** callwarden_group from the dialplan, as the call socket's channel data showed it. */
  readonly group?: string;
  /** The extension callwarden_target rings, when it rings exactly one (known before the prompt). */
  readonly expectedAgent?: string;
  /** A call already running when this daemon started: what the evidence and FreeSWITCH showed of it. */
  readonly adopted?: AdoptedCall;
}

interface AgentFacts {
  readonly consent: ConsentOnFile;
  readonly callNumber?: number;
}

interface AgentEntry {
  readonly facts: Promise<AgentFacts>;
  /** The consent on file the last decision used (re-read for every decision after the first). */
  lastConsent?: ConsentOnFile;
}

interface Evaluation {
  readonly decision: RecordingDecision;
  readonly input: PolicyInput;
  readonly policy: ExtensionPolicy;
  readonly extension?: string;
}

/**
 * The MQTT recording state follows what FreeSWITCH confirmed: `on` from RECORD_START to
 * RECORD_STOP; `starting` / `stopping` only while a start / stop is on its way (sent, not
 * yet confirmed or refused); `off` otherwise — never back to `starting` when a file stops.
 */
export function recordingStatusOf(observed: ObservedRecording): CallRecordingStatus {
  const running = observed.running.length > 0;
  const stopping = running && observed.running.every((p) => observed.stopsInFlight.includes(p));
  const starting = observed.startsInFlight.some((p) => !observed.running.includes(p));
  if (running && !stopping) return 'on';
  if (starting) return 'starting';
  return stopping ? 'stopping' : 'off';
}

const CONSENT_LINE: Readonly<Record<ConsentState, string>> = {
  'not-asked': 'not asked',
  asked: 'asked',
  given: 'the caller agreed',
  refused: 'the caller refused',
  timeout: 'no answer (timeout)',
  invalid: 'no valid answer',
};

const MQTT_CONSENT: Readonly<Record<ConsentState, CallConsentState>> = {
  'not-asked': 'not-asked',
  asked: 'asked',
  given: 'given',
  refused: 'refused',
  timeout: 'timeout',
  // MQTT has no "invalid": in every mode that asks, an unclear key is not consent.
  invalid: 'refused',
};

/**
 * Level-triggered: every change of the call (a digit, a bridge, RECORD_START, a transfer, a
 * supervisor) re-runs the whole decision from the current state, and reconcile sends only
 * the difference to what FreeSWITCH has confirmed. Runs are serialised per call; changes
 * during a run make one more run afterwards.
 */
export class CallController implements CallWatcher {
  private consent: ConsentState = 'not-asked';
  private consentAnsweredAt: Micros | undefined;
  /** Agent extension → its facts, and the consent on file the last decision used (one Map: ≈180 bytes a live call less). */
  private readonly agents = new Map<string, AgentEntry>();
  /** Supervisor extension → consent on file; "unknown" while the lookup runs. Made at the first supervisor. */
  private supervisors: Map<string, ConsentOnFile> | undefined;
  private readonly operatorRequests: OperatorRequest[] = [];
  /** Accepted live-operations pauses / resumes (the agent's key presses come from the call's digits). */
  private readonly pauseRequests: PauseRequest[] = [];
  /** Pause spans whose start / end is already in the evidence. */
  private pauseStartsLogged = 0;
  private pauseEndsLogged = 0;
  private pauseTimer: { cancel(): void } | undefined;
  private clock: CallClock = systemClock;
  private readonly agentListeners: CallAgentListener[] = [];
  private lastSnapshotKey: string | undefined;
  private lastCall: CallState | undefined;
  private lastDecisionKey: string | undefined;
  private digitsLogged = 0;
  private transfersLogged = 0;
  private lastRecordingStatus: CallRecordingStatus | undefined;
  /** The "call accepted" line is written once, at the first decision. */
  private acceptedLogged = false;
  private running: Promise<void> | undefined;
  private dirty = false;
  private ended = false;
  /** Following the call's updates: from start() until finish(). */
  private watching = false;
  /** finish() ran. */
  private finished = false;
  private donePromise: Promise<void> | undefined;
  private resolveDone: (() => void) | undefined;
  /** Told at finish() (the controllers table forgets the call); one function for all controllers. */
  private onDone: ((controller: CallController) => void) | undefined;

  constructor(
    readonly callId: string,
    private readonly options: CallControllerOptions,
  ) {
    const adopted = options.adopted;
    if (adopted) {
      this.consent = adopted.consent;
      this.consentAnsweredAt = adopted.consentAnsweredAt;
      // The counter was taken by the daemon that routed the call: never a second number.
      if (adopted.agent) this.agents.set(adopted.agent.extension, { facts: Promise.resolve({ consent: adopted.agent.consent, ...(adopted.agent.callNumber !== undefined ? { callNumber: adopted.agent.callNumber } : {}) }) });
      options.recorder.adopt(callId, adopted.running, adopted.announced);
      // A pause that ran when the last run stopped goes on (its maximum still counts from its start).
      this.pauseRequests.push(...(adopted.pauseRequests ?? []));
      this.pauseStartsLogged = adopted.pausesLogged?.started ?? 0;
      this.pauseEndsLogged = adopted.pausesLogged?.ended ?? 0;
    }
  }

  /**
   * The call's logger, made when a line or a row is written rather than kept: a winston child
   * is ≈200 bytes a live call, and a call writes a few lines (issue 12: heap per live call).
   */
  private get log(): Logger {
    return this.options.logger.child({ module: 'calls', callId: this.callId });
  }

  start(): void {
    const { registry } = this.options.daemon;
    this.lastCall = registry.get(this.callId);
    // The call's own updates: this controller's work per event does not grow with the other
    // live calls. The controller itself is the watcher (callUpdated / callClosed): no
    // subscriber chain per live call.
    this.watching = true;
    registry.watch(this.callId, this);
    // A start refused while the outbox could not be written is tried again as soon as it can.
    this.options.recorder.watchGate(this);
    this.schedule();
  }

  /** CallWatcher: one update of this call (from the registry). */
  callUpdated(u: CallUpdate): void {
    if (!this.watching) return;
    markDecision(this.callId, 'event');
    this.lastCall = u.call;
    if (u.kind !== 'updated') this.ended = true;
    this.schedule();
  }

  /** CallWatcher: the call's last update has come, or the registry is closing. */
  callClosed(): void {
    if (!this.watching) return;
    this.ended = true;
    this.schedule();
  }

  /** The recorder's gate opened again (see start). */
  gateOpened(): void {
    this.schedule();
  }

  /**
   * The clock for pauses (their maximum) and who is told about what the agent should see
   * (lamp, MQTT agent topic); set by the controllers table before start().
   */
  attach(clock: CallClock | undefined, listener: CallAgentListener | undefined, onDone?: (controller: CallController) => void): void {
    if (clock) this.clock = clock;
    if (listener) this.agentListeners.push(listener);
    if (onDone) this.onDone = onDone;
  }

  /**
   * Resolves once the call has ended and its last recording was checked. Made when first
   * asked for: a promise and its resolver kept for every live call that nobody awaits would
   * be ≈160 bytes a call (issue 12: heap per live call).
   */
  get done(): Promise<void> {
    this.donePromise ??= this.finished ? Promise.resolve() : new Promise((resolve) => (this.resolveDone = resolve));
    return this.donePromise;
  }

  /** The decision for the call as it stands (the handler asks before the prompt). */
  async decide(): Promise<Evaluation | undefined> {
    const call = this.lastCall ?? this.options.daemon.registry.get(this.callId);
    return call ? this.evaluation(call) : undefined;
  }

  /** The prompt ran (asked) or was answered; `at` is FreeSWITCH's time of the answer. */
  setConsent(consent: ConsentState, at?: Micros): void {
    if (consent !== 'not-asked' && consent !== 'asked' && consent !== this.consent) this.log.info(`consent: ${CONSENT_LINE[consent]}`);
    this.consent = consent;
    if (at !== undefined) this.consentAnsweredAt = at;
    this.options.daemon.annotate(this.callId, { consent: MQTT_CONSENT[consent] });
    this.schedule();
  }

  /**
   * A live-operations start / stop: judged by the policy on the call as it stands, answered
   * with its sentence, audited with who asked. An accepted request becomes policy input, so
   * the next run starts or stops the recording like any other change (confirmed by
   * RECORD_START / RECORD_STOP as usual, reported on MQTT).
   */
  async request(action: 'start' | 'stop', by: RecordingRequester): Promise<RecordingControlResult> {
    const call = this.lastCall ?? this.options.daemon.registry.get(this.callId);
    if (!call || this.callerHungUp()) return { ok: false, reason: 'the call has ended' };
    const ev = await this.evaluation(call);
    const latest = Math.max(call.updatedAt ?? 0, ...call.digits.map((d) => d.at ?? 0), ...this.operatorRequests.map((r) => r.at));
    // FreeSWITCH's clock, just after everything seen so far: ordered against the agent's key presses.
    const request: OperatorRequest = { action, at: latest + 1, by: by.user };
    const verdict = judgeOperatorRequest(ev.input, request);
    appendEvidence(this.options.daemon.store.queue, this.log, this.callId, 'operator_request', {
      user: by.user,
      via: by.via,
      action,
      ok: verdict.ok,
      reason: verdict.reason,
      ruleTrail: verdict.ruleTrail,
    });
    if (verdict.ok) {
      this.operatorRequests.push(request);
      this.schedule();
    }
    return { ok: verdict.ok, reason: verdict.reason };
  }

  /**
   * A live-operations pause / resume for sensitive input: judged (a pause only masks a
   * recording FreeSWITCH confirmed running; it never starts one), audited with who asked,
   * and, when accepted, policy input like the agent's pause key. The mask itself is sent by
   * the recorder on the next run and ends by itself at the group's maximum.
   */
  async pause(action: 'pause' | 'resume', by: RecordingRequester): Promise<RecordingControlResult> {
    const call = this.lastCall ?? this.options.daemon.registry.get(this.callId);
    if (!call || this.callerHungUp()) return { ok: false, reason: 'the call has ended' };
    const ev = await this.evaluation(call);
    const state = ev.input.pause ?? { paused: false, spans: [] };
    const running = this.options.recorder.observed(this.callId).running.length > 0;
    const verdict = judgePauseRequest(ev.input, state, running, action);
    appendEvidence(this.options.daemon.store.queue, this.log, this.callId, 'operator_pause', { user: by.user, via: by.via, action, ok: verdict.ok, reason: verdict.reason });
    const changes = verdict.ok && state.paused !== (action === 'pause');
    if (changes) {
      this.pauseRequests.push({ kind: action, at: this.now(call), by: by.user, via: 'live-ops' });
      this.schedule();
    }
    return verdict;
  }

  markAnnounced(id: string): void {
    this.options.recorder.markAnnounced(this.callId, id);
  }

  callerHungUp(): boolean {
    const caller = this.lastCall ? callerLeg(this.lastCall) : undefined;
    return this.ended || caller?.hungup === true;
  }

  private schedule(): void {
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    do {
      this.dirty = false;
      try {
        await this.step();
      } catch (err) {
        this.log.error(`recording control failed for this call: ${(err as Error).message}`);
      }
    } while (this.dirty);
    this.running = undefined;
    if (this.ended) this.finish();
  }

  private finish(): void {
    this.pauseTimer?.cancel();
    this.pauseTimer = undefined;
    this.emitAgent(undefined, true);
    const call = this.lastCall;
    const caller = call ? callerLeg(call) : undefined;
    const seconds = call?.startedAt !== undefined && call.endedAt !== undefined ? ` after ${((call.endedAt - call.startedAt) / 1e6).toFixed(1)} s` : '';
    // calls$ also completes when the daemon stops: a call still up is not "ended".
    if (call?.ended === true || caller?.hungup === true) this.log.info(`call ended${seconds} (${caller?.hangupCause ?? 'hangup cause unknown'})`);
    else this.log.info('call no longer followed: this daemon is stopping (the call goes on in FreeSWITCH)');
    this.watching = false;
    this.options.daemon.registry.unwatch(this.callId, this);
    this.options.recorder.unwatchGate(this);
    this.options.recorder.forget(this.callId);
    // The last rows (file check) are written: anchor the final head.
    try {
      this.options.daemon.store.queue.closeEvidence(this.callId);
    } catch (err) {
      this.log.error(`evidence not anchored (${(err as Error).message})`);
    }
    this.finished = true;
    this.resolveDone?.();
    this.onDone?.(this);
  }

  private async step(): Promise<void> {
    const call = this.lastCall;
    if (!call) return;
    const recorder = this.options.recorder;
    await recorder.sync(call);
    this.noteRecordingStatus();
    this.logDigits(call);
    this.logTransfers(call);
    const caller = callerLeg(call);
    // FreeSWITCH ends every media bug with the channel (RECORD_STOP comes on its own): a
    // command to a channel that is hanging up could only fail.
    if (!caller || caller.hungup || call.ended || this.ended) {
      this.emitAgent(undefined, true);
      return;
    }
    const ev = await this.evaluation(call);
    markDecision(this.callId, 'decided');
    this.noteDecision(ev);
    this.notePauses(ev);
    const cfg = this.options.recording;
    const desired = desiredRecording(ev.decision, { callId: call.callId, callerLeg: caller.uuid, directory: cfg.directory, format: recorder.wireFormat() });
    const commands = reconcile(desired, recorder.observed(this.callId));
    const context = {
      segment: ev.decision.segment,
      channels: ev.decision.channels,
      policy: `${ev.decision.mode} (${ev.decision.modeSource})`,
      ...(ev.policy.groupName !== undefined ? { group: ev.policy.groupName } : {}),
      ...(ev.policy.group.legalBasis !== undefined ? { legalBasis: ev.policy.group.legalBasis } : {}),
    };
    // The RECORD_* uuid_setvars go out at once, without waiting for each reply: one
    // connection's api commands reach FreeSWITCH in order and it runs them in order, so the
    // variables are set before the uuid_record that follows them, and the recording gate's
    // fsync overlaps their round trips instead of coming after four of them.
    const setvars: Array<Promise<boolean>> = [];
    for (const command of commands) {
      const sent = recorder.execute(this.callId, command, context);
      if (command.kind === 'setvar') setvars.push(sent);
      else await sent;
    }
    await Promise.all(setvars);
    this.noteRecordingStatus();
    this.emitAgent(ev, false);
  }

  /** FreeSWITCH's time as far as this call knows it: never before its last event. */
  private now(call: CallState): Micros {
    return Math.max(this.clock.nowMicros(), call.updatedAt ?? 0, ...call.digits.map((d) => d.at ?? 0), ...this.pauseRequests.map((r) => r.at + 1));
  }

  /**
   * Every pause's start and end goes to the evidence once, with who and when (PCI DSS: the
   * masked stretch must be accounted for); a running pause gets a timer for its maximum, so
   * the recording unmasks by itself even when nothing else happens in the call.
   */
  private notePauses(ev: Evaluation): void {
    const state = ev.input.pause;
    this.pauseTimer?.cancel();
    this.pauseTimer = undefined;
    if (state === undefined) return;
    const running = this.options.recorder.observed(this.callId).running.length > 0;
    const iso = (us: number): string => new Date(Math.floor(us / 1000)).toISOString();
    state.spans.forEach((span: PauseSpan, i: number) => {
      if (i >= this.pauseStartsLogged) {
        appendEvidence(this.options.daemon.store.queue, this.log, this.callId, 'pause_started', {
          by: span.startedBy,
          via: span.startedVia,
          at: iso(span.from),
          masksRecording: running && ev.decision.record,
          maxSeconds: ev.policy.group.pauseMaxSeconds ?? DEFAULT_PAUSE_MAX_SECONDS,
        });
        this.pauseStartsLogged = i + 1;
      }
      if (span.to !== undefined && i >= this.pauseEndsLogged) {
        appendEvidence(this.options.daemon.store.queue, this.log, this.callId, 'pause_ended', {
          by: span.endedBy ?? null,
          via: span.endedVia ?? null,
          at: iso(span.to),
          pausedMs: Math.round((span.to - span.from) / 1000),
        });
        this.pauseEndsLogged = i + 1;
      }
    });
    if (state.paused && state.resumesAt !== undefined) {
      const call = this.lastCall;
      const waitMs = Math.ceil((state.resumesAt - (call ? this.now(call) : this.clock.nowMicros())) / 1000) + 1;
      this.pauseTimer = this.clock.setTimer(Math.max(1, waitMs), () => {
        this.pauseTimer = undefined;
        this.schedule();
      });
    }
  }

  /** Tells the agent side (lamp, MQTT agent topic) what this call now shows its agent; only changes. */
  private emitAgent(ev: Evaluation | undefined, ended: boolean): void {
    if (this.agentListeners.length === 0) return;
    const call = this.lastCall;
    const observed = this.options.recorder.observed(this.callId);
    const pause = ev?.input.pause;
    const group = ev?.policy.group;
    const monitors = call && !ended ? toCallView(call, this.options.daemon.annotationsOf(this.callId)).monitors.map((m) => ({ supervisor: m.supervisor, mode: m.mode })) : [];
    const extension = ev?.extension ?? call?.agentExtension ?? this.options.expectedAgent;
    const snapshot: CallAgentSnapshot = {
      callId: this.callId,
      ...(extension !== undefined ? { extension } : {}),
      ...(ev?.policy.groupName !== undefined ? { group: ev.policy.groupName } : {}),
      ended,
      recordingRunning: !ended && observed.running.length > 0,
      masked: !ended && (observed.masked === true || (ev?.decision.masked ?? false)),
      paused: !ended && pause?.paused === true,
      ...(!ended && pause?.current !== undefined ? { pausedSince: pause.current.from } : {}),
      ...(!ended && pause?.resumesAt !== undefined ? { resumesAt: pause.resumesAt } : {}),
      consentPending: !ended && this.consent === 'asked' && ev !== undefined && ev.decision.consentPrompt !== 'none',
      monitors,
      notifyMonitoring: group?.notifyAgentOfMonitoring === true,
    };
    const key = JSON.stringify(snapshot);
    if (key === this.lastSnapshotKey) return;
    this.lastSnapshotKey = key;
    for (const listener of this.agentListeners) {
      try {
        listener(snapshot);
      } catch (err) {
        this.log.error(`the agent's view of this call could not be updated: ${(err as Error).message}`);
      }
    }
  }

  /** Republishes the call's recording state when what FreeSWITCH confirmed (or what is on its way) changed it. */
  private noteRecordingStatus(): void {
    const status = recordingStatusOf(this.options.recorder.observed(this.callId));
    if (status === this.lastRecordingStatus) return;
    this.lastRecordingStatus = status;
    this.options.daemon.annotate(this.callId, { recording: { state: status } });
  }

  private async evaluation(call: CallState): Promise<Evaluation> {
    const { policy, extension } = this.policyOf(call);
    const taken = extension !== undefined ? await this.agentFacts(extension, policy) : undefined;
    // Consent on file is read again for every decision after the first, so a revocation
    // entered while the call runs stops the agent's recording at the next one (issue 10, point 6).
    const facts = extension !== undefined && taken !== undefined ? { ...taken, consent: await this.agentConsentNow(extension, taken) } : taken;
    const adopted = this.options.adopted;
    // An adopted call's keys and transfers before this daemon started come from the evidence.
    const seen = adopted && adopted.digits.length > 0 ? { ...call, digits: [...adopted.digits, ...call.digits] } : call;
    const fresh = policyInputOf(seen, {
      legalNoticeAcknowledged: this.options.recording.legalNoticeAcknowledged,
      policy,
      consent: this.consent,
      ...(this.consentAnsweredAt !== undefined ? { consentAnsweredAt: this.consentAnsweredAt } : {}),
      agentConsentOnFile: facts?.consent ?? 'unknown',
      ...(facts?.callNumber !== undefined ? { agentCallNumber: facts.callNumber } : {}),
      supervisorConsent: (ext) => this.supervisorConsent(ext),
      supervisorNames: this.options.daemon.annotationsOf(this.callId).supervisors ?? {},
      operatorRequests: this.operatorRequests,
      pauseRequests: this.pauseRequests,
      now: this.now(seen),
      ...(extension !== undefined ? { extension } : {}),
      ...(adopted ? { seeded: true } : {}),
    });
    const joined: PolicyInput = adopted && adopted.transfers.length > 0 ? { ...fresh, transfers: [...adopted.transfers, ...fresh.transfers] } : fresh;
    // The recording volume's free space (src/lifecycle), for the storage gate.
    const storage = this.options.recorder.storageFor(this.callId);
    const input: PolicyInput = storage !== undefined ? { ...joined, storage } : joined;
    return { decision: decideRecording(input), input, policy, ...(extension !== undefined ? { extension } : {}) };
  }

  /**
   * The agent extension decides the settings (README "Recording policies"): the one bridged,
   * else the one the dialplan named (callwarden_agent) or its callwarden_target rings. An
   * extension not enabled in config is `disabled`. Before any agent is known, the call's
   * group (callwarden_group) applies.
   */
  private policyOf(call: CallState): { policy: ExtensionPolicy; extension?: string } {
    const cfg = this.options.recording;
    const extension = call.agentExtension ?? this.options.expectedAgent;
    if (extension !== undefined) return { policy: policyForExtension(cfg, extension), extension };
    const name = call.group ?? this.options.group;
    if (name !== undefined && Object.prototype.hasOwnProperty.call(cfg.groups, name)) {
      return { policy: { groupName: name, group: cfg.groups[name]! } };
    }
    return { policy: { group: DISABLED_GROUP } };
  }

  /**
   * Consent on file and, for every-nth, the agent's call number from the shared database
   * counter — taken once per agent and call, when the call is offered to that agent (the
   * consent is then read again for each later decision: agentConsentNow).
   */
  private agentFacts(extension: string, policy: ExtensionPolicy): Promise<AgentFacts> {
    let entry = this.agents.get(extension);
    if (!entry) {
      const { store } = this.options.daemon;
      const sampled = policy.group.mode === 'every-nth' || policy.extensionMode === 'every-nth' || policy.group.perCallMayLoosenTo.includes('every-nth');
      const facts = (async (): Promise<AgentFacts> => {
        await store.queue.ready();
        let consent: ConsentOnFile = 'unknown';
        try {
          consent = (await store.repository.getAgentConsent(extension)) ? 'yes' : 'no';
        } catch (err) {
          this.log.warn(`agent ${extension}'s recording consent could not be read (${(err as Error).message}); treated as none`);
        }
        let callNumber: number | undefined;
        if (sampled) {
          try {
            callNumber = await store.repository.nextAgentCallNumber(extension);
          } catch (err) {
            this.log.warn(`agent ${extension}'s call counter could not be read (${(err as Error).message}); not sampled`);
          }
        }
        const result = { consent, ...(callNumber !== undefined ? { callNumber } : {}) };
        appendEvidence(store.queue, this.log, this.callId, 'agent_facts', { extension, consentOnFile: consent, callNumber: callNumber ?? null });
        return result;
      })();
      entry = { facts };
      this.agents.set(extension, entry);
    }
    return entry.facts;
  }

  /**
   * The agent's consent on file for this decision: the first decision uses the one agentFacts
   * took; every later one reads it again (one indexed row), and a change goes to the evidence.
   * A failed read is "unknown", which the policy treats as none (GDPR Art. 7(1)).
   */
  private async agentConsentNow(extension: string, facts: AgentFacts): Promise<ConsentOnFile> {
    // agentFacts made the entry before this is asked.
    const entry = this.agents.get(extension);
    const last = entry?.lastConsent;
    if (entry === undefined || last === undefined) {
      if (entry) entry.lastConsent = facts.consent;
      return facts.consent;
    }
    const { store } = this.options.daemon;
    let now: ConsentOnFile = 'unknown';
    try {
      now = (await store.repository.getAgentConsent(extension)) ? 'yes' : 'no';
    } catch (err) {
      this.log.warn(`agent ${extension}'s recording consent could not be read again (${(err as Error).message}); treated as none`);
    }
    if (now !== last) {
      entry.lastConsent = now;
      this.log.info(`agent ${extension}'s recording consent on file is now ${now} (was ${last})`);
      appendEvidence(store.queue, this.log, this.callId, 'agent_facts', { extension, consentOnFile: now, callNumber: facts.callNumber ?? null, changedFrom: last });
    }
    return now;
  }

  /**
   * By the supervisor's extension (agent_consents holds supervisors too). Looked up in the
   * background; until known it is "unknown", which masks (the safe side). No extension: unknown.
   */
  private supervisorConsent(extension: string | undefined): ConsentOnFile {
    if (extension === undefined) return 'unknown';
    const supervisors = (this.supervisors ??= new Map());
    const known = supervisors.get(extension);
    if (known !== undefined) return known;
    supervisors.set(extension, 'unknown');
    void this.options.daemon.store.repository
      .getAgentConsent(extension)
      .then((c) => {
        supervisors.set(extension, c ? 'yes' : 'no');
        appendEvidence(this.options.daemon.store.queue, this.log, this.callId, 'supervisor_facts', { extension, consentOnFile: c ? 'yes' : 'no' });
      })
      .catch((err: Error) => this.log.warn(`supervisor ${extension}'s recording consent could not be read (${err.message}); treated as none`))
      .finally(() => this.schedule());
    return 'unknown';
  }

  /** Every key pressed in the call, by whom and when: the consent answer and any later 9 or record key. */
  private logDigits(call: CallState): void {
    for (const d of call.digits.slice(this.digitsLogged)) {
      appendEvidence(this.options.daemon.store.queue, this.log, this.callId, 'digit_pressed', {
        role: d.role,
        digit: d.digit,
        leg: d.leg,
        at: microsToIso(d.at) ?? null,
      });
    }
    this.digitsLogged = call.digits.length;
  }

  /**
   * A transfer row per new agent leg after the first: the call socket is handed back before
   * the bridge, so the transfers are seen here, on the inbound connection (an adopted call's
   * manual segments are rebuilt from these rows).
   */
  private logTransfers(call: CallState): void {
    const transfers = transfersOf(call);
    for (const t of transfers.slice(this.transfersLogged)) {
      const ms = Math.floor(t.at / 1000);
      const at = Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null;
      appendEvidence(this.options.daemon.store.queue, this.log, this.callId, 'transfer', { to: t.to ?? null, at });
    }
    this.transfersLogged = Math.max(this.transfersLogged, transfers.length);
  }

  /** A decision row whenever the answer or its reason changes (not on every event). */
  private noteDecision(ev: Evaluation): void {
    const d = ev.decision;
    const key = JSON.stringify([d.record, d.reason, d.channels, d.segment, d.masked, d.mode, d.consentPrompt, d.announcements.map((a) => a.id)]);
    if (key === this.lastDecisionKey) return;
    this.lastDecisionKey = key;
    if (!this.acceptedLogged) {
      this.acceptedLogged = true;
      const agent = ev.extension !== undefined ? `, agent ${ev.extension}` : '';
      this.log.info(`call ${this.options.adopted ? 'adopted' : 'accepted'}: group ${ev.policy.groupName ?? this.options.group ?? 'none'}, mode ${d.mode} (${d.modeSource})${agent}`);
    }
    const i = ev.input;
    appendEvidence(this.options.daemon.store.queue, this.log, this.callId, 'decision', {
      record: d.record,
      reason: d.reason,
      mode: d.mode,
      modeSource: d.modeSource,
      channels: d.channels,
      segment: d.segment,
      masked: d.masked,
      consentPrompt: d.consentPrompt,
      announcements: d.announcements.map((a) => a.id),
      ruleTrail: d.ruleTrail,
      // The GDPR Art. 6(1) basis the group's recording rests on (issue 10, point 7).
      legalBasis: ev.policy.group.legalBasis ?? null,
      input: {
        group: ev.policy.groupName ?? null,
        extension: ev.extension ?? null,
        consent: i.consent,
        agentConsentOnFile: i.agentConsentOnFile,
        agentCallNumber: i.agentCallNumber ?? null,
        bridged: i.bridged,
        veto: i.veto,
        callOverride: i.callOverride ?? null,
        legalNoticeAcknowledged: i.legalNoticeAcknowledged,
        supervisors: i.supervisors.map((s) => ({ mode: s.mode, consentOnFile: s.consentOnFile })),
        operatorRequests: (i.operatorRequests ?? []).map((r) => ({ action: r.action, by: r.by })),
      },
    });
    const state = recordingStatusOf(this.options.recorder.observed(this.callId));
    this.lastRecordingStatus = state;
    this.options.daemon.annotate(this.callId, {
      consent: MQTT_CONSENT[this.lastCall ? currentConsent(this.lastCall, { consent: this.consent, consentAnsweredAt: this.consentAnsweredAt }) : this.consent],
      policy: d.mode,
      recording: {
        state,
        channels: d.channels,
        segment: d.segment,
        masked: d.masked,
      },
    });
  }
}
