// The agent's side of the daemon: folds every call's snapshot into per-agent views and shows them on the phone's lamp and on MQTT.

import { merge } from 'rxjs';
import type { CallAgentListener } from '../calls/call-agent-snapshot';
import type { Daemon } from '../daemon';
import type { Logger } from '../logger';
import type { AgentView } from '../mqtt';
import type { RecordingConfig } from '../policies';
import { parsePresenceId, presenceIdFor, type AgentsConfig } from './agent-config';
import { AgentBoard } from './agent-board';
import { RecordingLampPublisher } from './recording-lamp-publisher';

export class AgentSide {
  private readonly board = new AgentBoard();
  private readonly lamp: RecordingLampPublisher | undefined;
  private daemon: Daemon | undefined;
  private readonly log: Logger;
  private connectedSub: { unsubscribe(): void } | undefined;
  private probeSub: { unsubscribe(): void } | undefined;

  constructor(
    private readonly config: { readonly agents: AgentsConfig; readonly recording: RecordingConfig },
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'agents' });
    if (config.agents.lamp.enabled) {
      this.lamp = new RecordingLampPublisher({
        lamp: config.agents.lamp,
        // Never wait for a connection that is down: the reconnect resends every lamp anyway.
        connection: async () => {
          const up = (this.daemon?.nodes ?? []).filter((n) => n.inbound.state === 'connected');
          if (up.length === 0) throw new Error('not connected to FreeSWITCH');
          // One node: its connection as before; several: every connected one.
          return up.length === 1 && this.daemon?.nodes.length === 1 ? up[0]!.inbound.ready() : Promise.all(up.map((n) => n.inbound.ready()));
        },
        logger,
      });
    }
  }

  /**
   * Handed to the call controllers (CallControllers.configureAgentSide). Only agents enabled
   * in config get a lamp and a topic: the extension of a call comes from FreeSWITCH, and an
   * unlisted one is never recorded anyway; a call that moves to one counts as gone for its
   * previous agent.
   */
  readonly listener: CallAgentListener = (snapshot) => {
    const known = snapshot.extension !== undefined && this.agents().includes(snapshot.extension);
    const { extension: _dropped, ...rest } = snapshot;
    for (const view of this.board.update(known ? snapshot : rest)) this.show(view);
  };

  /** After daemon.start(): the agents' idle states, and every lamp set once per (re)connect. */
  start(daemon: Daemon): void {
    this.daemon = daemon;
    const agents = this.agents();
    if (this.config.agents.mqtt.enabled) for (const ext of agents) daemon.publisher.publishAgent(this.board.viewOf(ext));
    if (this.lamp) {
      const lamp = this.lamp;
      this.connectedSub = merge(...daemon.nodes.map((n) => n.inbound.connected$)).subscribe(() => lamp.resendAll(agents));
      if (daemon.nodes.some((n) => n.inbound.state === 'connected')) lamp.resendAll(agents);
      // A phone that (re)subscribes is answered by mod_sofia from its own tables (an empty
      // dialog list); the probe mod_sofia fires for it lets the lamp's real state follow.
      const byPresence = new Map<string, string>();
      for (const ext of agents) {
        const p = presenceIdFor(this.config.agents.lamp, ext);
        if (p) byPresence.set(`${p.proto}+${p.user}@${p.domain}`.toLowerCase(), ext);
      }
      this.probeSub = daemon.inboundEvents$.subscribe((event) => {
        if (event.name !== 'PRESENCE_PROBE') return;
        const ext = byPresence.get(probedLamp(event.headers) ?? '');
        if (ext !== undefined) lamp.resend(ext);
      });
      lamp.startRefresh();
      this.log.info(`recording lamps on for ${agents.length} agent(s) (BLF presence ${this.config.agents.lamp.presenceId.replace('{domain}', this.config.agents.lamp.domain)})`);
    }
  }

  async stop(): Promise<void> {
    this.connectedSub?.unsubscribe();
    this.probeSub?.unsubscribe();
    await this.lamp?.stop();
  }

  /** The agents this daemon shows: every extension enabled for recording, and those with a lamp of their own. */
  private agents(): string[] {
    return [...new Set([...Object.keys(this.config.recording.extensions), ...Object.keys(this.config.agents.lamp.extensions)])];
  }

  /** The current view of one agent (idle when none). */
  viewOf(extension: string): AgentView {
    return this.board.viewOf(extension);
  }

  private show(view: AgentView): void {
    if (this.config.agents.mqtt.enabled) this.daemon?.publisher.publishAgent(view);
    this.lamp?.set(view.extension, view.lamp);
  }
}

/**
 * The lamp a PRESENCE_PROBE asks about, as `proto+user@domain` in lower case: sofia's probe
 * for a dialog SUBSCRIBE carries the subscribed URI's user and host in `to`. Anything that is
 * not a presence id of ours reads as nothing (the header comes from a phone's SUBSCRIBE).
 */
export function probedLamp(headers: Readonly<Record<string, string | undefined>>): string | undefined {
  const event = headers['proto-specific-event-name'];
  if (event !== undefined && event.toLowerCase() !== 'dialog') return undefined;
  const to = (headers['to'] ?? '').replace(/^sip:/i, '');
  const p = parsePresenceId(to);
  return p === undefined ? undefined : `${p.proto}+${p.user}@${p.domain}`.toLowerCase();
}
