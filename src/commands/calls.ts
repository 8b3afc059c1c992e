// `callwarden calls [--since 24h|2026-11-22T10:00Z] [--json]`: the calls recorded in the database.

import type { CallwardenConfig } from '../config';
import { openRepository } from './open-repository';

export class UsageError extends Error {
  override name = 'UsageError' as const;
}

/** "90m", "24h", "7d" (ago) or an ISO date/time. */
export function parseSince(text: string, now = Date.now()): Date {
  const rel = /^(\d+)\s*(m|h|d)$/.exec(text.trim());
  if (rel) return new Date(now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd']);
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--since "${text}": use e.g. 90m, 24h, 7d or 2026-11-22T10:00:00Z`);
  return at;
}

export async function callsCommand(config: CallwardenConfig, args: string[], out: (line: string) => void): Promise<number> {
  let since = '24h';
  let json = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--since') {
      if (args[i + 1] === undefined) throw new UsageError('--since needs a value (e.g. 24h)');
      since = args[++i]!;
    } else if (args[i]?.startsWith('--since=')) since = args[i]!.slice('--since='.length);
    else if (args[i] === '--json') json = true;
    else throw new UsageError(`calls: unknown argument "${args[i]}"`);
  }
  const from = parseSince(since);
  const db = await openRepository(config);
  try {
    const calls = await db.repository.listCalls({ since: from });
    if (json) {
      for (const call of calls) out(JSON.stringify(call));
      return 0;
    }
    if (calls.length === 0) {
      out(`no calls since ${from.toISOString()}`);
      return 0;
    }
    out(['started (UTC)'.padEnd(20), 'call id'.padEnd(37), 'caller'.padEnd(16), 'dest'.padEnd(8), 'agent'.padEnd(6), 'group'.padEnd(10), 'seconds'.padStart(7), ' hangup'].join(' '));
    for (const c of calls) {
      // A call closed after it ended while callwarden was away has no end time: '?', not 'live'.
      const seconds = c.startedAt && c.endedAt ? ((Date.parse(c.endedAt) - Date.parse(c.startedAt)) / 1000).toFixed(1) : c.endReason ? '?' : 'live';
      out(
        [
          (c.startedAt ?? '').replace('T', ' ').slice(0, 19).padEnd(20),
          c.callId.padEnd(37),
          (c.caller ?? '-').padEnd(16),
          (c.destination ?? '-').padEnd(8),
          (c.agentExtension ?? '-').padEnd(6),
          (c.group ?? '-').padEnd(10),
          seconds.padStart(7),
          ` ${c.hangupCause ?? c.endReason ?? ''}`,
        ].join(' '),
      );
    }
    out(`${calls.length} call(s) since ${from.toISOString()}`);
    return 0;
  } finally {
    await db.close();
  }
}
