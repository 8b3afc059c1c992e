// `callwarden audit [--since 7d] [--user x] [--call id] [--json]`: who listened to, downloaded or exported what, and the login audit.

import type { CallwardenConfig } from '../config';
import { TableAccessLog, UserDirectory } from '../web';
import { parseSince, UsageError } from './calls';
import { openRepository } from './open-repository';

export async function auditCommand(config: CallwardenConfig, args: string[], out: (line: string) => void): Promise<number> {
  let since = '7d';
  let user: string | undefined;
  let callId: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--since') since = value();
    else if (a === '--user') user = value();
    else if (a === '--call') callId = value().toLowerCase();
    else if (a === '--json') json = true;
    else throw new UsageError(`audit: unknown argument "${a}"`);
  }
  const from = parseSince(since);
  const db = await openRepository(config);
  try {
    const access = await new TableAccessLog(db.knex, db.repository.tables).list({ since: from, ...(user ? { user } : {}), ...(callId ? { callId } : {}), limit: 10_000 });
    const logins = callId ? [] : (await new UserDirectory(db.knex, db.repository.tables).authEvents(from)).filter((e) => user === undefined || e.userName === user);
    if (json) {
      for (const a of access) out(JSON.stringify({ type: 'access', ...a }));
      for (const l of logins) out(JSON.stringify({ type: 'login', ...l }));
      return 0;
    }
    for (const a of access) out([a.at, a.user.padEnd(16), a.action.padEnd(12), a.callId ?? '-', a.recordingId ? `(${a.recordingId.split('/').pop()})` : '', `from ${a.address ?? '?'}`].join(' '));
    for (const l of logins) out([l.at, (l.userName ?? '?').padEnd(16), l.kind.padEnd(12), `${l.method ?? ''} from ${l.address ?? '?'}`].join(' '));
    out(`${access.length} access(es), ${logins.length} login event(s) since ${from.toISOString()}`);
    return 0;
  } finally {
    await db.close();
  }
}
