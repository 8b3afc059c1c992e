// One row of `show channels as json`, and the parser for that api reply's body.

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
 * error. Rows without a uuid are skipped: nothing could be keyed by them.
 */
export function parseShowChannels(body: string): ChannelRow[] {
  const parsed: unknown = JSON.parse(body);
  if (parsed === null || typeof parsed !== 'object') throw new TypeError('show channels reply is not a JSON object');
  const rows = (parsed as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) return [];
  return rows.filter(
    (row): row is ChannelRow => row !== null && typeof row === 'object' && typeof (row as { uuid?: unknown }).uuid === 'string',
  );
}
