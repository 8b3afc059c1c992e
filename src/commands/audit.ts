// `callwarden audit --since 7d [--user x] [--call id]`: the sealed access log — who listened to, downloaded or exported what, when, from where.

import { anchorKey } from '../store';
import { parseSince } from './calls';
import type { CliCommand } from './command';
import { openRepository } from './open-repository';

/** Exit 0 when the access log verifies, 3 when it is broken (rows are printed either way). */
export const auditCommand: CliCommand<{ since: string; user?: string; call?: string; json?: boolean }> = {
  name: 'audit',
  summary: 'the sealed access log: who listened to, downloaded or exported what, when, from where',
  options: [
    { flags: '--since <when>', description: 'how far back: 90m, 24h, 7d or an ISO date/time', default: '7d' },
    { flags: '--user <name>', description: "only this user's accesses" },
    { flags: '--call <id>', description: 'only accesses to this call' },
    { flags: '--json', description: 'one JSON object per access and line' },
  ],
  exitCodes: { 3: 'the access log is broken (a row edited, deleted or reordered, or the anchor disagrees)' },
  details: 'Read-only: never creates a database; says which file it looked for when there is none.',
  run: (config, { options }, out) => audit(config, options, out),
};

async function audit(config: Parameters<CliCommand['run']>[0], options: { since: string; user?: string; call?: string; json?: boolean }, out: (line: string) => void): Promise<number> {
  const from = parseSince(options.since);
  const { user, call: callId, json } = options;
  const db = await openRepository(config, { readOnly: true });
  try {
    const rows = await db.repository.accessLog.list({ since: from, ...(user !== undefined ? { user } : {}), ...(callId !== undefined ? { callId } : {}) });
    const anchors = await db.readAnchors();
    const line = anchors?.heads.get(anchorKey('access', 'access'));
    const check = await db.repository.accessLog.verify(line ? { seq: line.seq, hash: line.hash } : undefined);
    for (const r of rows) {
      if (json) out(JSON.stringify(r));
      else out(`${r.at}  ${r.user.padEnd(12)} ${r.action.padEnd(10)} call ${r.callId ?? '-'}${r.recordingId ? ` rec ${r.recordingId}` : ''}  from ${r.address ?? '-'}`);
    }
    if (!json) out(`${rows.length} access(es) since ${from.toISOString()}${user ? ` by ${user}` : ''}${callId ? ` on call ${callId}` : ''}`);
    if (check.ok) {
      if (!json) out(`access log verifies: ${check.rows} row(s)${check.keyIds?.length ? `, sealed (key ${check.keyIds.join(', ')})` : ', hash-chained only (no evidence key)'}${line ? `, anchored at seq ${line.seq}` : ''}`);
      return 0;
    }
    out(`ACCESS LOG BROKEN at row ${check.brokenAt ?? '?'}: ${check.reason ?? ''}`);
    return 3;
  } finally {
    await db.close();
  }
}
