// `callwarden hold add|remove|list`: legal holds per call or phone number; a held recording is never deleted.

import { userInfo } from 'node:os';
import type { CallwardenConfig } from '../config';
import { addHold, HoldInputError, listHolds, removeHold } from '../lifecycle/legal-holds';
import { UsageError } from './calls';
import { openRepository } from './open-repository';

const USAGE = 'hold add (--call <call-id> | --number <phone-number>) --reason <text> [--by <name>] | hold remove <hold-id> [--by <name>] | hold list [--all]';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`hold: ${name} needs a value`);
  return v;
}

function who(args: string[]): string {
  const by = option(args, '--by');
  if (by !== undefined) return by;
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
}

export async function holdCommand(config: CallwardenConfig, args: string[], out: (line: string) => void, now: () => Date = () => new Date()): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'add' && sub !== 'remove' && sub !== 'list') throw new UsageError(`usage: callwarden ${USAGE}`);
  const db = await openRepository(config);
  try {
    if (sub === 'add') {
      const call = option(rest, '--call');
      const number = option(rest, '--number');
      const reason = option(rest, '--reason');
      if ((call === undefined) === (number === undefined) || reason === undefined) throw new UsageError(`usage: callwarden ${USAGE}`);
      const hold = await addHold(db.repository, call !== undefined ? 'call' : 'number', (call ?? number)!, reason, who(rest), now());
      out(`legal hold #${hold.id} on ${hold.kind} ${hold.value}: no recording of it is deleted until the hold is removed`);
      return 0;
    }
    if (sub === 'remove') {
      const id = Number(rest[0]);
      if (!Number.isInteger(id) || id < 1) throw new UsageError(`usage: callwarden ${USAGE}`);
      if (!(await removeHold(db.repository, id, who(rest.slice(1)), now()))) {
        out(`no active legal hold #${id}`);
        return 1;
      }
      out(`legal hold #${id} removed; what it kept is deleted at the next purge if its retention has ended`);
      return 0;
    }
    const holds = await listHolds(db.repository, { all: rest.includes('--all') });
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
