// The one door through which the back office records who listened to, downloaded or exported what (switchable to the sealed access log).

import type { Knex } from 'knex';
import type { StoreTables } from '../store/store-tables';

export type AccessAction = 'listen' | 'download' | 'export' | 'view' | 'live-record' | 'live-listen';

export interface AccessEntry {
  readonly user: string;
  readonly action: AccessAction;
  readonly callId: string | null;
  readonly recordingId?: string | null;
  readonly address: string | null;
}

export interface AccessRecord extends AccessEntry {
  readonly at: string;
}

/**
 * Every access goes through `append` BEFORE the bytes are sent: if the row cannot be written,
 * the access is refused (an unaudited listen must not happen). The implementation below is a
 * plain table; the sealed, HMAC-chained access log (issue "Safety", src/store) replaces it at
 * merge time behind this same interface.
 */
export interface AccessLog {
  append(entry: AccessEntry): Promise<void>;
  list(query: { since: Date; user?: string; callId?: string; limit?: number }): Promise<AccessRecord[]>;
}

export class TableAccessLog implements AccessLog {
  constructor(
    private readonly knex: Knex,
    private readonly tables: StoreTables,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async append(entry: AccessEntry): Promise<void> {
    await this.knex(this.tables.webAccessEvents).insert({
      at: this.now().toISOString(),
      user_name: entry.user,
      action: entry.action,
      call_id: entry.callId,
      recording_id: entry.recordingId ?? null,
      address: entry.address?.slice(0, 64) ?? null,
    });
  }

  async list(query: { since: Date; user?: string; callId?: string; limit?: number }): Promise<AccessRecord[]> {
    let q = this.knex(this.tables.webAccessEvents).where('at', '>=', query.since.toISOString());
    if (query.user !== undefined) q = q.andWhere('user_name', query.user);
    if (query.callId !== undefined) q = q.andWhere('call_id', query.callId);
    const rows = await q.orderBy('id').limit(Math.min(query.limit ?? 1000, 10_000));
    return rows.map((r: Record<string, unknown>) => ({
      at: String(r.at),
      user: String(r.user_name),
      action: String(r.action) as AccessAction,
      callId: r.call_id == null ? null : String(r.call_id),
      recordingId: r.recording_id == null ? null : String(r.recording_id),
      address: r.address == null ? null : String(r.address),
    }));
  }
}
