// The two pure-JS/wasm codecs behind mp3 without mod_shout: lamejs to encode, mpg123 (wasm) to decode and verify.

import { readFileSync } from 'node:fs';
import { runInThisContext } from 'node:vm';
import { readWavPcm } from './wav-pcm';
import { walkMp3Frames, type Mp3FrameWalk } from './mp3-frames';

interface Mp3Encoder {
  encodeBuffer(left: Int16Array, right?: Int16Array): Uint8Array;
  flush(): Uint8Array;
}

let lame: { Mp3Encoder: new (channels: number, sampleRate: number, kbps: number) => Mp3Encoder } | undefined;

/**
 * @breezystack/lamejs ships only an IIFE bundle under `require` (it assigns a global
 * `lamejs` and exports nothing), so it is evaluated once and its value taken.
 */
function lamejs(): NonNullable<typeof lame> {
  if (!lame) {
    const file = require.resolve('@breezystack/lamejs');
    lame = runInThisContext(`(function () {\n${readFileSync(file, 'utf8')}\nreturn lamejs;\n})()`, { filename: file }) as NonNullable<typeof lame>;
  }
  return lame;
}

/** Samples per encodeBuffer call: a multiple of the 576-sample MPEG-2.5 granule. */
const CHUNK = 576 * 20;

/** Encodes a 16-bit PCM WAV (whole file in memory) to mp3; returns the mp3 bytes. */
export function encodeWavToMp3(wav: Uint8Array, kbps: { mono: number; stereo: number }): { mp3: Buffer; channels: number; sampleRate: number; samples: number } {
  const pcm = readWavPcm(wav);
  const frames = pcm.dataBytes / (2 * pcm.channels);
  // Copy into an aligned buffer: the file's data chunk may start at an odd offset.
  const samples = new Int16Array(frames * pcm.channels);
  Buffer.from(samples.buffer).set(wav.subarray(pcm.dataOffset, pcm.dataOffset + pcm.dataBytes));
  const encoder = new (lamejs().Mp3Encoder)(pcm.channels, pcm.sampleRate, pcm.channels === 2 ? kbps.stereo : kbps.mono);
  const out: Buffer[] = [];
  if (pcm.channels === 1) {
    for (let i = 0; i < frames; i += CHUNK) out.push(Buffer.from(encoder.encodeBuffer(samples.subarray(i, i + CHUNK))));
  } else {
    const left = new Int16Array(frames);
    const right = new Int16Array(frames);
    for (let i = 0; i < frames; i++) {
      left[i] = samples[2 * i]!;
      right[i] = samples[2 * i + 1]!;
    }
    for (let i = 0; i < frames; i += CHUNK) out.push(Buffer.from(encoder.encodeBuffer(left.subarray(i, i + CHUNK), right.subarray(i, i + CHUNK))));
  }
  out.push(Buffer.from(encoder.flush()));
  return { mp3: Buffer.concat(out), channels: pcm.channels, sampleRate: pcm.sampleRate, samples: frames };
}

export interface Mp3Measure {
  readonly walk: Mp3FrameWalk;
  /** What the decoder produced: samples per channel and how many frames it could not decode. */
  readonly decoded: { readonly samples: number; readonly sampleRate: number; readonly errors: number; readonly durationMs: number } | null;
  /** Why the decoder could not be used at all (then only the frame walk counts). */
  readonly decoderProblem?: string;
}

// TypeScript compiles import() to require() under CommonJS; mpg123-decoder is an ES module.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

interface MpegDecoder {
  ready: Promise<void>;
  decode(data: Uint8Array): { samplesDecoded: number; sampleRate: number; errors: unknown[] };
  free(): void;
}

/** Decodes the whole file with mpg123 (wasm) and walks its frame headers. */
export async function measureMp3(mp3: Uint8Array): Promise<Mp3Measure> {
  const walk = walkMp3Frames(mp3);
  try {
    const mod = (await importEsm('mpg123-decoder')) as { MPEGDecoder: new () => MpegDecoder };
    const decoder = new mod.MPEGDecoder();
    await decoder.ready;
    try {
      const r = decoder.decode(mp3);
      const durationMs = r.sampleRate > 0 ? Math.round((r.samplesDecoded / r.sampleRate) * 1000) : 0;
      return { walk, decoded: { samples: r.samplesDecoded, sampleRate: r.sampleRate, errors: r.errors.length, durationMs } };
    } finally {
      decoder.free();
    }
  } catch (err) {
    return { walk, decoded: null, decoderProblem: (err as Error).message };
  }
}
