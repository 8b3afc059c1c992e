// One row of `show channels as json`, and the parser for that api reply's body.

import { FIELD_LIMITS, idOf } from './freeswitch-fields';

/** Column names verbatim as FreeSWITCH 1.10 prints them; every value is a string. */
export interface ChannelRow {
  readonly uuid: string;
  readonly direction?: string;
  readonly created?: string;
  readonly created_epoch?: string;
  readonly name?: string;
  readonly state?: string;
  readonly cid_name?: string;
  readonly cid_num?: string;
  readonly dest?: string;
  readonly application?: string;
  readonly application_data?: string;
  readonly hostname?: string;
  readonly callstate?: string;
  readonly callee_name?: string;
  readonly callee_num?: string;
  readonly call_uuid?: string;
  readonly [column: string]: string | undefined;
}

/**
 * Parses the body of `api show channels as json`. With no channels FreeSWITCH answers
 * `{"row_count": 0}` without a `rows` key, so a missing `rows` is an empty table, not an
 * error. Rows without a usable uuid are skipped: nothing could be keyed by them. Only
 * string columns are kept (FreeSWITCH prints every column as a string), a `call_uuid` only
 * when it is a usable id, so what comes out is what the type says.
 */
export function parseShowChannels(body: string): ChannelRow[] {
  const parsed: unknown = JSON.parse(body);
  if (parsed === null || typeof parsed !== 'object') throw new TypeError('show channels reply is not a JSON object');
  const rows = (parsed as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) return [];
  const out: ChannelRow[] = [];
  for (const row of rows) {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) continue;
    const uuid = idOf((row as { uuid?: unknown }).uuid);
    if (uuid === undefined) continue;
    const clean: Record<string, string> = Object.create(null);
    for (const [column, value] of Object.entries(row as Record<string, unknown>)) {
      if (typeof value === 'string' && value.length <= FIELD_LIMITS.long) clean[column] = value;
    }
    if (clean.call_uuid !== undefined && idOf(clean.call_uuid) === undefined) delete clean.call_uuid;
    out.push({ ...clean, uuid } as ChannelRow);
  }
  return out;
}
