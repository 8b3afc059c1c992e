// What an authenticated ops user may do on a live call — record start/stop, listen — each answered and audited.

import { randomUUID } from 'node:crypto';
import type { Daemon } from '../daemon';
import type { Logger } from '../logger';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { liveAgentLeg, type CallState } from '../streams';
import type { AuthenticatedUser } from './live-ops-auth';
import { authoriseCoaching } from './authorise-coaching';
import { listenOriginate } from './coaching-commands';
import type { CoachingConfig, LiveOpsConfig, LiveOpsPermission } from './coaching-config';
import type { RecordingControl } from './recording-control';

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
  readonly logger: Logger;
}

export class LiveOpsCommands {
  private readonly log: Logger;

  constructor(private readonly deps: LiveOpsDeps) {
    this.log = deps.logger.child({ module: 'live-ops' });
  }

  async record(who: AuthenticatedUser, callId: string, action: 'start' | 'stop'): Promise<OpsResult> {
    const command = `record ${action}`;
    const denied = this.permission(who, 'record', command, callId);
    if (denied) return this.answer(who, denied);
    const call = this.liveCall(callId);
    if (call === undefined) return this.answer(who, { status: 404, ok: false, command, callId, reason: `no live call ${callId}` });
    let result;
    try {
      result = await this.deps.recording.request(call.callId, action, { user: who.name, via: 'live-ops' });
    } catch (err) {
      result = { ok: false, reason: `recording control failed: ${(err as Error).message}` };
    }
    // 409: the request was understood but the call's policy (or state) does not allow it.
    return this.answer(who, { status: result.ok ? 200 : 409, ok: result.ok, command, callId: call.callId, reason: result.reason });
  }

  /** Rings the user's own phone; once answered it eavesdrops on the agent's leg of the call. */
  async listen(who: AuthenticatedUser, target: { callId?: string; extension?: string }): Promise<OpsResult> {
    const command = 'listen';
    const denied = this.permission(who, 'listen', command, target.callId);
    if (denied) return this.answer(who, denied);
    const call = target.callId !== undefined ? this.liveCall(target.callId) : this.deps.daemon.registry.activeCallOfAgent(target.extension ?? '');
    const agentLeg = call ? liveAgentLeg(call) : undefined;
    if (call === undefined || agentLeg === undefined || !agentLeg.answered) {
      const what = target.callId !== undefined ? `call ${target.callId}` : `extension ${target.extension}`;
      return this.answer(who, { status: 404, ok: false, command, callId: call?.callId ?? target.callId, reason: `${what} has no answered agent leg to listen to` });
    }
    const extension = agentLeg.extension ?? call.agentExtension ?? '';
    // The same rules as *98*: the ops user is the supervisor behind their extension.
    const decision = authoriseCoaching(this.deps.coaching, { supervisor: who.user.extension, extension, group: call.group });
    if (!decision.ok) return this.answer(who, { status: 403, ok: false, command, callId: call.callId, reason: decision.reason });

    const supervisorLeg = randomUUID();
    const { daemon, liveOps } = this.deps;
    const originate = listenOriginate({
      endpoint: liveOps.listenEndpoint,
      supervisor: who.user.extension,
      extension,
      supervisorLeg,
      context: liveOps.listenContext,
      ringSeconds: liveOps.ringSeconds,
      opsUser: who.name,
    });
    // Subscribed before the phone can answer, so the eavesdrop cannot start unseen.
    const listening = monitorStarted(daemon, call.callId, supervisorLeg, (liveOps.ringSeconds + LISTEN_SETUP_S) * 1000);
    try {
      await daemon.inbound.bgapi(originate, (liveOps.ringSeconds + LISTEN_SETUP_S) * 1000);
    } catch (err) {
      listening.cancel();
      return this.answer(who, { status: 502, ok: false, command, callId: call.callId, reason: `the phone of ${who.user.extension} was not connected: ${(err as Error).message}` });
    }
    // The phone answered and went through *98*; the coaching handler checks again and eavesdrops.
    const started = await listening.result;
    if (!started) return this.answer(who, { status: 502, ok: false, command, callId: call.callId, supervisorLeg, reason: `${who.user.extension} answered but the eavesdrop did not start (see the daemon's log)` });
    return this.answer(who, { status: 200, ok: true, command, callId: call.callId, supervisorLeg, reason: `${who.user.extension} is listening to extension ${extension}` });
  }

  private permission(who: AuthenticatedUser, needed: LiveOpsPermission, command: string, callId: string | undefined): OpsResult | undefined {
    if (who.user.permissions.includes(needed)) return undefined;
    return { status: 403, ok: false, command, ...(callId !== undefined ? { callId } : {}), reason: `${who.name} lacks the "${needed}" permission (liveOps.users.${who.name}.permissions)` };
  }

  private liveCall(callId: string): CallState | undefined {
    const call = this.deps.daemon.registry.get(callId);
    return call && !call.ended ? call : undefined;
  }

  /** Every answer is logged, and written to the call's evidence chain when there is a call to attach it to. */
  private answer(who: AuthenticatedUser, result: OpsResult): OpsResult {
    const line = `${who.name}: ${result.command} ${result.ok ? 'done' : 'refused'}: ${result.reason}`;
    if (result.ok) this.log.info(line, { callId: result.callId });
    else this.log.warn(line, { callId: result.callId });
    if (result.callId !== undefined && this.deps.daemon.registry.get(result.callId) !== undefined) {
      this.deps.daemon.store.queue.appendEvidence(result.callId, 'ops_command', {
        user: who.name,
        extension: who.user.extension,
        command: result.command,
        ok: result.ok,
        reason: result.reason,
        ...(result.supervisorLeg !== undefined ? { supervisorLeg: result.supervisorLeg } : {}),
      });
    }
    return result;
  }
}
