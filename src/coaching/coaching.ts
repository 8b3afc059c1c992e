// Coaching as one unit for the CLI: the *98* session handler and the monitor tracker (live operations: src/web/).

import type { Daemon, SessionHandler } from '../daemon';
import type { Logger } from '../logger';
import { coachingHandler } from './coaching-handler';
import type { CoachingConfig } from './coaching-config';
import { keyPlan } from './coaching-keys';
import { MonitorTracker } from './monitor-tracker';

/**
 * `handler` exists before the daemon (it goes into routeSessions); `start(daemon)` runs after
 * `daemon.start()`, when the store and MQTT are open.
 */
export class Coaching {
  readonly handler: SessionHandler;
  private tracker: MonitorTracker | undefined;
  private readonly log: Logger;

  constructor(
    private readonly config: { readonly coaching: CoachingConfig },
    private readonly logger: Logger,
  ) {
    this.log = logger.child({ module: 'coaching' });
    this.handler = coachingHandler({ config: config.coaching, logger });
  }

  get monitors(): MonitorTracker | undefined {
    return this.tracker;
  }

  async start(daemon: Daemon): Promise<void> {
    const { coaching } = this.config;
    this.tracker = new MonitorTracker(daemon, this.logger);
    this.tracker.start();
    if (!coaching.enabled) this.log.info('coaching is off (coaching.enabled): *98* calls hear the refusal announcement');
    else if (!coaching.legalNoticeAcknowledged) this.log.warn('coaching.enabled is true but coaching.legalNoticeAcknowledged is not: every *98* call is refused');
    else this.log.info(`coaching on for ${Object.keys(coaching.supervisors).length} supervisor(s); keys ${keyPlan(coaching.keys).kind === 'native' ? "FreeSWITCH's own (0/1/2/3)" : 'translated by the daemon'}`);
  }

  async stop(): Promise<void> {
    this.tracker?.stop();
  }
}
