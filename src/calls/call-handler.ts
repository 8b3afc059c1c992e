// The SessionHandler for calls the dialplan hands over: the consent flow, then the call goes back to the dialplan, which bridges it.

import type { Daemon, SessionHandler } from '../daemon';
import { EslDisconnectedError } from '../esl/errors';
import type { OutboundSession } from '../esl/outbound-server';
import type { Logger } from '../logger';
import { consentFlow, type RecordingConfig } from '../policies';
import type { Recorder } from '../recorder';
import { appendEvidence } from './call-evidence';
import { CallController } from './call-controller';
import { CallControllers } from './call-controllers';
import { runConsentFlow } from './consent-runner';
import { dialStringOf, extensionOfDialString } from './dial-string';

export interface CallHandlerOptions {
  readonly recording: RecordingConfig;
  readonly logger: Logger;
  /** Called with each call's controller (tests and the demo await `done`). */
  readonly onController?: (controller: CallController) => void;
  /** Shared with live operations (RecordingControl) and the adoption of running calls; a private one if omitted. */
  readonly controllers?: CallControllers;
}

/** The one line an operator needs when recording is off by configuration. */
export const LEGAL_NOTICE_LINE =
  'recording is OFF for every call: recording.legalNoticeAcknowledged is false (CALLWARDEN_RECORDING_LEGAL_NOTICE_ACKNOWLEDGED). ' +
  'Calls are still routed; set it to true once you have read the legal notice in README.md ("Recording policies").';

/**
 * One Recorder per daemon (it owns the observed state of every call's recordings), kept by
 * the controllers table. Created at the first call, because the daemon's inbound connection
 * and store exist only then.
 */
export function createCallHandler(options: CallHandlerOptions): SessionHandler {
  const log = options.logger.child({ module: 'calls' });
  if (!options.recording.legalNoticeAcknowledged) log.warn(LEGAL_NOTICE_LINE);
  const controllers = options.controllers ?? new CallControllers();
  return async (session, daemon) => {
    try {
      await handleCall(session, daemon, controllers.recorderOf(daemon, options.recording, options.logger), controllers, options, log);
    } catch (err) {
      // The caller hung up (the socket closed under a command): the controller still sees the
      // call to its end through the inbound connection; nothing is left to do here.
      if (err instanceof EslDisconnectedError) return;
      throw err;
    }
  };
}

async function handleCall(session: OutboundSession, daemon: Daemon, recorder: Recorder, controllers: CallControllers, options: CallHandlerOptions, log: Logger): Promise<void> {
  const callId = session.uuid;
  const headers = session.channelData.headers;
  const cfg = options.recording;
  const groupName = headers['variable_callwarden_group'] || undefined;
  const group = groupName !== undefined && Object.prototype.hasOwnProperty.call(cfg.groups, groupName) ? cfg.groups[groupName] : undefined;
  const evidence = (kind: string, detail: Record<string, unknown>): void => appendEvidence(daemon.store.queue, log, callId, kind, detail);
  // The dialplan's one target, which its own `bridge ${callwarden_target}` dials after `socket`:
  // the agent is known before the prompt (every-nth, agent consent) and is the one the call reaches.
  const rawTarget = headers['variable_callwarden_target'];
  const target = dialStringOf(rawTarget);
  const expectedAgent = extensionOfDialString(target);
  // The keys of the node the socket was attributed to: where the channel lives.
  const digits = controllers.digitsOf(daemon, daemon.nodeOfSession(session) ?? '(no node)');
  // Keys count from the moment the socket was believed (a caller may press during the answer).
  const believedAt = digits.mark();
  const controller = new CallController(callId, {
    daemon,
    recorder,
    recording: cfg,
    logger: options.logger,
    ...(groupName !== undefined ? { group: groupName } : {}),
    ...(expectedAgent !== undefined ? { expectedAgent } : {}),
  });
  controllers.add(controller);
  options.onController?.(controller);
  controller.start();
  evidence('call_accepted', {
    group: groupName ?? null,
    groupKnown: group !== undefined,
    target: target ?? null,
    expectedAgent: expectedAgent ?? null,
    caller: headers['Caller-Caller-ID-Number'] ?? null,
    destination: headers['Caller-Destination-Number'] ?? null,
    veto: headers['variable_callwarden_no_record'] ?? null,
    policyOverride: headers['variable_callwarden_policy'] ?? null,
  });
  if (groupName !== undefined && group === undefined) log.warn(`callwarden_group "${groupName}" is not configured (recording.groups); the call goes back to the dialplan unrecorded`, { callId });
  if (group !== undefined && rawTarget !== undefined && target === undefined) log.warn('callwarden_target is not a usable dial string; the agent is unknown before the prompt', { callId });
  else if (group !== undefined && target === undefined && headers['variable_callwarden_agent'] === undefined) {
    log.warn('the dialplan set no callwarden_target (nor callwarden_agent): the agent is unknown before the prompt, so agent consent and every-nth cannot be decided then (freeswitch/dialplan/callwarden.xml)', { callId });
  }

  const ev = await controller.decide();
  if (ev !== undefined) {
    const flow = consentFlow(ev.decision, ev.policy.group);
    if (flow === undefined) {
      // validateRecordingConfig demands the prompt for every reachable mode; a tightening
      // per-call override can still reach one without it: nothing can be asked, nothing recorded.
      evidence('prompt_missing', { prompt: ev.decision.consentPrompt, reason: 'the group has no prompt file for this mode; consent stays not-asked and nothing is recorded' });
    } else if (flow.steps.length > 0) {
      await runConsentFlow(session, flow, {
        evidence,
        asked: () => controller.setConsent('asked'),
        announced: (id) => controller.markAnnounced(id),
        // The key that starts a recording must also have reached the authenticated inbound
        // connection: a call socket alone cannot make a recording start.
        confirm: async (digit) => {
          const seen = await digits.seen(callId, digit, believedAt, daemon.config.esl.commandTimeoutMs);
          if (!seen) {
            evidence('consent_unconfirmed', { digit, reason: 'the call socket reported this key but the inbound connection never saw it on this channel; not taken as consent' });
            log.warn(`consent key ${digit} reported by the call socket (peer ${session.peer}) was never seen on the inbound connection; not taken as consent`, { callId });
          }
          return seen;
        },
        answered: (outcome, at, digit) => {
          controller.setConsent(outcome, at);
          if (outcome === 'given') daemon.publisher.publishEvent('consent-given', { callId, ...(digit ? { digit } : {}) });
          else daemon.publisher.publishEvent('consent-refused', { callId, ...(digit ? { digit } : {}), reason: outcome });
        },
      });
    }
  }
  if (controller.callerHungUp()) return;

  // Hand the call back: the dialplan below `socket` bridges ${callwarden_target}
  // (socket_resume=true). From here the call is followed on the inbound connection, where
  // the recorder works, so nothing the daemon does later — stop, crash, upgrade — can cut it:
  // FreeSWITCH ends a socket application that loses its socket, and any bridge inside it.
  evidence('routed', { via: 'dialplan', target: target ?? null });
  session.close();
}
