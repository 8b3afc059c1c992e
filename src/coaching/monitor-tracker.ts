// Turns the monitors FreeSWITCH shows on each call into monitor_sessions rows, evidence and MQTT events.

import { randomUUID } from 'node:crypto';
import type { Subscription } from 'rxjs';
import type { Daemon } from '../daemon';
import type { Logger } from '../logger';
import type { CallState, CallUpdate, MonitorMode, MonitorSession } from '../streams';
import { eventTime, STORE_MODE, VIEW_MODE } from './monitor-modes';

interface OpenSession {
  readonly id: string;
  readonly callId: string;
  readonly supervisorLeg: string;
  readonly targetLeg: string;
  readonly supervisor: string;
  mode: MonitorMode;
}

/**
 * Level-triggered from CallState.monitors (observed from `eavesdrop` and the supervisor's
 * DTMF, never from our own commands), so *98* and live-ops "listen" are recorded the same
 * way. An eavesdrop the daemon does not control (a dialplan without our socket) is seen
 * only when it ends: the inbound connection does not subscribe to CHANNEL_EXECUTE, only to
 * CHANNEL_EXECUTE_COMPLETE. Writes go through the store's queue: a slow database never
 * delays a call. One subscriber for all calls (it must see calls nobody else follows), but
 * its work per update is that call's own monitors and sessions, never a scan of the others.
 */
export class MonitorTracker {
  private readonly open = new Map<string, OpenSession>();
  /** callId → keys of its open sessions: a call's end closes its own sessions without scanning everyone's. */
  private readonly openByCall = new Map<string, Set<string>>();
  private subscription: Subscription | undefined;
  private readonly log: Logger;

  constructor(
    private readonly daemon: Daemon,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'coaching-monitors' });
  }

  start(): void {
    this.subscription = this.daemon.registry.calls$.subscribe((update) => {
      try {
        this.apply(update);
      } catch (err) {
        this.log.error(`monitor state not recorded: ${(err as Error).message}`, { callId: update.call.callId });
      }
    });
  }

  /**
   * Closes the rows of sessions still open: nobody watches them once we stop. An eavesdrop that
   * outlives us is found again by the next start's rebuild (show channels) and gets a new row.
   */
  stop(): void {
    this.subscription?.unsubscribe();
    for (const [key, s] of this.open) this.end(key, s, new Date());
  }

  /** Sessions still open (supervisor leg → row id), for tests and shutdown reports. */
  get openSessions(): ReadonlyArray<{ id: string; callId: string; supervisorLeg: string; mode: MonitorMode }> {
    return [...this.open.values()].map(({ id, callId, supervisorLeg, mode }) => ({ id, callId, supervisorLeg, mode }));
  }

  private apply(update: CallUpdate): void {
    // The supervisor's own call is absorbed into the call it listens to; its monitor lives on there.
    if (update.kind === 'absorbed') return;
    const call = update.call;
    for (const m of call.monitors) {
      const key = `${m.supervisorLeg}|${m.targetLeg}`;
      const known = this.open.get(key);
      const mode = m.mode;
      if (m.active && known === undefined) this.begin(key, call, m, mode);
      else if (m.active && known !== undefined && known.mode !== mode) this.changeMode(known, mode, eventTime(m.modeChangedAt));
      else if (!m.active && known !== undefined) this.end(key, known, eventTime(m.stoppedAt));
    }
    if (update.kind === 'ended') {
      for (const key of [...(this.openByCall.get(call.callId) ?? [])]) {
        const s = this.open.get(key);
        if (s !== undefined) this.end(key, s, eventTime(call.endedAt));
      }
    }
  }

  private begin(key: string, call: CallState, m: MonitorSession, mode: MonitorMode): void {
    const leg = call.legs.find((l) => l.uuid === m.supervisorLeg);
    const supervisor = this.daemon.annotationsOf(call.callId).supervisors?.[m.supervisorLeg] ?? leg?.callerNumber ?? m.supervisorLeg;
    const target = call.legs.find((l) => l.uuid === m.targetLeg);
    const extension = target?.extension ?? call.agentExtension ?? '';
    const session: OpenSession = { id: randomUUID(), callId: call.callId, supervisorLeg: m.supervisorLeg, targetLeg: m.targetLeg, supervisor, mode };
    this.open.set(key, session);
    let keys = this.openByCall.get(call.callId);
    if (keys === undefined) this.openByCall.set(call.callId, (keys = new Set()));
    keys.add(key);
    const at = eventTime(m.startedAt);
    const queue = this.daemon.store.queue;
    queue.startMonitorSession({ id: session.id, supervisor, targetCallId: call.callId, extension, startedAt: at, mode: STORE_MODE[mode] });
    queue.appendEvidence(call.callId, 'monitor_started', { session: session.id, supervisor, supervisorLeg: m.supervisorLeg, targetLeg: m.targetLeg, targetRole: target?.role ?? null, extension, mode: STORE_MODE[mode] }, at);
    this.daemon.publisher.publishEvent('monitor-started', { callId: call.callId, at, supervisor, mode: VIEW_MODE[mode] });
    this.log.info(`${supervisor} monitors extension ${extension || '?'} (${VIEW_MODE[mode]})`, { callId: call.callId });
  }

  private changeMode(s: OpenSession, mode: MonitorMode, at: Date): void {
    if (s.mode === mode) return;
    const previous = s.mode;
    s.mode = mode;
    this.daemon.store.queue.appendMonitorMode(s.id, STORE_MODE[mode], at);
    this.daemon.store.queue.appendEvidence(s.callId, 'monitor_mode', { session: s.id, supervisor: s.supervisor, mode: STORE_MODE[mode], previousMode: STORE_MODE[previous] }, at);
    this.daemon.publisher.publishEvent('monitor-mode-changed', { callId: s.callId, at, supervisor: s.supervisor, mode: VIEW_MODE[mode], previousMode: VIEW_MODE[previous] });
    this.log.info(`${s.supervisor}: ${VIEW_MODE[previous]} → ${VIEW_MODE[mode]}`, { callId: s.callId });
  }

  private end(key: string, s: OpenSession, at: Date): void {
    this.open.delete(key);
    const keys = this.openByCall.get(s.callId);
    keys?.delete(key);
    if (keys?.size === 0) this.openByCall.delete(s.callId);
    this.daemon.store.queue.endMonitorSession(s.id, at);
    this.daemon.store.queue.appendEvidence(s.callId, 'monitor_ended', { session: s.id, supervisor: s.supervisor, mode: STORE_MODE[s.mode] }, at);
    this.daemon.publisher.publishEvent('monitor-ended', { callId: s.callId, at, supervisor: s.supervisor, mode: VIEW_MODE[s.mode] });
    this.log.info(`${s.supervisor} stopped monitoring`, { callId: s.callId });
  }
}
