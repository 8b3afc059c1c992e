// `callwarden users add|list|passwd|disable|enable|token`: the back office's people, in the database.

import { userInfo } from 'node:os';
import type { CallwardenConfig } from '../config';
// The light modules of src/web only (no fastify): `callwarden --help` stays fast.
import { hashPassword } from '../web/password-hash';
import { UserDirectory, UserError } from '../web/user-directory';
import { WEB_ROLES, type WebRole } from '../web/web-roles';
import { UsageError, type CliCommand } from './command';
import { openRepository } from './open-repository';
import { passwordProblem, readPassword } from './read-password';

export const USERS_USAGE = `callwarden users add <name> --role admin|supervisor|auditor|agent [--groups a,b] [--extension 2001]
callwarden users list [--json]
callwarden users passwd <name>
callwarden users disable|enable <name>
callwarden users token <name> <label>
  An agent (--role agent --extension 1001) lists and plays only their own calls, where the group allows self-review or a supervisor shared the call.
  Passwords come from a prompt (terminal) or the first line of stdin; they are stored as scrypt hashes.`;

/** The operator at the shell, for "created by" (the CLI has no login of its own). */
export const cliActor = (): string => {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
};

type UsersOptions = { role?: string; groups?: string; extension?: string; json?: boolean };

export const usersCommand: CliCommand<UsersOptions> = {
  name: 'users',
  summary: 'people of the back office: add, list, passwd, disable, enable, token',
  operands: '<action> [args...]',
  options: [
    { flags: '--role <role>', description: `users add: ${WEB_ROLES.join(', ')}` },
    { flags: '--groups <a,b>', description: 'users add: the recording groups the user may see (comma-separated)' },
    { flags: '--extension <ext>', description: "users add: the user's phone (live \"listen\" rings it; coaching rights come from coaching.supervisors)" },
    { flags: '--json', description: 'users list: one JSON object per user and line (no password hash)' },
  ],
  details: USERS_USAGE,
  run: (config, { operands, options }, out) => users(config, operands, options, out),
};

/** The `users` command with the password source injectable (tests); the CLI reads a prompt or stdin. */
export async function users(config: CallwardenConfig, operands: readonly string[], flags: UsersOptions, out: (line: string) => void, readSecret: (prompt: string) => Promise<string> = readPassword): Promise<number> {
  const [sub, ...positional] = operands;
  const only = (allowed: readonly (keyof UsersOptions)[]): void => {
    const extra = (Object.keys(flags) as (keyof UsersOptions)[]).filter((k) => flags[k] !== undefined && !allowed.includes(k));
    if (extra.length > 0) throw new UsageError(`users ${sub}: --${extra[0]} does not apply\n${USERS_USAGE}`);
  };
  const arity = (n: number, usage: string): void => {
    if (positional.length !== n) throw new UsageError(`usage: ${usage}`);
  };
  const newPassword = async (): Promise<string> => {
    const password = await readSecret('password: ');
    const problem = passwordProblem(password);
    if (problem) throw new UsageError(problem);
    return hashPassword(password);
  };
  if (!['add', 'list', 'passwd', 'disable', 'enable', 'token'].includes(sub ?? '')) throw new UsageError(`users: unknown action "${sub ?? ''}"\n${USERS_USAGE}`);
  // Checked before the database is opened: a wrong line never touches it.
  if (sub === 'add') {
    only(['role', 'groups', 'extension']);
    arity(1, 'callwarden users add <name> --role admin|supervisor|auditor|agent [--groups a,b] [--extension 2001]');
    if (!flags.role || !WEB_ROLES.includes(flags.role as WebRole)) throw new UsageError(`--role must be one of ${WEB_ROLES.join(', ')}`);
    if (flags.role === 'agent' && !flags.extension) throw new UsageError('--role agent needs --extension (the phone the agent takes calls on)');
    if (flags.role === 'agent' && flags.groups) throw new UsageError('--role agent takes no --groups: an agent sees their own calls where the group allows self-review');
  } else if (sub === 'list') {
    only(['json']);
    arity(0, 'callwarden users list [--json]');
  } else {
    only([]);
    if (sub === 'token') arity(2, 'callwarden users token <name> <label>');
    else arity(1, `callwarden users ${sub} <name>`);
  }
  const db = await openRepository(config, sub === 'list' ? { readOnly: true } : {});
  try {
    const directory = new UserDirectory(db.knex, db.repository.tables);
    const name = positional[0]!;
    switch (sub) {
      case 'add': {
        const groups = (flags.groups ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
        const user = await directory.add({ name, role: flags.role as WebRole, groups, extension: flags.extension ?? null, passwordHash: await newPassword(), createdBy: cliActor() });
        out(`user ${user.name} added (${user.role}${user.groups.length ? `, groups ${user.groups.join(',')}` : ''}${user.extension ? `, extension ${user.extension}` : ''})`);
        return 0;
      }
      case 'list': {
        const all = await directory.list();
        if (flags.json) {
          for (const u of all) out(JSON.stringify({ name: u.name, role: u.role, groups: u.groups, extension: u.extension, disabled: u.disabled }));
          return 0;
        }
        if (all.length === 0) out('no users yet: callwarden users add <name> --role admin');
        for (const u of all) out([u.name.padEnd(20), u.role.padEnd(10), (u.groups.join(',') || '-').padEnd(20), (u.extension ?? '-').padEnd(8), u.disabled ? 'disabled' : 'active'].join(' '));
        return 0;
      }
      case 'passwd': {
        if (!(await directory.findByName(name))) throw new UsageError(`no such user: ${name}`);
        await directory.setPassword(name, await newPassword());
        out(`password of ${name} changed (sessions of a running daemon end when they next check)`);
        return 0;
      }
      case 'disable':
      case 'enable': {
        if (!(await directory.setDisabled(name, sub === 'disable'))) throw new UsageError(`no such user: ${name}`);
        out(`user ${name} ${sub}d${sub === 'disable' ? ' (API tokens revoked)' : ''}`);
        return 0;
      }
      default: {
        const user = await directory.findByName(name);
        if (!user) throw new UsageError(`no such user: ${name}`);
        out(await directory.createToken(user.id, positional[1]!));
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof UserError) throw new UsageError(err.message);
    throw err;
  } finally {
    await db.close();
  }
}

/** `callwarden passwd`: prints a scrypt hash of a password (from the prompt or stdin) for config or scripts. */
export const passwdCommand: CliCommand = {
  name: 'passwd',
  summary: 'print a scrypt hash of a password read from the prompt or the first line of stdin',
  withoutConfig: true,
  run: (_config, _args, out) => passwd(out),
};

export async function passwd(out: (line: string) => void, readSecret: (prompt: string) => Promise<string> = readPassword): Promise<number> {
  const password = await readSecret('password: ');
  const problem = passwordProblem(password);
  if (problem) throw new UsageError(problem);
  out(await hashPassword(password));
  return 0;
}
