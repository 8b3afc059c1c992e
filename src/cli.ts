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
  purge [--dry-run]        delete recordings past their retention date (the daemon does it hourly)
  users add|list|passwd|disable|enable|token
                           people of the back office (see README, "Back office")
  agents consent|revoke|list
                           agents' signed recording consents
  audit [--since 7d] [--user x] [--call id] [--json]
                           who listened to, downloaded or exported what; failed logins and lockouts
  passwd                   print a scrypt hash of a password read from the prompt or stdin
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
      const controllers = new CallControllers();
      const calls = createCallHandler({ recording: config.recording, logger, controllers });
      // Coaching: *98*<ext> sockets (src/coaching/); live operations are served by src/web/.
      const { Coaching } = await import('./coaching');
      const coaching = new Coaching(config, logger);
      const { startWeb } = await import('./web');
      let web: { close(): Promise<void> } | undefined;
      const daemon = new Daemon(config, logger, { onSession: routeSessions({ calls, coaching: coaching.handler }) });
      let adoption: { stop(): void } | undefined;
      const stop = async (signal: string) => {
        logger.info(`${signal}: stopping`);
        adoption?.stop();
        await web?.close();
        await coaching.stop();
        await daemon.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      await daemon.start();
      // Calls already running (a restart mid-call) get a controller once the call table is rebuilt.
      adoption = adoptRunningCalls(daemon, { recording: config.recording, logger, controllers });
      await coaching.start(daemon);
      // The HTTP server for people: back office and live operations (the controllers table is their RecordingControl).
      web = await startWeb(config, daemon, controllers, logger);
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
    case 'users': {
      const { usersCommand } = await import('./commands/users');
      return usersCommand(loadConfig(), argv.slice(1), print);
    }
    case 'agents': {
      const { agentsCommand } = await import('./commands/agents');
      return agentsCommand(loadConfig(), argv.slice(1), print);
    }
    case 'audit': {
      const { auditCommand } = await import('./commands/audit');
      return auditCommand(loadConfig(), argv.slice(1), print);
    }
    case 'passwd': {
      const { passwdCommand } = await import('./commands/users');
      return passwdCommand(undefined, argv.slice(1), print);
    }
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
