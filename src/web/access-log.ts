// The one door through which the back office records who listened to, downloaded, viewed or exported what: the sealed access log of src/store.

import type { AccessLogRecord } from '../store';

export type AccessAction = 'listen' | 'download' | 'export' | 'view' | 'live-record' | 'live-listen' | 'live-pause' | 'live-resume' | 'share' | 'unshare';

export interface AccessEntry {
  readonly user: string;
  readonly action: AccessAction;
  readonly callId: string | null;
  readonly recordingId?: string | null;
  readonly address: string | null;
}

export type AccessRecord = AccessLogRecord;

/**
 * Every access goes through `append` BEFORE the bytes are sent: if the sealed row cannot be
 * committed, the access is refused (an unaudited listen must not happen). The daemon passes
 * `store.repository.accessLog` (HMAC-sealed, hash-chained, anchored; `callwarden audit` reads
 * and verifies it); nothing in src/web keeps a second, unsealed copy.
 */
export interface AccessLog {
  append(entry: AccessEntry): Promise<unknown>;
  list(query: { since: Date; user?: string; callId?: string; limit?: number }): Promise<AccessRecord[]>;
}
