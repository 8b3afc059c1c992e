// The SessionHandler for calls the dialplan hands over: consent flow, then the bridge to the group's target.

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
import { extensionOfDialString } from './dial-string';

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
  const expectedAgent = extensionOfDialString(group?.target);
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
    target: group?.target ?? null,
    expectedAgent: expectedAgent ?? null,
    caller: headers['Caller-Caller-ID-Number'] ?? null,
    destination: headers['Caller-Destination-Number'] ?? null,
    veto: headers['variable_callwarden_no_record'] ?? null,
    policyOverride: headers['variable_callwarden_policy'] ?? null,
  });
  if (groupName !== undefined && group === undefined) log.warn(`callwarden_group "${groupName}" is not configured (recording.groups); the call goes back to the dialplan unrecorded`, { callId });

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
        answered: (outcome, at, digit) => {
          controller.setConsent(outcome, at);
          if (outcome === 'given') daemon.publisher.publishEvent('consent-given', { callId, ...(digit ? { digit } : {}) });
          else daemon.publisher.publishEvent('consent-refused', { callId, ...(digit ? { digit } : {}), reason: outcome });
        },
      });
    }
  }
  if (controller.callerHungUp()) return;

  if (group?.target === undefined) {
    // No target configured (or no group): the dialplan after `socket` routes the call
    // (socket_resume=true lets it continue when we close).
    evidence('routed', { via: 'dialplan' });
    session.close();
    return;
  }
  evidence('routed', { via: 'bridge', target: group.target });
  const done = await session.execute('bridge', group.target);
  const h = done.headers;
  // A transfer gives the caller leg a new caller profile whose Transfer-Source is on every
  // later event (transfer/consent-socket): the call lives on in the dialplan, not with us.
  if (h['Caller-Transfer-Source'] !== undefined && h['Caller-Transfer-Source'] !== headers['Caller-Transfer-Source']) {
    evidence('transfer', { to: h['Caller-Destination-Number'] ?? null, source: h['Caller-Transfer-Source'] });
    return;
  }
  if (h['Answer-State'] === 'hangup' || h['Channel-Call-State'] === 'HANGUP' || controller.callerHungUp()) return;
  if (h['variable_last_bridge_to'] !== undefined || h['variable_bridge_uuid'] !== undefined) {
    // The agent hung up: the conversation is over (FreeSWITCH's hangup_after_bridge).
    await session.hangup('NORMAL_CLEARING').catch(() => undefined);
    return;
  }
  // Nobody answered: give the call back to the dialplan's own fallback.
  evidence('routed', { via: 'dialplan', reason: `bridge failed (${h['variable_originate_disposition'] ?? 'no answer'})` });
  session.close();
}
