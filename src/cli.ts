#!/usr/bin/env node
// The `callwarden` command: `run` starts the daemon; further subcommands come with the store.

import { loadConfig, ConfigError } from './config';
import { configureLogger, logger } from './logger';

const USAGE = `usage: callwarden <command>

commands:
  run        start the daemon (config/ + CALLWARDEN_* environment variables)
  help       this text`;

async function main(argv: string[]): Promise<number> {
  const [command = 'help'] = argv;
  switch (command) {
    case 'run': {
      const config = loadConfig();
      configureLogger(config.log);
      const { Daemon } = await import('./daemon');
      const daemon = new Daemon(config, logger);
      const stop = async (signal: string) => {
        logger.info(`${signal}: stopping`);
        await daemon.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      await daemon.start();
      return -1; // keep running
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
    if (err instanceof ConfigError) console.error(`callwarden: ${err.message}`);
    else console.error(`callwarden: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
