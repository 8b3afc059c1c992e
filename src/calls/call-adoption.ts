// Gives a controller to calls that were already running when the daemon (re)started, once the call table is rebuilt.

import type { Subscription } from 'rxjs';
import type { Daemon } from '../daemon';
import { uuidGetVar } from '../esl/commands';
import type { Logger } from '../logger';
import type { RecordingConfig } from '../policies';
import { callerLeg, type CallState } from '../streams';
import { adoptedCallFrom } from './adopted-call';
import { appendEvidence } from './call-evidence';
import { CallController } from './call-controller';
import type { CallControllers } from './call-controllers';
import { isBridged, seededBridged } from './call-policy-input';
import { dialStringOf, extensionOfDialString } from './dial-string';

export interface CallAdoptionOptions {
  readonly recording: RecordingConfig;
  readonly logger: Logger;
  readonly controllers: CallControllers;
  readonly onController?: (controller: CallController) => void;
}

export interface CallAdoption {
  stop(): void;
}

/**
 * Without this a call that outlives a daemon run is never re-checked: its recording would
 * run on after a 9, a transfer or an agent's stop. The call table is rebuilt from `show
 * channels as json` after every (re)connect; a seeded call (an update with no event behind
 * it) that has no controller is adopted when callwarden handled it: FreeSWITCH says
 * callwarden_group is set, or the store shows a recording of it still running. Its consent,
 * keys, transfers, agent facts and played announcements come from the evidence, its running
 * files from the recordings rows; the controller then reconciles as always, so only what is
 * still wanted is (re)issued — no second start of a file that runs, a mask re-sent since its
 * state is unknown.
 */
export function adoptRunningCalls(daemon: Daemon, options: CallAdoptionOptions): CallAdoption {
  const log = options.logger.child({ module: 'calls' });
  const considered = new Set<string>();
  const consider = (call: CallState): void => {
    if (call.ended || considered.has(call.callId) || options.controllers.has(call.callId)) return;
    const caller = callerLeg(call);
    if (caller === undefined || caller.hungup || caller.role !== 'caller') return;
    considered.add(call.callId);
    adopt(call).catch((err: Error) => log.warn(`a running call could not be adopted (${err.message}); its recording is not re-checked`, { callId: call.callId }));
  };

  const adopt = async (seen: CallState): Promise<void> => {
    const callId = seen.callId;
    const group = seen.group ?? (await groupOf(daemon, callId));
    const { store } = daemon;
    await store.queue.ready();
    const [evidence, recordings] = await Promise.all([store.repository.listEvidence(callId), store.repository.listRecordings(callId)]);
    const adopted = adoptedCallFrom(evidence, recordings);
    if (group === undefined && adopted.running.length === 0) return;
    const call = daemon.registry.get(callId);
    // A call whose socket is on its way (seeded between its CHANNEL_CREATE and `socket`) is
    // the call handler's: only a call a previous run knew of, or one in conversation, is ours.
    if (call === undefined || call.ended || options.controllers.has(callId)) return;
    if (evidence.length === 0 && adopted.running.length === 0 && !isBridged(call) && !seededBridged(call)) return;
    // The agent the dialplan's bridge dials, as FreeSWITCH has it on the caller leg now.
    const expectedAgent = extensionOfDialString(dialStringOf(await variableOf(daemon, callId, 'callwarden_target')));
    const controller = new CallController(callId, {
      daemon,
      recorder: options.controllers.recorderOf(daemon, options.recording, options.logger),
      recording: options.recording,
      logger: options.logger,
      ...(group !== undefined ? { group } : {}),
      ...(expectedAgent !== undefined ? { expectedAgent } : {}),
      adopted,
    });
    appendEvidence(store.queue, log, callId, 'adopted', {
      reason: 'the call was already running when this daemon started; its recording is re-checked from here on',
      group: group ?? null,
      ...adopted.summary,
    });
    log.info(`adopted a running call (group ${group ?? 'unknown'}, ${adopted.running.length} recording(s) running)`, { callId });
    options.controllers.add(controller);
    options.onController?.(controller);
    controller.start();
  };

  const sub: Subscription = daemon.registry.calls$.subscribe((u) => {
    if (u.kind !== 'updated') considered.delete(u.call.callId);
    // No cause: a seed from `show channels` (or an expiry), i.e. a rebuilt call table.
    else if (u.cause === undefined) consider(u.call);
  });
  // Calls seeded before we subscribed.
  for (const call of daemon.registry.list()) consider(call);
  return { stop: () => sub.unsubscribe() };
}

/** callwarden_group as FreeSWITCH has it now: the seeded rows carry no variables. */
function groupOf(daemon: Daemon, callId: string): Promise<string | undefined> {
  return variableOf(daemon, callId, 'callwarden_group');
}

async function variableOf(daemon: Daemon, callId: string, name: string): Promise<string | undefined> {
  const reply = (await daemon.apiForCall(callId, uuidGetVar(callId, name))).trim();
  return reply === '' || reply === '_undef_' || reply.startsWith('-ERR') ? undefined : reply;
}
