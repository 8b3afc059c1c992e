// Runtime state of one channel inside the simulated switch (what the apps wait on).

import type { Channel } from './channel';
import type { Recording } from './recording';

/** An application queued by `sendmsg … execute` on an outbound socket. */
export interface QueuedApp {
  readonly app: string;
  readonly arg: string;
  readonly uuid: string | undefined;
}

/** The outbound ESL connection controlling a channel (implemented by the connection layer). */
export interface OutboundLink {
  /** The daemon closed (or half-closed) the socket. */
  readonly closed: boolean;
  /** After CHANNEL_HANGUP_COMPLETE: with linger, notice + wait for the client to close. */
  finish(): Promise<void>;
}

export type EavesdropMode = 'listen' | 'talk-target' | 'talk-partner' | 'three-way';

export class Session {
  /** Digits received and not yet consumed by an application. */
  readonly dtmf: string[] = [];
  readonly appQueue: QueuedApp[] = [];
  readonly recordings: Recording[] = [];
  link: OutboundLink | undefined;
  /** The other leg while bridged. */
  bridge: Session | undefined;
  /** Set by uuid_transfer: the dialplan restarts at this extension. */
  transfer: { dest: string; dialplan: string; context: string } | undefined;
  /** For an originated leg: the scripted far end answered / rejected. */
  farEnd: 'ringing' | 'answered' | 'rejected' = 'ringing';
  /** The hangup cause of a refused originate (a SIP 603 is CALL_REJECTED, a 503 NORMAL_TEMPORARY_FAILURE). */
  rejectCause = 'CALL_REJECTED';
  /** Which app is running, for waits like "expect prompt". */
  runningApp: string | undefined;
  collecting = false;
  /** play_and_get_digits has played its prompt and now waits for a key. */
  awaitingDigits = false;
  eavesdropTarget: Session | undefined;
  eavesdropMode: EavesdropMode = 'listen';
  /** Set when the partner leg's teardown must run inside ours (trace order). */
  readonly partnersToFinish: Session[] = [];
  teardown: Promise<void> | undefined;
  /**
   * The outbound socket that runs the current application closed under it: FreeSWITCH breaks
   * the application (a bridge hangs its agent leg up) and the `socket` app returns
   * (traces daemon-kill9-midcall, daemon-restart-midcall).
   */
  breakApp = false;
  /** Work to run right after the current application's CHANNEL_EXECUTE_COMPLETE. */
  readonly afterApp: Array<() => Promise<void>> = [];
  /**
   * uuid_broadcast queues its playback as a message the channel's own thread runs in order
   * (switch_ivr_broadcast): a second broadcast waits for the first instead of overlapping it.
   */
  broadcasts: Promise<unknown> = Promise.resolve();
  /** Label of the scripted call this leg belongs to (timelines). */
  label: string | undefined;
  role: 'caller' | 'agent' | 'supervisor' | 'leg' = 'caller';

  constructor(readonly ch: Channel) {}

  get uuid(): string {
    return this.ch.uuid;
  }
}
