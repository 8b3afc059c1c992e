// Coaching as one unit for the CLI: the *98* session handler, the monitor tracker and the live-ops server.

import type { Daemon, SessionHandler } from '../daemon';
import type { Logger } from '../logger';
import { coachingHandler } from './coaching-handler';
import type { CoachingConfig, LiveOpsConfig } from './coaching-config';
import { keyPlan } from './coaching-keys';
import { LiveOpsCommands } from './live-ops-commands';
import { LiveOpsServer } from './live-ops-server';
import { MonitorTracker } from './monitor-tracker';
import { unavailableRecordingControl, type RecordingControl } from './recording-control';

export interface CoachingOptions {
  /** The call controllers table (src/calls/ CallControllers); without one every ops "record" is refused. */
  readonly recordingControl?: RecordingControl;
}

/**
 * `handler` exists before the daemon (it goes into routeSessions); `start(daemon)` runs after
 * `daemon.start()`, when the store and MQTT are open.
 */
export class Coaching {
  readonly handler: SessionHandler;
  private tracker: MonitorTracker | undefined;
  private server: LiveOpsServer | undefined;
  private readonly log: Logger;

  constructor(
    private readonly config: { readonly coaching: CoachingConfig; readonly liveOps: LiveOpsConfig },
    private readonly logger: Logger,
    private readonly options: CoachingOptions = {},
  ) {
    this.log = logger.child({ module: 'coaching' });
    this.handler = coachingHandler({ config: config.coaching, logger });
  }

  /** The live-ops port once listening (0 when live operations are off). */
  get liveOpsPort(): number {
    return this.server?.port ?? 0;
  }

  get monitors(): MonitorTracker | undefined {
    return this.tracker;
  }

  async start(daemon: Daemon): Promise<void> {
    const { coaching, liveOps } = this.config;
    this.tracker = new MonitorTracker(daemon, this.logger);
    this.tracker.start();
    if (!coaching.enabled) this.log.info('coaching is off (coaching.enabled): *98* calls hear the refusal announcement');
    else if (!coaching.legalNoticeAcknowledged) this.log.warn('coaching.enabled is true but coaching.legalNoticeAcknowledged is not: every *98* call is refused');
    else this.log.info(`coaching on for ${Object.keys(coaching.supervisors).length} supervisor(s); keys ${keyPlan(coaching.keys).kind === 'native' ? "FreeSWITCH's own (0/1/2/3)" : 'translated by the daemon'}`);
    if (liveOps.enabled) {
      const commands = new LiveOpsCommands({ daemon, coaching, liveOps, recording: this.options.recordingControl ?? unavailableRecordingControl, logger: this.logger });
      this.server = new LiveOpsServer(liveOps, commands, this.logger);
      await this.server.listen();
    }
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.tracker?.stop();
  }
}
