// A live-operations HTTP client for scenario tests, and the coaching / live-ops config they share.

import { request } from 'node:http';
import type { CoachingConfig, LiveOpsConfig } from '../../src/coaching';
import type { DeepPartial } from '../../src/config';

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

/** ops1 (extension 2001) may record and listen; on an ephemeral port. */
export const LIVE_OPS: DeepPartial<LiveOpsConfig> = {
  enabled: true,
  port: 0,
  users: { ops1: { password: OPS_PASSWORD, extension: SUPERVISOR, permissions: ['record', 'listen'] } },
};

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
