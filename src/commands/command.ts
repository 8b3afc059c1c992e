// What a `callwarden <command>` is: its name, help text, options, exit codes and entry point.

import type { CallwardenConfig } from '../config';

/** Prints one line of a command's output (stdout). */
export type Print = (line: string) => void;

/** The command line after commander parsed it: positional operands and typed options. */
export interface CommandArgs<O = Record<string, unknown>> {
  readonly operands: readonly string[];
  readonly options: O;
}

export interface CliOption {
  /** commander flags, e.g. `--since <when>` or `--json`. */
  readonly flags: string;
  readonly description: string;
  readonly default?: string | boolean;
  /** May be given several times; the command gets the values as an array. */
  readonly repeatable?: boolean;
}

/**
 * One command. `run` gets the validated configuration, the parsed command line and `print`,
 * and resolves with the exit code (or -1: keep running, for the daemon). Modules defining a
 * command import their heavy dependencies inside `run`, so `callwarden --help` stays fast.
 */
export interface CliCommand<O = any> {
  readonly name: string;
  /** One line in `callwarden --help`. */
  readonly summary: string;
  /** Operands in commander syntax: `<call-id>`, `[file...]`. */
  readonly operands?: string;
  readonly options?: readonly CliOption[];
  /** Exit codes beyond the common ones (0 done, 1 failed, 2 usage), shown in the command's --help. */
  readonly exitCodes?: Readonly<Record<number, string>>;
  /** Extra paragraphs for the command's --help. */
  readonly details?: string;
  /** A command that does not read the configuration (none yet; `check-config` does read it). */
  readonly withoutConfig?: boolean;
  run(config: CallwardenConfig, args: CommandArgs<O>, print: Print): Promise<number>;
}

/** A wrong command line: reported in one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError' as const;
}

/** Exit codes every command shares. */
export const COMMON_EXIT_CODES: Readonly<Record<number, string>> = {
  0: 'done',
  1: 'failed (invalid configuration, database unreachable, or an error named on stderr)',
  2: 'wrong command line (unknown command or option, bad value)',
};
