// The live call controllers of one daemon and its one Recorder; answers live operations' recording requests (RecordingControl).

import { EMPTY } from 'rxjs';
import type { RecordingControl, RecordingControlResult, RecordingRequester } from '../coaching/recording-control';
import type { Daemon } from '../daemon';
import type { Logger } from '../logger';
import type { RecordingConfig } from '../policies';
import { Recorder, type RecorderLifecycle } from '../recorder';
import type { CallAgentListener } from './call-agent-snapshot';
import type { CallClock } from './call-clock';
import type { CallController } from './call-controller';
import { InboundDigits } from './inbound-digits';

/**
 * Created before the daemon (the CLI hands it to Coaching as its RecordingControl and to the
 * call handler and the adoption), so both ways a call gets a controller — the call socket,
 * or adoption after a restart — share one table and one Recorder per daemon.
 */
export class CallControllers implements RecordingControl {
  private readonly live = new Map<string, CallController>();
  private readonly recorders = new WeakMap<Daemon, Recorder>();
  private readonly digits = new WeakMap<Daemon, Map<string, InboundDigits>>();

  /**
   * The keys one node's inbound connection saw (one table per daemon and node, from its first
   * call on): a key counts only where the channel lives. No node given: the daemon's first; a
   * node the daemon does not have confirms nothing.
   */
  digitsOf(daemon: Daemon, node: string = daemon.nodeName): InboundDigits {
    let byNode = this.digits.get(daemon);
    if (!byNode) this.digits.set(daemon, (byNode = new Map()));
    let d = byNode.get(node);
    if (!d) {
      d = new InboundDigits(daemon.inboundOf(node)?.events$ ?? EMPTY);
      byNode.set(node, d);
    }
    return d;
  }

  private clock: CallClock | undefined;
  private readonly agentListeners: CallAgentListener[] = [];
  /** Told by a controller when it is done (one function for all, not a done.then per live call). */
  private readonly forget = (controller: CallController): void => {
    if (this.live.get(controller.callId) === controller) this.live.delete(controller.callId);
  };
  /** One function for every controller (not a closure per live call). */
  private readonly toAgentListeners: CallAgentListener = (s) => this.agentListeners.forEach((l) => l(s));

  /**
   * The agent's side (src/agent: lamp, MQTT agent topic) hears what every call shows its
   * agent; `clock` times pauses (the simulator's virtual clock in tests). Set before calls arrive.
   */
  configureAgentSide(options: { clock?: CallClock; listener?: CallAgentListener }): void {
    if (options.clock) this.clock = options.clock;
    if (options.listener) this.agentListeners.push(options.listener);
  }

  /** `lifecycle`: what happens to recordings after the call (src/lifecycle), handed to the Recorder. */
  constructor(private readonly parts: { lifecycle?: RecorderLifecycle } = {}) {}

  /** One Recorder per daemon (it owns the observed state of every call's recordings); the inbound connection and store exist once the daemon has started. */
  recorderOf(daemon: Daemon, recording: RecordingConfig, logger: Logger): Recorder {
    let r = this.recorders.get(daemon);
    if (!r) {
      r = new Recorder({
        // Each call's commands go to the node that owns its channels.
        api: (command, callId) => daemon.apiForCall(callId, command),
        queue: daemon.store.queue,
        publisher: daemon.publisher,
        recording,
        logger,
        ...(this.parts.lifecycle ? { lifecycle: this.parts.lifecycle } : {}),
      });
      this.recorders.set(daemon, r);
    }
    return r;
  }

  /** Kept until the call's last recording is checked. */
  add(controller: CallController): void {
    this.live.set(controller.callId, controller);
    controller.attach(this.clock, this.agentListeners.length > 0 ? this.toAgentListeners : undefined, this.forget);
  }

  get(callId: string): CallController | undefined {
    return this.live.get(callId);
  }

  has(callId: string): boolean {
    return this.live.has(callId);
  }

  /** Live operations' start / stop: the call's own controller judges it by the call's policy. */
  async request(callId: string, action: 'start' | 'stop', by: RecordingRequester): Promise<RecordingControlResult> {
    const controller = this.live.get(callId);
    if (controller === undefined) {
      return { ok: false, reason: 'callwarden does not control recording on this call (it was not handed to the daemon by the dialplan)' };
    }
    return controller.request(action, by);
  }

  /** Live operations' pause / resume for sensitive input (PCI DSS): the call's own controller judges and masks. */
  async pause(callId: string, action: 'pause' | 'resume', by: RecordingRequester): Promise<RecordingControlResult> {
    const controller = this.live.get(callId);
    if (controller === undefined) {
      return { ok: false, reason: 'callwarden does not control recording on this call (it was not handed to the daemon by the dialplan)' };
    }
    return controller.pause(action, by);
  }
}
