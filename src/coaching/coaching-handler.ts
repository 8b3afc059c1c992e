// The `*98*<ext>` session: authorise the supervisor, find the agent's leg, eavesdrop on it with DTMF control.

import { filter, type Subscription } from 'rxjs';
import type { Daemon, SessionHandler } from '../daemon';
import { uuidBroadcast } from '../esl/commands';
import type { OutboundSession } from '../esl/outbound-server';
import type { Logger } from '../logger';
import type { CallRecord } from '../store';
import { guarded } from '../rx-guard';
import { liveAgentLeg } from '../streams';
import { authoriseCoaching } from './authorise-coaching';
import { eavesdropArg, eavesdropCommand } from './coaching-commands';
import type { CoachingConfig } from './coaching-config';
import { keyPlan, translateDigit } from './coaching-keys';

export interface CoachingHandlerDeps {
  readonly config: CoachingConfig;
  readonly logger: Logger;
}

/** How long an announcement may take before we stop waiting for it. */
const ANNOUNCEMENT_TIMEOUT_MS = 60_000;

/** The extension in `*98*<ext>`; the dialplan's expression guarantees digits only. */
export function coachingTarget(dialled: string): string | undefined {
  return /^\*98\*(\d{2,10})$/.exec(dialled)?.[1];
}

export function coachingHandler(deps: CoachingHandlerDeps): SessionHandler {
  const { config } = deps;
  const plan = keyPlan(config.keys);
  const baseLog = deps.logger.child({ module: 'coaching' });

  return async (session: OutboundSession, daemon: Daemon) => {
    const h = session.channelData.headers;
    const log = baseLog.child({ callId: session.uuid });
    // The SIP user FreeSWITCH authenticated against its directory; the caller ID number is
    // whatever the phone put in its From header and proves nothing.
    const supervisor = h['variable_user_name'] || undefined;
    const extension = coachingTarget(h['Caller-Destination-Number'] ?? '') ?? '';
    const audit = (kind: string, detail: Record<string, unknown>, callIds: Array<string | undefined>) => {
      for (const id of new Set(callIds)) if (id) daemon.store.queue.appendEvidence(id, kind, { supervisor: supervisor ?? null, supervisorLeg: session.uuid, extension, ...detail });
    };

    try {
      const call = extension ? daemon.registry.activeCallOfAgent(extension) : undefined;
      // Not in this daemon's table: another daemon sharing the database may have the agent's call.
      const elsewhere = call === undefined && extension ? await callOfAnotherDaemon(daemon, extension, h['FreeSWITCH-Hostname'], log) : undefined;
      const decision = authoriseCoaching(config, { supervisor, extension, group: call?.group ?? elsewhere?.group ?? undefined });
      // Rights by group need the call to tell; with no call there is nothing to monitor anyway.
      const onlyGroupUnknown = !decision.ok && decision.refusal === 'target-not-allowed' && call === undefined && elsewhere === undefined && (config.supervisors[supervisor ?? '']?.groups.length ?? 0) > 0;
      if (!decision.ok && !onlyGroupUnknown) {
        log.warn(`coaching refused: ${decision.reason}`);
        audit('coaching_refused', { refusal: decision.refusal, reason: decision.reason }, [session.uuid, call?.callId]);
        await announceAndHangUp(session, config.announcements.refused, log);
        return;
      }
      // eavesdrop finds channels of its own FreeSWITCH only: an agent on another node cannot be
      // reached from this one. The supervisor hears so (not "no call", which would be untrue) and
      // may dial again through the agent's node; nothing is bridged between nodes.
      const supervisorNode = daemon.nodeOfSession(session);
      const agentNode = call !== undefined ? (call.node.name !== supervisorNode ? call.node.name : undefined) : (elsewhere?.node ?? undefined);
      if (agentNode !== undefined || (elsewhere !== undefined && call === undefined)) {
        const where = agentNode ?? 'another node';
        log.info(`coaching: extension ${extension}'s call is on FreeSWITCH node ${where}, not on ${supervisorNode ?? "this supervisor's"}; eavesdrop reaches its own node only`, { targetCallId: call?.callId ?? elsewhere?.callId });
        // A call of another daemon has its own evidence chain, written by that daemon only.
        audit('coaching_other_node', { agentNode: where, supervisorNode: supervisorNode ?? null, reason: `extension ${extension} is on another FreeSWITCH node; eavesdrop is node-local` }, [session.uuid, call?.callId]);
        await announceAndHangUp(session, config.announcements.otherNode ?? config.announcements.notAvailable, log);
        return;
      }
      const agentLeg = call ? liveAgentLeg(call) : undefined;
      if (call === undefined || agentLeg === undefined || !agentLeg.answered) {
        log.info(`coaching: extension ${extension || '(none)'} has no call to monitor`);
        audit('coaching_not_available', { reason: `extension ${extension} has no active call` }, [session.uuid]);
        await announceAndHangUp(session, config.announcements.notAvailable, log);
        return;
      }
      // Checked before anything is audited as started: a target that is not a UUID never reaches eavesdrop.
      const target = eavesdropArg(agentLeg.uuid);

      await session.execute('answer');
      // Native keys: FreeSWITCH switches modes itself and the registry sees the digits.
      // Translated keys: FreeSWITCH must ignore raw digits; we send its command instead.
      await session.execute('set', `eavesdrop_enable_dtmf=${plan.kind === 'native' ? 'true' : 'false'}`);
      if (plan.kind === 'translated') {
        // Tells the call table which digit means which mode (src/streams), so CallState, MQTT and
        // the recording policy see the modes exactly as with FreeSWITCH's own keys.
        const k = config.keys;
        await session.execute('set', `callwarden_eavesdrop_keys=${k.listen}${k.talkCaller}${k.whisperAgent}${k.conference}`);
      }
      if (config.notifyAgent.enabled) {
        // Before anyone listens: the agent hears it, the caller does not (aleg = the agent's own channel).
        await session.api(uuidBroadcast(agentLeg.uuid, config.notifyAgent.file, 'aleg')).catch((err: Error) => log.warn(`agent notification not played: ${err.message}`));
      }
      daemon.annotate(call.callId, { supervisors: { [session.uuid]: supervisor ?? session.uuid } });
      audit('coaching_started', { reason: decision.ok ? decision.reason : 'group rights', agentLeg: agentLeg.uuid, keys: plan.kind }, [call.callId, session.uuid]);
      log.info(`${supervisor} starts monitoring extension ${extension}`, { targetCallId: call.callId });

      let translation: Subscription | undefined;
      if (plan.kind === 'translated') {
        translation = session.events$.pipe(filter((e) => e.name === 'DTMF' && e.headers['Unique-ID'] === session.uuid)).subscribe(
          guarded(log, 'translating a coaching key', (e) => {
            const step = translateDigit(plan, e.headers['DTMF-Digit'] ?? '');
            if (step === undefined) return;
            session.connection.command(eavesdropCommand(session.uuid, step.native)).catch((err: Error) => log.warn(`mode ${step.mode} not switched: ${err.message}`));
          }),
        );
      }
      try {
        // Returns when the supervisor hangs up or the agent's leg goes away.
        await session.execute('eavesdrop', target);
      } finally {
        translation?.unsubscribe();
      }
      audit('coaching_ended', {}, [call.callId]);
      if (session.connection.isOpen) await session.hangup().catch(() => undefined);
    } catch (err) {
      // Mostly: the supervisor hung up while we were still talking to the channel.
      log.info(`coaching session over: ${(err as Error).message}`);
      session.close();
    }
  };
}

/** How far back an open row of another daemon counts as the agent's live call (a daemon killed mid-call leaves one open until it resyncs). */
const OTHER_DAEMON_WINDOW_MS = 12 * 3600_000;
/** How long the lookup of another daemon's call may take. */
const OTHER_DAEMON_LOOKUP_MS = 2000;

/**
 * The agent's open call in the shared database that this daemon does not have: another
 * daemon's (several daemons share one database). A row of the supervisor's own FreeSWITCH
 * (`hostname`) is not another node's: this daemon would have it, so it is stale. Never throws:
 * a database that does not answer means "not known".
 */
async function callOfAnotherDaemon(daemon: Daemon, extension: string, hostname: string | undefined, log: Logger): Promise<CallRecord | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    // The supervisor is waiting in silence: a database that does not answer soon means "not known".
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${OTHER_DAEMON_LOOKUP_MS} ms`)), OTHER_DAEMON_LOOKUP_MS);
    });
    const row = await Promise.race([daemon.store.repository.openCallOfAgent(extension, new Date(Date.now() - OTHER_DAEMON_WINDOW_MS)), late]);
    if (row === undefined || daemon.registry.get(row.callId) !== undefined || (hostname !== undefined && row.node === hostname)) return undefined;
    return row;
  } catch (err) {
    log.info(`coaching: other daemons' calls not looked up (${(err as Error).message})`);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** The supervisor always hears why (never silence), then the call ends. */
async function announceAndHangUp(session: OutboundSession, file: string, log: Logger): Promise<void> {
  try {
    await session.execute('answer');
    await session.execute('playback', file, ANNOUNCEMENT_TIMEOUT_MS);
    await session.hangup();
  } catch (err) {
    log.info(`announcement cut short: ${(err as Error).message}`);
    session.close();
  }
}
