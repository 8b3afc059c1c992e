// Builds the web server from config and the running daemon (called by the composition root in src/commands/run.ts).

import type { RecordingControl } from '../coaching';
import type { CallwardenConfig } from '../config';
import type { Daemon } from '../daemon';
import type { Logger } from '../logger';
import type { AccessLog } from './access-log';
import { UserDirectory } from './user-directory';
import { WebServer } from './web-server';

export interface StartWebOptions {
  /** Where access events go; by default the store's sealed access log. */
  readonly accessLog?: AccessLog;
}

/** Undefined when web.enabled is false. Listens before it returns. */
export async function startWeb(config: CallwardenConfig, daemon: Daemon, recording: RecordingControl, logger: Logger, options: StartWebOptions = {}): Promise<WebServer | undefined> {
  if (!config.web.enabled) {
    logger.child({ module: 'web' }).info('web server off (web.enabled): no back office, no live operations over HTTP');
    return undefined;
  }
  const { knex, repository } = daemon.store;
  const server = new WebServer({
    config: config.web,
    liveOps: config.liveOps,
    coaching: config.coaching,
    recordingDir: config.recording.directory,
    recordingGroups: config.recording.groups,
    knex,
    tables: repository.tables,
    repository,
    users: new UserDirectory(knex, repository.tables),
    accessLog: options.accessLog ?? repository.accessLog,
    live: { daemon, recording },
    logger,
  });
  await server.listen();
  return server;
}
