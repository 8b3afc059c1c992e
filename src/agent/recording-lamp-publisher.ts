// Sends each agent's recording lamp to FreeSWITCH (sendevent PRESENCE_IN on the inbound connection) whenever it changes, and again after reconnects.

import type { EslConnection } from '../esl/connection';
import type { Logger } from '../logger';
import type { LampState } from '../policies';
import { presenceIdFor, type LampConfig, type PresenceId } from './agent-config';
import { presenceCommand } from './presence-event';

export interface LampPublisherOptions {
  readonly lamp: LampConfig;
  /**
   * The inbound connection(s) that are up (sendevent must go where FreeSWITCH fires events): with
   * several nodes every connected one, since a phone subscribes to its lamp where it is registered.
   */
  readonly connection: () => Promise<EslConnection | readonly EslConnection[]>;
  /** Seconds since the epoch (the answer time mod_sofia wants, see presence-event). */
  readonly nowSeconds?: () => number;
  readonly logger: Logger;
}

/**
 * One lamp per agent extension; updates go out one at a time in the order they were made,
 * so an "on" never overtakes the "off" after it. A lamp state FreeSWITCH did not take is not
 * retried at once (the next change, reconnect or refresh sends the current state again).
 */
export class RecordingLampPublisher {
  private readonly states = new Map<string, LampState>();
  private chain: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  private failing = false;
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LampPublisherOptions) {
    this.log = options.logger.child({ module: 'agent-lamp' });
  }

  /** The lamp of `extension` should show `state`; sent only when it differs from what was sent. */
  set(extension: string, state: LampState): void {
    if (this.states.get(extension) === state) return;
    this.states.set(extension, state);
    this.send(extension, state);
  }

  /**
   * After (re)connecting, and at start for every enabled agent: FreeSWITCH (and the phones)
   * may still show what an earlier run left — a lamp must not stay lit after a crash.
   */
  resendAll(extensions: readonly string[] = []): void {
    for (const ext of extensions) if (!this.states.has(ext)) this.states.set(ext, 'off');
    for (const [ext, state] of this.states) this.send(ext, state);
  }

  /** Sends the lamp's current state again (a phone just subscribed); nothing for a lamp never set. */
  resend(extension: string): void {
    const state = this.states.get(extension);
    if (state !== undefined) this.send(extension, state);
  }

  startRefresh(): void {
    const every = this.options.lamp.refreshSeconds;
    if (every <= 0) return;
    this.refreshTimer = setInterval(() => this.resendAll(), every * 1000);
    this.refreshTimer.unref();
  }

  stop(): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    return this.chain;
  }

  /** What was last asked per extension (tests, status). */
  stateOf(extension: string): LampState | undefined {
    return this.states.get(extension);
  }

  private send(extension: string, state: LampState): void {
    const presence: PresenceId | undefined = presenceIdFor(this.options.lamp, extension);
    if (presence === undefined) return; // refused by the config check at start; never sent malformed
    const now = (this.options.nowSeconds ?? (() => Date.now() / 1000))();
    this.chain = this.chain.then(async () => {
      try {
        const conns = await this.options.connection();
        const all = Array.isArray(conns) ? (conns as readonly EslConnection[]) : [conns as EslConnection];
        if (all.length === 0) throw new Error('not connected to FreeSWITCH');
        const text = presenceCommand(presence, state, now);
        const results = await Promise.allSettled(all.map((c) => c.command(text)));
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
        if (this.failing) this.log.info('recording lamps are reaching FreeSWITCH again');
        this.failing = false;
      } catch (err) {
        if (!this.failing) this.log.warn(`recording lamp ${presence.id} not sent (${(err as Error).message}); sent again after the next reconnect`);
        this.failing = true;
      }
    });
  }
}
