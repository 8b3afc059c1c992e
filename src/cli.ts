#!/usr/bin/env node
// The `callwarden` command: run the daemon, migrate the database, list calls, check a call's evidence.

import { loadConfig, ConfigError } from './config';
import { configureLogger, logger } from './logger';

const USAGE = `usage: callwarden <command>

commands:
  run                      start the daemon (config/ + CALLWARDEN_* environment variables)
  migrate                  bring the database schema up to date
  calls [--since 24h] [--json]
                           calls in the database since a time (90m, 24h, 7d or ISO date)
  evidence <call-id>       the call's consent evidence and whether its hash chain verifies
                           (exit 0 verifies, 3 broken, 4 no evidence)
  purge [--dry-run]        delete recordings past their group's retention or mailed under "do not keep",
                           unless on legal hold; prints a table (the daemon does it hourly)
  hold add|remove|list     legal holds per call (--call) or phone number (--number); block every deletion
  mail [--failed]          the mail queue: pending, sent, failed
  storage                  space used and needed, KB per minute, days left on the volume
  subject export <number> [--out dir]
                           every call, recording and evidence row about a phone number, with a manifest
  help                     this text`;

const print = (line: string): void => console.log(line);

async function main(argv: string[]): Promise<number> {
  const [command = 'help'] = argv;
  switch (command) {
    case 'run': {
      const config = loadConfig();
      configureLogger(config.log);
      const { Daemon, routeSessions } = await import('./daemon');
      // Calls: consent flow, bridge, recording policies (src/calls/, src/recorder/). The
      // controllers table is also live operations' RecordingControl, so it comes first.
      const { CallControllers, adoptRunningCalls, createCallHandler } = await import('./calls');
      // After the call: mp3, retention terms, mail, storage (src/lifecycle).
      const { RecordingLifecycle } = await import('./lifecycle/recording-lifecycle');
      const lifecycle = new RecordingLifecycle(config, logger);
      const controllers = new CallControllers({ lifecycle });
      const calls = createCallHandler({ recording: config.recording, logger, controllers });
      // Coaching: *98*<ext> sockets and the live-ops server (src/coaching/).
      const { Coaching } = await import('./coaching');
      const coaching = new Coaching(config, logger, { recordingControl: controllers });
      const daemon = new Daemon(config, logger, { onSession: routeSessions({ calls, coaching: coaching.handler }) });
      let adoption: { stop(): void } | undefined;
      const stop = async (signal: string) => {
        logger.info(`${signal}: stopping`);
        adoption?.stop();
        await coaching.stop();
        await lifecycle.stop();
        await daemon.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      await daemon.start();
      await lifecycle.start(daemon);
      // Calls already running (a restart mid-call) get a controller once the call table is rebuilt.
      adoption = adoptRunningCalls(daemon, { recording: config.recording, logger, controllers });
      await coaching.start(daemon);
      return -1; // keep running
    }
    case 'migrate': {
      const { migrateCommand } = await import('./commands/migrate');
      return migrateCommand(loadConfig(), print);
    }
    case 'calls': {
      const { callsCommand } = await import('./commands/calls');
      return callsCommand(loadConfig(), argv.slice(1), print);
    }
    case 'evidence': {
      const { evidenceCommand } = await import('./commands/evidence');
      return evidenceCommand(loadConfig(), argv.slice(1), print);
    }
    case 'purge': {
      const { purgeCommand } = await import('./commands/purge');
      return purgeCommand(loadConfig(), argv.slice(1), print);
    }
    case 'hold':
      return (await import('./commands/hold')).holdCommand(loadConfig(), argv.slice(1), print);
    case 'mail':
      return (await import('./commands/mail')).mailCommand(loadConfig(), argv.slice(1), print);
    case 'storage':
      return (await import('./commands/storage')).storageCommand(loadConfig(), argv.slice(1), print);
    case 'subject':
      return (await import('./commands/subject')).subjectCommand(loadConfig(), argv.slice(1), print);
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`callwarden: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError || (err as Error).name === 'UsageError') console.error(`callwarden: ${(err as Error).message}`);
    else console.error(`callwarden: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
