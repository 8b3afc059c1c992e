// The table of `callwarden` commands: one line per command; src/cli.ts builds the parser from it.

import type { CliCommand } from './command';
import { runCommand } from './run';
import { checkConfigCommand } from './check-config';
import { migrateCommand } from './migrate';
import { callsCommand } from './calls';
import { evidenceCommand } from './evidence';
import { auditCommand } from './audit';
import { usersCommand, passwdCommand } from './users';
import { agentsCommand } from './agents';
import { purgeCommand } from './purge';
import { holdCommand } from './hold';
import { mailCommand } from './mail';
import { storageCommand } from './storage';
import { subjectCommand } from './subject';
import { simulateCommand } from './simulate';

/** In the order `callwarden --help` lists them. A new command: its module, one import, one line here. */
export const COMMANDS: readonly CliCommand[] = [
  runCommand,
  checkConfigCommand,
  migrateCommand,
  callsCommand,
  evidenceCommand,
  auditCommand,
  usersCommand,
  agentsCommand,
  passwdCommand,
  purgeCommand,
  holdCommand,
  mailCommand,
  storageCommand,
  subjectCommand,
  simulateCommand,
];
