// What a signed-in user may do on a live call — record start/stop, pause/resume, listen — scoped to their groups/extensions, answered and audited.

import { randomUUID } from 'node:crypto';
import type { Daemon } from '../daemon';
import type { Logger } from '../logger';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { liveAgentLeg, type CallState } from '../streams';
import { authoriseCoaching, listenOriginate, type CoachingConfig, type LiveOpsConfig, type RecordingControl } from '../coaching';
import type { AccessLog } from './access-log';
import { inScope, mayActLive, scopeOf, type WebUser } from './web-roles';

/** After the phone answered: the *98* socket, authorisation and eavesdrop take a moment. */
const LISTEN_SETUP_S = 10;

/** Resolves true once the call shows an active monitor from `supervisorLeg`, false after `ms`. */
function monitorStarted(daemon: Daemon, callId: string, supervisorLeg: string, ms: number): { result: Promise<boolean>; cancel(): void } {
  const seen = (call: CallState | undefined) => call?.monitors.some((m) => m.active && m.supervisorLeg === supervisorLeg) ?? false;
  let cancel = (): void => undefined;
  const result = seen(daemon.registry.get(callId))
    ? Promise.resolve(true)
    : new Promise<boolean>((resolve) => {
        cancel = () => resolve(false);
        firstValueFrom(daemon.registry.call$(callId).pipe(filter((u) => seen(u.call)), timeout(ms))).then(
          () => resolve(true),
          () => resolve(false),
        );
      });
  return { result, cancel };
}

/** The answer to one command: `status` is the HTTP status, the rest is the JSON body. */
export interface OpsResult {
  readonly status: number;
  readonly ok: boolean;
  readonly command: string;
  readonly reason: string;
  readonly callId?: string;
  readonly supervisorLeg?: string;
}

export interface LiveOpsDeps {
  readonly daemon: Daemon;
  readonly coaching: CoachingConfig;
  readonly liveOps: LiveOpsConfig;
  readonly recording: RecordingControl;
  readonly accessLog: AccessLog;
  readonly logger: Logger;
}

type AuthenticatedUser = WebUser;

export class LiveOperations {
  private readonly log: Logger;

  constructor(private readonly deps: LiveOpsDeps) {
    this.log = deps.logger.child({ module: 'live-ops' });
  }

  async record(who: AuthenticatedUser, callId: string, action: 'start' | 'stop', address: string | null): Promise<OpsResult> {
    const command = `record ${action}`;
    const denied = this.permission(who, command, callId);
    if (denied) return this.answer(who, denied);
    const call = this.liveCall(who, callId);
    if (call === undefined) return this.answer(who, { status: 404, ok: false, command, callId, reason: `no live call ${callId}` });
    await this.deps.accessLog.append({ user: who.name, action: 'live-record', callId: call.callId, address });
    let result;
    try {
      result = await this.deps.recording.request(call.callId, action, { user: who.name, via: 'live-ops' });
    } catch (err) {
      result = { ok: false, reason: `recording control failed: ${(err as Error).message}` };
    }
    // 409: the request was understood but the call's policy (or state) does not allow it.
    return this.answer(who, { status: result.ok ? 200 : 409, ok: result.ok, command, callId: call.callId, reason: result.reason });
  }

  /**
   * Pauses (masks) the running recording for sensitive input, or resumes it: the same scope as
   * record start/stop. The call's controller decides (a pause never starts a recording and ends
   * by itself at the group's pauseMaxSeconds) and writes who and when to the call's evidence.
   */
  async pause(who: AuthenticatedUser, callId: string, action: 'pause' | 'resume', address: string | null): Promise<OpsResult> {
    const command = `recording ${action}`;
    const denied = this.permission(who, command, callId);
    if (denied) return this.answer(who, denied);
    const call = this.liveCall(who, callId);
    if (call === undefined) return this.answer(who, { status: 404, ok: false, command, callId, reason: `no live call ${callId}` });
    await this.deps.accessLog.append({ user: who.name, action: action === 'pause' ? 'live-pause' : 'live-resume', callId: call.callId, address });
    let result;
    try {
      result = await this.deps.recording.pause(call.callId, action, { user: who.name, via: 'live-ops' });
    } catch (err) {
      result = { ok: false, reason: `recording control failed: ${(err as Error).message}` };
    }
    return this.answer(who, { status: result.ok ? 200 : 409, ok: result.ok, command, callId: call.callId, reason: result.reason });
  }

  /** Rings the user's own phone; once answered it eavesdrops on the agent's leg of the call. */
  async listen(who: AuthenticatedUser, target: { callId?: string; extension?: string }, address: string | null): Promise<OpsResult> {
    const command = 'listen';
    const denied = this.permission(who, command, target.callId);
    if (denied) return this.answer(who, denied);
    const byExtension = target.callId === undefined ? this.deps.daemon.registry.activeCallOfAgent(target.extension ?? '') : undefined;
    const call = target.callId !== undefined ? this.liveCall(who, target.callId) : byExtension && this.visible(who, byExtension) ? byExtension : undefined;
    const agentLeg = call ? liveAgentLeg(call) : undefined;
    if (call === undefined || agentLeg === undefined || !agentLeg.answered) {
      const what = target.callId !== undefined ? `call ${target.callId}` : `extension ${target.extension}`;
      return this.answer(who, { status: 404, ok: false, command, callId: call?.callId ?? target.callId, reason: `${what} has no answered agent leg to listen to` });
    }
    const extension = agentLeg.extension ?? call.agentExtension ?? '';
    if (who.extension === null) return this.answer(who, { status: 409, ok: false, command, callId: call.callId, reason: `${who.name} has no phone extension to ring (callwarden users … --extension)` });
    // The same rules as *98*: the user is the supervisor behind their extension.
    const decision = authoriseCoaching(this.deps.coaching, { supervisor: who.extension, extension, group: call.group });
    if (!decision.ok) return this.answer(who, { status: 403, ok: false, command, callId: call.callId, reason: decision.reason });
    await this.deps.accessLog.append({ user: who.name, action: 'live-listen', callId: call.callId, address });
    const phone = who.extension;

    const supervisorLeg = randomUUID();
    const { daemon, liveOps } = this.deps;
    const originate = listenOriginate({
      endpoint: liveOps.listenEndpoint,
      supervisor: phone,
      extension,
      supervisorLeg,
      context: liveOps.listenContext,
      ringSeconds: liveOps.ringSeconds,
      opsUser: who.name,
    });
    // Subscribed before the phone can answer, so the eavesdrop cannot start unseen.
    const listening = monitorStarted(daemon, call.callId, supervisorLeg, (liveOps.ringSeconds + LISTEN_SETUP_S) * 1000);
    try {
      // eavesdrop is node-local: the phone is rung from the node that owns the call, so its
      // *98* reaches that node's dialplan and the agent's leg is there.
      const inbound = daemon.inboundOf(daemon.nodeOfCall(call.callId) ?? '');
      if (inbound === undefined) throw new Error(`the FreeSWITCH node of call ${call.callId} is not one of this daemon's`);
      await inbound.bgapi(originate, (liveOps.ringSeconds + LISTEN_SETUP_S) * 1000);
    } catch (err) {
      listening.cancel();
      return this.answer(who, { status: 502, ok: false, command, callId: call.callId, reason: `the phone of ${phone} was not connected: ${(err as Error).message}` });
    }
    // The phone answered and went through *98*; the coaching handler checks again and eavesdrops.
    const started = await listening.result;
    if (!started) return this.answer(who, { status: 502, ok: false, command, callId: call.callId, supervisorLeg, reason: `${phone} answered but the eavesdrop did not start (see the daemon's log)` });
    return this.answer(who, { status: 200, ok: true, command, callId: call.callId, supervisorLeg, reason: `${phone} is listening to extension ${extension}` });
  }

  private permission(who: AuthenticatedUser, command: string, callId: string | undefined): OpsResult | undefined {
    if (!this.deps.liveOps.enabled) return { status: 403, ok: false, command, ...(callId !== undefined ? { callId } : {}), reason: 'live operations are off (liveOps.enabled)' };
    if (mayActLive(who)) return undefined;
    return { status: 403, ok: false, command, ...(callId !== undefined ? { callId } : {}), reason: `${who.name} is an ${who.role}: read-only, no live actions` };
  }

  /** Within the user's groups/extensions; a call outside them is "not found", like one that does not exist. */
  private visible(who: AuthenticatedUser, call: CallState): boolean {
    return inScope(scopeOf(who, this.deps.coaching.supervisors), call);
  }

  private liveCall(who: AuthenticatedUser, callId: string): CallState | undefined {
    const call = this.deps.daemon.registry.get(callId);
    return call && !call.ended && this.visible(who, call) ? call : undefined;
  }

  /** Every answer is logged, and written to the call's evidence chain when there is a call to attach it to. */
  private answer(who: AuthenticatedUser, result: OpsResult): OpsResult {
    const line = `${who.name}: ${result.command} ${result.ok ? 'done' : 'refused'}: ${result.reason}`;
    if (result.ok) this.log.info(line, { callId: result.callId });
    else this.log.warn(line, { callId: result.callId });
    // Only calls the user may see get the row (a refused probe of another group's call id leaves no trace in it).
    const call = result.callId !== undefined ? this.deps.daemon.registry.get(result.callId) : undefined;
    if (result.callId !== undefined && call !== undefined && this.visible(who, call)) {
      this.deps.daemon.store.queue.appendEvidence(result.callId, 'ops_command', {
        user: who.name,
        extension: who.extension,
        command: result.command,
        ok: result.ok,
        reason: result.reason,
        ...(result.supervisorLeg !== undefined ? { supervisorLeg: result.supervisorLeg } : {}),
      });
    }
    return result;
  }
}
