// A live-operations HTTP client for scenario tests, the coaching / live-ops config they share, and their users.

import { request } from 'node:http';
import type { CoachingConfig, LiveOpsConfig } from '../../src/coaching';
import type { DeepPartial } from '../../src/config';
import type { Daemon } from '../../src/daemon';
import { hashPassword, UserDirectory, type WebRole } from '../../src/web';

export const SUPERVISOR = '2001';
export const OPS_PASSWORD = 'correct horse battery staple';

/** Coaching on, supervisor 2001 may coach 1001 and 1002; the agent notice is a short tone. */
export const COACHING: DeepPartial<CoachingConfig> = {
  enabled: true,
  legalNoticeAcknowledged: true,
  supervisors: { [SUPERVISOR]: { extensions: ['1001', '1002'], groups: [] } },
  announcements: { refused: 'tone_stream://%(500,500,480,620);loops=3', notAvailable: 'tone_stream://%(250,250,480,620);loops=4' },
  notifyAgent: { enabled: false, file: 'tone_stream://%(200,100,1400);loops=2' },
};

/** Live operations on; the web server (which serves them) runs on an ephemeral port. */
export const LIVE_OPS: DeepPartial<LiveOpsConfig> = { enabled: true };

export interface TestUser {
  readonly name: string;
  readonly role: WebRole;
  readonly extension: string | null;
  readonly groups?: readonly string[];
}

/** ops1: a supervisor at extension 2001 (coaching.supervisors gives 1001 and 1002). */
export const OPS1: TestUser = { name: 'ops1', role: 'supervisor', extension: SUPERVISOR };

let hashed: Promise<string> | undefined;
/** Adds the users (all with OPS_PASSWORD, hashed once per run) to the daemon's database. */
export async function addUsers(daemon: Daemon, users: readonly TestUser[]): Promise<void> {
  hashed ??= hashPassword(OPS_PASSWORD);
  await daemon.store.queue.ready();
  const directory = new UserDirectory(daemon.store.knex, daemon.store.repository.tables);
  for (const u of users) await directory.add({ name: u.name, role: u.role, groups: u.groups ?? [], extension: u.extension, passwordHash: await hashed, createdBy: 'test' });
}

export interface OpsAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

export function postOps(port: number, path: string, body: unknown, user = 'ops1', password = OPS_PASSWORD): Promise<OpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
