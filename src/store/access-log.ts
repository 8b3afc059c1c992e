// The access log (issue 10.4): who listened to, downloaded or exported what, when, from where — a sealed log like the consent evidence.

import { Knex } from 'knex';
import { SealedLog } from './sealed-log';
import { EvidenceRecord, EvidenceVerification } from './store-types';
import { TimeInput, toIso } from './time';
import type { AnchoredHead } from './evidence-chain';

/** All accesses form one chain (a deleted row anywhere breaks it). */
export const ACCESS_CHAIN = 'access';

export interface AccessLogEntry {
  /** The person (user name) who acted; never empty. */
  user: string;
  /** What they did: 'listen', 'download', 'export', 'login-failed', 'evidence-view', … */
  action: string;
  callId?: string | null;
  recordingId?: string | null;
  /** Client address as the server saw it (after trustProxy); personal, erasable. */
  address?: string | null;
  /** Anything else worth keeping (route, bytes range, result); must be JSON. */
  detail?: Record<string, unknown>;
  at?: TimeInput;
}

export interface AccessLogRecord {
  seq: number;
  at: string;
  user: string;
  action: string;
  callId: string | null;
  recordingId: string | null;
  address: string | null;
  detail: Record<string, unknown>;
}

export interface AccessLogQuery {
  since: TimeInput;
  until?: TimeInput;
  user?: string;
  callId?: string;
  limit?: number;
}

export interface AccessLogHooks {
  /** The anchor could not be written (the row itself is in the database); for the log. */
  onAnchorError?(error: Error): void;
}

export class AccessLog {
  constructor(
    private readonly knex: Knex,
    private readonly log: SealedLog,
    private readonly hooks: AccessLogHooks = {},
  ) {}

  /**
   * Appends one access, sealed and chained; resolves once it is committed in the database (the
   * web server awaits it before serving, so no access goes unlogged) and anchors the new head.
   */
  async append(entry: AccessLogEntry): Promise<EvidenceRecord> {
    if (!entry.user) throw new Error('access log: user is required');
    if (!entry.action) throw new Error('access log: action is required');
    const detail = {
      user: entry.user,
      callId: entry.callId ?? null,
      recordingId: entry.recordingId ?? null,
      address: entry.address ?? null,
      ...(entry.detail ? { detail: entry.detail } : {}),
    };
    const row = await this.log.append(ACCESS_CHAIN, entry.action, detail, entry.at !== undefined ? { at: entry.at } : {});
    await this.log.anchorHead(ACCESS_CHAIN).catch((err: Error) => this.hooks.onAnchorError?.(err));
    return row;
  }

  async list(query: AccessLogQuery): Promise<AccessLogRecord[]> {
    const q = this.knex(this.log.spec.table).where('chain', ACCESS_CHAIN).andWhere('at', '>=', toIso(query.since));
    if (query.until !== undefined) q.andWhere('at', '<', toIso(query.until));
    if (query.user !== undefined) q.andWhere('user_name', query.user);
    if (query.callId !== undefined) q.andWhere('call_id', query.callId);
    const rows = (await q.orderBy('seq').limit(query.limit ?? 10_000)) as Array<Record<string, unknown>>;
    return rows.map((r) => {
      const d = JSON.parse(String(r.detail)) as Record<string, unknown>;
      return {
        seq: Number(r.seq),
        at: String(r.at),
        user: String(d.user ?? ''),
        action: String(r.kind),
        callId: (d.callId as string | null) ?? null,
        recordingId: (d.recordingId as string | null) ?? null,
        address: d.address == null ? null : typeof d.address === 'string' ? d.address : '(erased)',
        detail: (d.detail as Record<string, unknown>) ?? {},
      };
    });
  }

  verify(anchored?: AnchoredHead): Promise<EvidenceVerification> {
    return this.log.verify(ACCESS_CHAIN, anchored);
  }
}

/** The indexed columns of an access row, derived from its sealed detail. */
export function accessColumns(detail: unknown): Record<string, unknown> {
  const d = (detail ?? {}) as Record<string, unknown>;
  return {
    user_name: typeof d.user === 'string' ? d.user.slice(0, 128) : null,
    call_id: typeof d.callId === 'string' ? d.callId.slice(0, 64) : null,
  };
}
