#!/usr/bin/env node
// The `callwarden` command: commander parses the line; each command lives in src/commands/ (table: src/commands/index.ts).

import { Command, CommanderError, Option } from 'commander';
import { COMMANDS } from './commands';
import { COMMON_EXIT_CODES, type CliCommand } from './commands/command';

const print = (line: string): void => console.log(line);

function exitCodeHelp(command?: CliCommand): string {
  const codes = { ...COMMON_EXIT_CODES, ...(command?.exitCodes ?? {}) };
  return `\nExit codes:\n${Object.entries(codes)
    .map(([code, meaning]) => `  ${code.padEnd(3)} ${meaning}`)
    .join('\n')}`;
}

const CONFIG_HELP = `
Configuration: config/default.json, then the operator's files in NODE_CONFIG_DIR (default: the
package's config/, e.g. config/local.json; or --config-dir /etc/callwarden), then CALLWARDEN_*
environment variables. \`callwarden check-config\` shows what was read.`;

/** Builds the parser from the command table; `exit` receives the code (the process's, in main). */
export function buildProgram(onCode: (code: number) => void): Command {
  const program = new Command('callwarden')
    .description('Lawful, provable call recording and live coaching for FreeSWITCH, over the event socket.')
    .option('--config-dir <dir>', "the operator's configuration directory (sets NODE_CONFIG_DIR)")
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText('after', `${CONFIG_HELP}\n${exitCodeHelp()}\n\nEvery command has its own --help: callwarden <command> --help`);
  for (const spec of COMMANDS) {
    const cmd = program
      .command(spec.name)
      .summary(spec.summary)
      .description(spec.details ? `${spec.summary}\n\n${spec.details}` : spec.summary)
      .exitOverride()
      .showHelpAfterError('(add --help for usage)')
      .allowExcessArguments(false)
      .addHelpText('after', exitCodeHelp(spec));
    if (spec.operands) for (const operand of spec.operands.split(/\s+/)) cmd.argument(operand);
    for (const o of spec.options ?? []) {
      const option = new Option(o.flags, o.description);
      if (o.default !== undefined) option.default(o.default);
      if (o.repeatable) option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
      cmd.addOption(option);
    }
    cmd.action(async (...params: unknown[]) => {
      const self = params[params.length - 1] as Command;
      const configDir = program.opts<{ configDir?: string }>().configDir;
      if (configDir !== undefined) process.env.NODE_CONFIG_DIR = configDir;
      const { loadConfig } = await import('./config');
      const config = spec.withoutConfig ? (undefined as never) : loadConfig();
      onCode(await spec.run(config, { operands: self.args, options: self.opts() }, print));
    });
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => (code = c));
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are "errors" to commander; a wrong line is a usage error (2).
      return err.exitCode === 0 ? 0 : 2;
    }
    throw err;
  }
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    const name = (err as Error).name;
    if (name === 'UsageError') {
      console.error(`callwarden: ${(err as Error).message}`);
      process.exit(2);
    }
    if (name === 'ConfigError' || name === 'NoDatabaseError') console.error(`callwarden: ${(err as Error).message}`);
    else console.error(`callwarden: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
