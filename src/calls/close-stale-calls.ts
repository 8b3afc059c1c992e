// Closes the calls and recordings rows a daemon left open for calls FreeSWITCH no longer has (ended while callwarden was away).

import { resolve, sep } from 'node:path';
import type { Logger } from '../logger';
import type { RecordingFormat } from '../policies';
import { checkRecordingFile, type RecordingFileCheck } from '../recorder/recording-file-check';
import type { OpenCallRecord, OpenRecordingRecord, RecordingPatch } from '../store';

export const ENDED_WHILE_AWAY = 'ended while callwarden was away';

export interface StaleCallClosingOptions {
  readonly repository: {
    listOpenCalls(nodes: readonly string[], limit?: number): Promise<OpenCallRecord[]>;
    listOpenRecordings(nodes: readonly string[], limit?: number): Promise<OpenRecordingRecord[]>;
    closeCall(callId: string, reason: string): Promise<boolean>;
    completeRecording(id: string, patch: RecordingPatch): Promise<boolean>;
  };
  readonly queue: { appendEvidence(callId: string, kind: string, detail: unknown): string };
  /** The names this daemon's FreeSWITCH node has in the rows' `node` column: rows of other nodes are never touched. */
  readonly nodes: readonly string[];
  /** FreeSWITCH has this uuid (a call or a leg) in the snapshot just taken, or the call table knows it live. */
  readonly live: (uuid: string) => boolean;
  /**
   * This daemon run has watched the call (it is or was in its call table): its controller
   * completes its recordings from RECORD_STOP or the channel's end, not this module. (Its
   * calls row is closed here all the same if it was left open: an end without a time.)
   */
  readonly watched: (callId: string) => boolean;
  /** Calls the resync itself found gone: closed now even though this run wrote their rows after the snapshot. */
  readonly goneNow: ReadonlySet<string>;
  /**
   * When the snapshot was asked for (ISO, this daemon's clock). A row written after it may
   * belong to a call the snapshot could not show yet: it waits for the next resync.
   */
  readonly snapshotAt: string;
  /** `directory`: a row naming a file outside it is not read (a database row is not trusted to name any file). */
  readonly recording: { readonly format: RecordingFormat; readonly retentionDays: number; readonly directory: string };
  /** Where the daemon finds the file FreeSWITCH wrote (identity when they share the disk). */
  readonly localPath?: (path: string) => string;
  readonly logger: Logger;
  readonly now?: () => Date;
  /** Rows looked at per pass (the next resync takes the rest). */
  readonly limit?: number;
}

export interface StaleCallClosingResult {
  readonly calls: number;
  readonly recordings: number;
}

/**
 * ESL cannot replay what happened while no daemon was connected: a call that ended then
 * never got its CHANNEL_HANGUP, and a recording never its RECORD_STOP. After a successful
 * resync the snapshot says what FreeSWITCH still has; every row of this node that the
 * database holds as live or recording and FreeSWITCH does not is closed: the call with
 * end reason "ended while callwarden was away" (its end time is not known and not
 * invented), the recording checked from the file itself (its header's duration, its size,
 * its SHA-256) and completed. Each closure is an evidence row. Updates are conditional, so
 * a real end written meanwhile (by this daemon or another) is never overwritten.
 */
export async function closeStaleCalls(o: StaleCallClosingOptions): Promise<StaleCallClosingResult> {
  const log = o.logger.child({ module: 'calls' });
  const now = o.now ?? (() => new Date());
  const limit = o.limit ?? 500;
  let calls = 0;
  let recordings = 0;

  for (const row of await o.repository.listOpenCalls(o.nodes, limit)) {
    if (o.live(row.callId)) continue;
    // A row written after the snapshot may be a call the snapshot could not show yet.
    if (!o.goneNow.has(row.callId) && row.updatedAt >= o.snapshotAt) continue;
    if (!(await o.repository.closeCall(row.callId, ENDED_WHILE_AWAY))) continue;
    calls++;
    evidence(o, log, row.callId, 'call_closed', {
      reason: ENDED_WHILE_AWAY,
      endedAt: null,
      node: row.node,
      closedAt: now().toISOString(),
      basis: 'FreeSWITCH no longer has the call (show channels after a reconnect); its end was not seen',
    });
    log.info(`call ended while callwarden was away: row closed (end time unknown)`, { callId: row.callId });
  }

  for (const rec of await o.repository.listOpenRecordings(o.nodes, limit)) {
    if (o.live(rec.callId) || o.watched(rec.callId) || rec.updatedAt >= o.snapshotAt) continue;
    const check = await checkFile(o, rec);
    const patch: RecordingPatch = {
      status: check.status,
      stoppedAt: null,
      durationMs: check.durationMs,
      bytes: check.bytes,
      sha256: check.sha256,
      // The stop time is unknown: the retention period runs from now, never shorter than meant.
      retentionUntil: new Date(now().getTime() + o.recording.retentionDays * 86_400_000).toISOString(),
    };
    if (!(await o.repository.completeRecording(rec.id, patch))) continue;
    recordings++;
    evidence(o, log, rec.callId, 'recording_checked', {
      path: rec.filePath,
      status: check.status,
      bytes: check.bytes,
      durationMs: check.durationMs,
      expectedMs: null,
      sha256: check.sha256,
      problems: check.problems,
      closedWhileAway: true,
      reason: `${ENDED_WHILE_AWAY}: no RECORD_STOP was seen; checked from the file itself after a resync`,
    });
    const what = check.status === 'ok' ? `ok, ${check.bytes} bytes` : `bad: ${check.problems.join('; ')}`;
    log.info(`recording ${rec.filePath} ended while callwarden was away: checked from the file (${what})`, { callId: rec.callId });
  }
  return { calls, recordings };
}

async function checkFile(o: StaleCallClosingOptions, rec: OpenRecordingRecord): Promise<RecordingFileCheck> {
  const format: RecordingFormat = rec.format === 'mp3' || rec.format === 'wav' ? rec.format : o.recording.format;
  const dir = resolve(o.recording.directory);
  if (!resolve(rec.filePath).startsWith(dir + sep)) {
    return { status: 'bad', bytes: null, sha256: null, durationMs: null, problems: [`the row names a file outside the recording directory ${dir}; not read`] };
  }
  try {
    // No RECORD_START..RECORD_STOP span to compare with: the WAV header's own length counts.
    return await checkRecordingFile((o.localPath ?? ((p: string) => p))(rec.filePath), format, undefined);
  } catch (err) {
    return { status: 'bad', bytes: null, sha256: null, durationMs: null, problems: [`the file could not be read (${(err as Error).message})`] };
  }
}

function evidence(o: StaleCallClosingOptions, log: Logger, callId: string, kind: string, detail: unknown): void {
  try {
    o.queue.appendEvidence(callId, kind, detail);
  } catch (err) {
    log.error(`evidence not written (${(err as Error).message}): ${kind}`, { callId });
  }
}
