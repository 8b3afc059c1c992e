// `callwarden audit --since 7d [--user x] [--call id]`: the sealed access log — who listened to, downloaded or exported what, when, from where.

import type { CallwardenConfig } from '../config';
import { anchorKey } from '../store';
import { parseSince, UsageError } from './calls';
import { openRepository } from './open-repository';

/** Exit 0 when the access log verifies, 3 when it is broken (rows are printed either way). */
export async function auditCommand(config: CallwardenConfig, args: string[], out: (line: string) => void): Promise<number> {
  let since = '7d';
  let user: string | undefined;
  let callId: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--since') since = value();
    else if (a === '--user') user = value();
    else if (a === '--call') callId = value();
    else if (a === '--json') json = true;
    else throw new UsageError(`audit: unknown argument "${a}" (usage: callwarden audit --since 7d [--user x] [--call id] [--json])`);
  }
  const from = parseSince(since);
  const db = await openRepository(config);
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
