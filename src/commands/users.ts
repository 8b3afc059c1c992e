// `callwarden users add|list|passwd|disable|enable|token`: the back office's people, in the database.

import { userInfo } from 'node:os';
import type { CallwardenConfig } from '../config';
import { hashPassword, UserDirectory, UserError, WEB_ROLES, type WebRole } from '../web';
import { UsageError } from './calls';
import { openRepository } from './open-repository';
import { passwordProblem, readPassword } from './read-password';

export const USERS_USAGE = `callwarden users add <name> --role admin|supervisor|auditor [--groups a,b] [--extension 2001]
callwarden users list
callwarden users passwd <name>
callwarden users disable|enable <name>
callwarden users token <name> <label>
  Passwords come from a prompt (terminal) or the first line of stdin; they are stored as scrypt hashes.`;

/** The operator at the shell, for "created by" (the CLI has no login of its own). */
export const cliActor = (): string => {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
};

function options(args: string[], allowed: readonly string[]): { positional: string[]; flags: Map<string, string> } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [key, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (!allowed.includes(key)) throw new UsageError(`unknown option --${key}`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`--${key} needs a value`);
    flags.set(key, value);
  }
  return { positional, flags };
}

export async function usersCommand(config: CallwardenConfig, args: string[], out: (line: string) => void, readSecret: (prompt: string) => Promise<string> = readPassword): Promise<number> {
  const [sub, ...rest] = args;
  const { positional, flags } = options(rest, ['role', 'groups', 'extension']);
  const newPassword = async (): Promise<string> => {
    const password = await readSecret('password: ');
    const problem = passwordProblem(password);
    if (problem) throw new UsageError(problem);
    return hashPassword(password);
  };
  const db = await openRepository(config);
  try {
    const users = new UserDirectory(db.knex, db.repository.tables);
    switch (sub) {
      case 'add': {
        const [name] = positional;
        if (!name) throw new UsageError(`users add needs a name\n${USERS_USAGE}`);
        const role = flags.get('role') as WebRole | undefined;
        if (!role || !WEB_ROLES.includes(role)) throw new UsageError(`--role must be one of ${WEB_ROLES.join(', ')}`);
        const groups = (flags.get('groups') ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
        const user = await users.add({ name, role, groups, extension: flags.get('extension') ?? null, passwordHash: await newPassword(), createdBy: cliActor() });
        out(`user ${user.name} added (${user.role}${user.groups.length ? `, groups ${user.groups.join(',')}` : ''}${user.extension ? `, extension ${user.extension}` : ''})`);
        return 0;
      }
      case 'list': {
        const all = await users.list();
        if (all.length === 0) out('no users yet: callwarden users add <name> --role admin');
        for (const u of all) out([u.name.padEnd(20), u.role.padEnd(10), (u.groups.join(',') || '-').padEnd(20), (u.extension ?? '-').padEnd(8), u.disabled ? 'disabled' : 'active'].join(' '));
        return 0;
      }
      case 'passwd': {
        const [name] = positional;
        if (!name || !(await users.findByName(name))) throw new UsageError(`no such user: ${name ?? ''}`);
        await users.setPassword(name, await newPassword());
        out(`password of ${name} changed (sessions of a running daemon end when they next check)`);
        return 0;
      }
      case 'disable':
      case 'enable': {
        const [name] = positional;
        if (!name || !(await users.setDisabled(name, sub === 'disable'))) throw new UsageError(`no such user: ${name ?? ''}`);
        out(`user ${name} ${sub}d${sub === 'disable' ? ' (API tokens revoked)' : ''}`);
        return 0;
      }
      case 'token': {
        const [name, label] = positional;
        const user = name ? await users.findByName(name) : undefined;
        if (!user || !label) throw new UsageError('users token <name> <label>');
        out(await users.createToken(user.id, label));
        return 0;
      }
      default:
        throw new UsageError(USERS_USAGE);
    }
  } catch (err) {
    if (err instanceof UserError) throw new UsageError(err.message);
    throw err;
  } finally {
    await db.close();
  }
}

/** `callwarden passwd`: prints a scrypt hash of a password (from the prompt or stdin) for config or scripts. */
export async function passwdCommand(_config: CallwardenConfig | undefined, _args: string[], out: (line: string) => void, readSecret: (prompt: string) => Promise<string> = readPassword): Promise<number> {
  const password = await readSecret('password: ');
  const problem = passwordProblem(password);
  if (problem) throw new UsageError(problem);
  out(await hashPassword(password));
  return 0;
}
