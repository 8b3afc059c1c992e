// The one door through which the back office records who listened to, downloaded, viewed, exported or held what: the sealed access log of src/store.

import type { AccessLogRecord } from '../store';

export type AccessAction =
  | 'listen'
  | 'download'
  | 'export'
  | 'view'
  | 'live-record'
  | 'live-listen'
  | 'live-pause'
  | 'live-resume'
  | 'hold-list'
  | 'hold-add'
  | 'hold-remove'
  | 'share'
  | 'unshare'
  // Who got in and who was kept out (issue 10, point 2: "lockout … audited"), sealed like the rest.
  | 'login'
  | 'logout'
  | 'login-failed'
  | 'locked-out';

export interface AccessEntry {
  readonly user: string;
  readonly action: AccessAction;
  readonly callId: string | null;
  readonly recordingId?: string | null;
  readonly address: string | null;
  /** What else the row must say (a hold's id, kind, value, reason; the login method); JSON. */
  readonly detail?: Record<string, unknown>;
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
