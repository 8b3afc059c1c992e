// `callwarden hold add|remove|list`: legal holds per call or phone number; a held recording is never deleted.

import { userInfo } from 'node:os';
import type { CallwardenConfig } from '../config';
import { UsageError, type CliCommand, type CommandArgs, type Print } from './command';
import { openRepository } from './open-repository';

export interface HoldOptions {
  call?: string;
  number?: string;
  reason?: string;
  by?: string;
  all?: boolean;
  json?: boolean;
}

const USAGE = 'hold add (--call <call-id> | --number <phone-number>) --reason <text> [--by <name>] | hold remove <hold-id> [--by <name>] | hold list [--all] [--json]';

export const holdCommand: CliCommand<HoldOptions> = {
  name: 'hold',
  summary: 'legal holds per call or phone number: add, remove, list; a held recording is never deleted',
  operands: '<action> [hold-id]',
  options: [
    { flags: '--call <call-id>', description: 'add: hold every recording of this call' },
    { flags: '--number <phone-number>', description: 'add: hold every recording of calls with this number (any spelling)' },
    { flags: '--reason <text>', description: 'add: why (court order, complaint…); required' },
    { flags: '--by <name>', description: 'add/remove: who does it (default: the login name)' },
    { flags: '--all', description: 'list: removed holds too' },
    { flags: '--json', description: 'list: one JSON object per hold and line' },
  ],
  exitCodes: { 1: 'remove: no active hold with that id' },
  details: `Usage: callwarden ${USAGE}\nNever creates a database: says which file it looked for when there is none.`,
  run: (config, args, out) => hold(config, args, out),
};

function who(by: string | undefined): string {
  if (by !== undefined) return by;
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
}

/** `now` is the test's clock. */
export async function hold(config: CallwardenConfig, { operands, options }: CommandArgs<HoldOptions>, out: Print, now: () => Date = () => new Date()): Promise<number> {
  const { addHold, HoldInputError, listHolds, removeHold } = await import('../lifecycle/legal-holds');
  const [action, idText, ...extra] = operands;
  if ((action !== 'add' && action !== 'remove' && action !== 'list') || extra.length > 0) throw new UsageError(`usage: callwarden ${USAGE}`);
  if (action !== 'remove' && idText !== undefined) throw new UsageError(`usage: callwarden ${USAGE}`);
  let id = 0;
  if (action === 'add') {
    if ((options.call === undefined) === (options.number === undefined) || options.reason === undefined) throw new UsageError(`usage: callwarden ${USAGE}`);
  } else if (action === 'remove') {
    id = Number(idText);
    if (!/^\d+$/.test(idText ?? '') || !Number.isSafeInteger(id) || id < 1) throw new UsageError(`usage: callwarden ${USAGE}`);
  }
  // Adding or removing a hold writes to the daemon's data; listing only looks.
  const db = await openRepository(config, action === 'list' ? { readOnly: true } : { mustExist: true });
  try {
    if (action === 'add') {
      const kind = options.call !== undefined ? 'call' : 'number';
      const h = await addHold(db.repository, kind, (options.call ?? options.number)!, options.reason!, who(options.by), now());
      out(`legal hold #${h.id} on ${h.kind} ${h.value}: no recording of it is deleted until the hold is removed`);
      return 0;
    }
    if (action === 'remove') {
      if (!(await removeHold(db.repository, id, who(options.by), now()))) {
        out(`no active legal hold #${id}`);
        return 1;
      }
      out(`legal hold #${id} removed; what it kept is deleted at the next purge if its retention has ended`);
      return 0;
    }
    const holds = await listHolds(db.repository, { all: options.all === true });
    if (options.json) {
      for (const h of holds) out(JSON.stringify(h));
      return 0;
    }
    if (holds.length === 0) out('no legal holds');
    for (const h of holds) {
      out(`#${h.id}  ${h.kind.padEnd(6)}  ${h.value}  since ${h.createdAt} by ${h.createdBy}${h.removedAt ? `  removed ${h.removedAt} by ${h.removedBy}` : ''}  — ${h.reason}`);
    }
    return 0;
  } catch (err) {
    if (err instanceof HoldInputError) throw new UsageError(`hold: ${err.message}`);
    throw err;
  } finally {
    await db.close();
  }
}
