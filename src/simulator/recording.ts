// uuid_record's media bug: what was recorded when, and the WAV file it leaves behind.

import { closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { encodeWavToMp3 } from '../lifecycle/mp3-codec';

const RATE = 8000;

export interface MaskSpan {
  readonly fromUs: number;
  toUs: number | undefined;
}

/**
 * One recording on one channel. FreeSWITCH reads RECORD_STEREO (and friends) when the bug is
 * added, so the layout is fixed at start even if the variable changes later.
 */
export class Recording {
  readonly masks: MaskSpan[] = [];
  stoppedUs: number | undefined;

  constructor(
    readonly requestedPath: string,
    readonly filePath: string,
    readonly stereo: boolean,
    readonly startUs: number,
    readonly limitSeconds: number | undefined,
    /** RECORD_READ_ONLY / RECORD_WRITE_ONLY: only what the channel says / only what it hears. */
    readonly direction: 'both' | 'read' | 'write' = 'both',
  ) {}

  mask(nowUs: number): void {
    const last = this.masks[this.masks.length - 1];
    if (last === undefined || last.toUs !== undefined) this.masks.push({ fromUs: nowUs, toUs: undefined });
  }

  unmask(nowUs: number): void {
    const last = this.masks[this.masks.length - 1];
    if (last !== undefined && last.toUs === undefined) last.toUs = nowUs;
  }

  /** Simulated seconds recorded (virtual clock), capped by the limit argument. */
  durationSeconds(endUs: number): number {
    const seconds = Math.max(0, (endUs - this.startUs) / 1e6);
    return this.limitSeconds !== undefined ? Math.min(seconds, this.limitSeconds) : seconds;
  }

  /**
   * Writes the file: 16-bit PCM, 8 kHz; masked spans are silent, the rest carries a quiet tone.
   * `sparse` (benches with thousands of calls): the right header and length, all samples silent
   * and left as a hole, so the simulator neither computes nor writes gigabytes of tone.
   */
  finish(endUs: number, sparse = false): void {
    this.stoppedUs = endUs;
    const frames = Math.round(this.durationSeconds(endUs) * RATE);
    const channels = this.stereo ? 2 : 1;
    if (sparse && !this.filePath.endsWith('.mp3')) {
      mkdirSync(dirname(this.filePath), { recursive: true });
      const fd = openSync(this.filePath, 'w');
      try {
        writeSync(fd, wavHeader(frames * channels * 2, channels));
        ftruncateSync(fd, 44 + frames * channels * 2);
      } finally {
        closeSync(fd);
      }
      return;
    }
    const masked = (frame: number): boolean => {
      const us = this.startUs + (frame * 1e6) / RATE;
      return this.masks.some((m) => us >= m.fromUs && us < (m.toUs ?? Infinity));
    };
    const data = Buffer.alloc(frames * channels * 2);
    for (let i = 0; i < frames; i++) {
      const silent = masked(i);
      // Left: what the channel says (440 Hz); right: what it hears (660 Hz). Mono mixes both.
      const a = silent || this.direction === 'write' ? 0 : Math.round(3000 * Math.sin((2 * Math.PI * 440 * i) / RATE));
      const b = silent || this.direction === 'read' ? 0 : Math.round(3000 * Math.sin((2 * Math.PI * 660 * i) / RATE));
      if (channels === 2) {
        data.writeInt16LE(a, i * 4);
        data.writeInt16LE(b, i * 4 + 2);
      } else {
        data.writeInt16LE(this.direction === 'both' ? Math.round((a + b) / 2) : a + b, i * 2);
      }
    }
    mkdirSync(dirname(this.filePath), { recursive: true });
    const wav = Buffer.concat([wavHeader(data.length, channels), data]);
    // mod_shout encodes .mp3 with lame; the same encoder stands in for it here.
    writeFileSync(this.filePath, this.filePath.endsWith('.mp3') ? encodeWavToMp3(wav, { mono: 16, stereo: 32 }).mp3 : wav);
  }
}

/** The 44-byte RIFF/WAVE header FreeSWITCH's libsndfile writes for PCM (as in the trace's file). */
export function wavHeader(dataBytes: number, channels: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(RATE, 24);
  h.writeUInt32LE(RATE * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}
