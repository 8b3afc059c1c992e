// Turns a finished, checked WAV into a verified mp3: encode off the event loop, check, record both in the evidence, then remove the WAV.

import { unlink } from 'node:fs/promises';
import type { Logger } from '../logger';
import { checkRecordingFile, durationPlausible, type FinishedRecording } from '../recorder';
import type { RecordingPatch } from '../store';
import type { Mp3Jobs } from './mp3-jobs';

export interface Mp3ConversionDeps {
  readonly jobs: Mp3Jobs;
  readonly kbps: { readonly mono: number; readonly stereo: number };
  readonly appendEvidence: (callId: string, kind: string, detail: unknown) => void;
  readonly updateRecording: (id: string, patch: RecordingPatch) => void;
  readonly removeFile?: (path: string) => Promise<void>;
  readonly logger: Logger;
}

export type ConversionOutcome = { readonly ok: true; readonly mp3Path: string; readonly bytes: number } | { readonly ok: false; readonly problems: readonly string[] };

export function mp3PathFor(wavPath: string): string {
  return wavPath.replace(/\.wav$/, '') + '.mp3';
}

/**
 * The WAV stays the recording until the mp3 is proven good: decodable, as long as the WAV
 * and as RECORD_START..RECORD_STOP. Only then does the row point at the mp3 and the WAV go.
 */
export async function convertRecordingToMp3(f: FinishedRecording, deps: Mp3ConversionDeps): Promise<ConversionOutcome> {
  const mp3Local = mp3PathFor(f.localPath);
  const mp3Path = mp3PathFor(f.path);
  const removeFile = deps.removeFile ?? ((p: string) => unlink(p));
  const source = { path: f.path, bytes: f.check.bytes, sha256: f.check.sha256, durationMs: f.check.durationMs };
  let problems: string[];
  try {
    const encoded = await deps.jobs.encode(f.localPath, mp3Local, deps.kbps);
    const check = await checkRecordingFile(mp3Local, 'mp3', f.expectedMs);
    problems = [...check.problems];
    if (check.durationMs !== null && f.check.durationMs !== null && !durationPlausible(check.durationMs, f.check.durationMs)) {
      problems.push(`the mp3 lasts ${(check.durationMs / 1000).toFixed(1)} s but the WAV ${(f.check.durationMs / 1000).toFixed(1)} s`);
    }
    if (problems.length === 0 && check.bytes !== null && check.sha256 !== null) {
      const kbps = encoded.channels === 2 ? deps.kbps.stereo : deps.kbps.mono;
      deps.appendEvidence(f.callId, 'recording_converted', {
        from: { ...source, format: 'wav' },
        to: { path: mp3Path, format: 'mp3', bytes: check.bytes, sha256: check.sha256, durationMs: check.durationMs },
        encoder: `lamejs (pure JS), ${kbps} kbit/s, ${encoded.channels === 2 ? 'stereo' : 'mono'} ${encoded.sampleRate} Hz`,
        verified: 'decoded with mpg123 (wasm); duration checked against the WAV and RECORD_START..RECORD_STOP',
      });
      deps.updateRecording(f.id, { filePath: mp3Path, format: 'mp3', bytes: check.bytes, sha256: check.sha256, durationMs: check.durationMs, status: 'ok' });
      try {
        await removeFile(f.localPath);
        deps.appendEvidence(f.callId, 'recording_source_removed', { path: f.path, sha256: f.check.sha256, reason: 'replaced by the verified mp3' });
      } catch (err) {
        deps.logger.warn(`the WAV ${f.path} was converted but could not be removed (${(err as Error).message})`, { callId: f.callId });
      }
      return { ok: true, mp3Path, bytes: check.bytes };
    }
  } catch (err) {
    problems = [`encoding failed (${(err as Error).message})`];
  }
  // The WAV stays the recording; a bad mp3 must not linger beside it.
  await removeFile(mp3Local).catch(() => undefined);
  deps.appendEvidence(f.callId, 'recording_conversion_failed', { path: f.path, problems, kept: 'wav' });
  deps.updateRecording(f.id, { status: 'ok' });
  deps.logger.warn(`recording ${f.path} stays WAV: the mp3 failed its check (${problems.join('; ')})`, { callId: f.callId });
  return { ok: false, problems };
}

export interface ResumeDeps extends Mp3ConversionDeps {
  readonly listConverting: () => Promise<Array<{ id: string; callId: string; filePath: string; startedAt: string | null; stoppedAt: string | null }>>;
  readonly localPath?: (path: string) => string;
}

/**
 * A daemon that stopped mid-conversion leaves rows in `converting`: at start each is finished.
 * The WAV still there → checked and converted again (the mp3, if any, is rewritten); only
 * the mp3 left → the WAV was removed after a verified mp3, so the row just needs the mp3's figures.
 */
export async function resumeConversions(deps: ResumeDeps): Promise<number> {
  const rows = await deps.listConverting();
  for (const row of rows) {
    const local = (deps.localPath ?? ((p: string) => p))(row.filePath);
    const expectedMs = row.startedAt !== null && row.stoppedAt !== null ? Date.parse(row.stoppedAt) - Date.parse(row.startedAt) : undefined;
    const wav = await checkRecordingFile(local, 'wav', expectedMs);
    if (wav.bytes !== null) {
      if (wav.status === 'ok') await convertRecordingToMp3({ callId: row.callId, id: row.id, path: row.filePath, localPath: local, expectedMs, check: wav }, deps);
      else deps.updateRecording(row.id, { status: 'bad' });
      continue;
    }
    const mp3 = await checkRecordingFile(mp3PathFor(local), 'mp3', expectedMs);
    if (mp3.status === 'ok') deps.updateRecording(row.id, { filePath: mp3PathFor(row.filePath), format: 'mp3', bytes: mp3.bytes, sha256: mp3.sha256, durationMs: mp3.durationMs, status: 'ok' });
    else deps.updateRecording(row.id, { status: 'bad' });
    deps.appendEvidence(row.callId, 'recording_checked', { path: mp3PathFor(row.filePath), status: mp3.status, bytes: mp3.bytes, durationMs: mp3.durationMs, sha256: mp3.sha256, problems: mp3.problems, resumed: true });
  }
  return rows.length;
}
