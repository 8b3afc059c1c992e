// Checks a finished recording file: it exists, holds audio beyond its header, and lasts as long as FreeSWITCH said.

import { open, stat } from 'node:fs/promises';
import { mp3Jobs } from '../lifecycle/mp3-jobs';
import type { Mp3Measure } from '../lifecycle/mp3-codec';
import type { RecordingFormat } from '../policies';
import { fileHasher } from './file-hash';

export interface RecordingFileCheck {
  readonly status: 'ok' | 'bad';
  readonly bytes: number | null;
  readonly sha256: string | null;
  /** Measured from the file: the WAV header's data size, or the mp3 as decoded (mpg123, in a worker thread). */
  readonly durationMs: number | null;
  /** Why the file is bad; empty when ok. */
  readonly problems: readonly string[];
}

/** A canonical PCM WAV header is 44 bytes; a file no longer than that holds no audio. */
const WAV_HEADER_BYTES = 44;
/** One MPEG audio frame at 8 kbit/s is ~100 bytes; anything shorter is an empty encoder output. */
const MP3_MIN_BYTES = 128;

/**
 * Tolerance between the file's length and the span between RECORD_START and RECORD_STOP:
 * RECORD_START fires on the first media frame and RECORD_STOP after the last write, so a
 * real file is a little shorter than the span, never much longer or shorter.
 */
export function durationPlausible(fileMs: number, eventMs: number): boolean {
  return Math.abs(fileMs - eventMs) <= Math.max(2000, eventMs * 0.05);
}

/** Reads the duration of a PCM WAV from its fmt (byte rate) and data (size) chunks. */
export function wavDurationMs(head: Buffer, fileBytes: number): number | undefined {
  if (head.length < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let offset = 12;
  let byteRate: number | undefined;
  while (offset + 8 <= head.length) {
    const id = head.toString('ascii', offset, offset + 4);
    const size = head.readUInt32LE(offset + 4);
    if (id === 'fmt ' && offset + 16 <= head.length) byteRate = head.readUInt32LE(offset + 16);
    if (id === 'data') {
      if (byteRate === undefined || byteRate === 0) return undefined;
      // A writer that never finalised the header leaves 0 or 0xFFFFFFFF: use what is on disk.
      const dataBytes = size === 0 || size === 0xffffffff ? fileBytes - offset - 8 : Math.min(size, fileBytes - offset - 8);
      return Math.round((Math.max(0, dataBytes) / byteRate) * 1000);
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

/**
 * `expectedMs`: RECORD_STOP minus RECORD_START (FreeSWITCH's Event-Date-Timestamps), undefined
 * when one of them was not seen (daemon restarted mid-recording, channel gone without a stop).
 */
export async function checkRecordingFile(path: string, format: RecordingFormat, expectedMs: number | undefined): Promise<RecordingFileCheck> {
  let bytes: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) return { status: 'bad', bytes: null, sha256: null, durationMs: null, problems: ['the path is not a regular file'] };
    bytes = s.size;
  } catch (err) {
    return { status: 'bad', bytes: null, sha256: null, durationMs: null, problems: [`the file does not exist (${(err as NodeJS.ErrnoException).code ?? 'error'})`] };
  }
  // On a worker thread: a burst of hangups finishes a burst of files (file-hash.ts).
  const sha256 = await fileHasher.sha256(path);
  const problems: string[] = [];
  let durationMs: number | null = null;
  if (format === 'wav') {
    const handle = await open(path, 'r');
    const head = Buffer.alloc(Math.min(bytes, 4096));
    try {
      await handle.read(head, 0, head.length, 0);
    } finally {
      await handle.close();
    }
    if (bytes <= WAV_HEADER_BYTES) problems.push(`the file holds no audio (${bytes} bytes, a WAV header alone is ${WAV_HEADER_BYTES})`);
    const measured = wavDurationMs(head, bytes);
    if (measured === undefined) problems.push('the file is not a readable PCM WAV');
    else {
      durationMs = measured;
      if (expectedMs !== undefined && !durationPlausible(measured, expectedMs)) {
        problems.push(`the file lasts ${(measured / 1000).toFixed(1)} s but FreeSWITCH recorded for ${(expectedMs / 1000).toFixed(1)} s (RECORD_START..RECORD_STOP)`);
      }
    }
  } else {
    if (bytes < MP3_MIN_BYTES) problems.push(`the file holds no audio (${bytes} bytes)`);
    const m = await measure(path);
    const problem = mp3Problem(m);
    if (problem !== undefined) problems.push(problem);
    else {
      durationMs = m.decoded?.durationMs ?? m.walk.durationMs;
      if (expectedMs !== undefined && !durationPlausible(durationMs, expectedMs)) {
        problems.push(`the file lasts ${(durationMs / 1000).toFixed(1)} s but FreeSWITCH recorded for ${(expectedMs / 1000).toFixed(1)} s (RECORD_START..RECORD_STOP)`);
      }
    }
  }
  return { status: problems.length === 0 ? 'ok' : 'bad', bytes, sha256, durationMs, problems };
}

async function measure(path: string): Promise<Mp3Measure> {
  return mp3Jobs.measure(path);
}

/**
 * Why an mp3 cannot be trusted, from its decode and its frame walk: no frames, frames the
 * decoder refused, or a decoder and a header walk that disagree on its length.
 */
export function mp3Problem(m: Mp3Measure): string | undefined {
  if (m.walk.frames === 0) return 'the file is not a decodable mp3 (no MPEG audio frame found)';
  if (m.decoded === null) return undefined; // the decoder could not load; the frame walk stands alone
  if (m.decoded.samples === 0) return 'the file is not a decodable mp3 (the decoder produced no audio)';
  if (m.decoded.errors > Math.max(1, m.walk.frames * 0.01)) return `the mp3 has ${m.decoded.errors} frame(s) the decoder refused`;
  if (!durationPlausible(m.decoded.durationMs, m.walk.durationMs)) {
    return `the mp3 decodes to ${(m.decoded.durationMs / 1000).toFixed(1)} s but its frames add up to ${(m.walk.durationMs / 1000).toFixed(1)} s`;
  }
  return undefined;
}
