// Runs the built `callwarden` command as a user would, with the tests' own configuration directory.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(__dirname, '..', '..', 'src', 'cli.js');
/** The tests' configuration directory (test.json): an operator's config/local.json is never read. */
export const TEST_CONFIG_DIR = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'config');

/** The environment a spawned `callwarden` gets: the test config dir; nothing inherited configures it. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('CALLWARDEN_') || k.startsWith('NODE_CONFIG') || k === 'NODE_APP_INSTANCE') delete env[k];
  return { ...env, NODE_ENV: 'test', NODE_CONFIG_DIR: TEST_CONFIG_DIR, CALLWARDEN_LOG_LEVEL: 'error', ...extra };
}

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export function runCli(args: readonly string[], extraEnv: Record<string, string> = {}, cwd?: string): CliRun {
  const run = spawnSync(process.execPath, [CLI, ...args], { env: cliEnv(extraEnv), encoding: 'utf8', ...(cwd ? { cwd } : {}) });
  return { code: run.status ?? -1, out: run.stdout, err: run.stderr };
}
