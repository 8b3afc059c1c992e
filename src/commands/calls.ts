// `callwarden calls [--since 24h|2026-11-22T10:00Z] [--json]`: the calls recorded in the database.

import { UsageError, type CliCommand } from './command';
import { openRepository } from './open-repository';

export { UsageError } from './command';

/** "90m", "24h", "7d" (ago) or an ISO date/time. */
export function parseSince(text: string, now = Date.now()): Date {
  const rel = /^(\d+)\s*(m|h|d)$/.exec(text.trim());
  if (rel) return new Date(now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd']);
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--since "${text}": use e.g. 90m, 24h, 7d or 2026-11-22T10:00:00Z`);
  return at;
}

export const callsCommand: CliCommand<{ since: string; json?: boolean }> = {
  name: 'calls',
  summary: 'calls in the database since a time, as a table or JSON lines',
  options: [
    { flags: '--since <when>', description: 'how far back: 90m, 24h, 7d or an ISO date/time', default: '24h' },
    { flags: '--json', description: 'one JSON object per call and line' },
  ],
  details: 'Read-only: never creates a database; says which file it looked for when there is none.',
  async run(config, { options }, out) {
    const from = parseSince(options.since);
    const db = await openRepository(config, { readOnly: true });
    try {
      const calls = await db.repository.listCalls({ since: from });
      if (options.json) {
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
  },
};
