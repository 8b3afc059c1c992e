// Walks the MPEG audio frame headers of an mp3 file: how many frames, how long, and how much is not audio.

/** What a frame-header walk found; durationMs counts only whole, well-formed frames. */
export interface Mp3FrameWalk {
  readonly frames: number;
  readonly samples: number;
  readonly sampleRate: number | null;
  readonly channels: number | null;
  readonly durationMs: number;
  /** Bytes that were neither a tag (ID3v1/v2) nor inside a frame: junk, or a truncated last frame. */
  readonly junkBytes: number;
}

// Layer III bit rates (kbit/s) by version; index 0 is "free format", 15 invalid.
const KBPS_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const KBPS_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const RATES: Readonly<Record<number, readonly number[]>> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

interface FrameHeader {
  readonly bytes: number;
  readonly samples: number;
  readonly sampleRate: number;
  readonly channels: number;
}

/** Reads a Layer III frame header at `at`; undefined when the four bytes are not one. */
export function frameHeaderAt(buf: Uint8Array, at: number): FrameHeader | undefined {
  if (at + 4 > buf.length) return undefined;
  const b1 = buf[at + 1]!;
  const b2 = buf[at + 2]!;
  const b3 = buf[at + 3]!;
  if (buf[at] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const version = (b1 >> 3) & 3; // 0 = MPEG 2.5, 1 reserved, 2 = MPEG 2, 3 = MPEG 1
  const layer = (b1 >> 1) & 3; // 1 = Layer III
  if (version === 1 || layer !== 1) return undefined;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const kbps = (version === 3 ? KBPS_V1 : KBPS_V2)[bitrateIndex]!;
  const sampleRate = RATES[version]![rateIndex]!;
  const padding = (b2 >> 1) & 1;
  const samples = version === 3 ? 1152 : 576;
  const bytes = Math.floor(((samples / 8) * kbps * 1000) / sampleRate) + padding;
  return { bytes, samples, sampleRate, channels: (b3 >> 6) === 3 ? 1 : 2 };
}

/** Size of an ID3v2 tag at the start (header, syncsafe size, optional footer), 0 when none. */
function id3v2Bytes(buf: Uint8Array): number {
  if (buf.length < 10 || buf[0] !== 0x49 || buf[1] !== 0x44 || buf[2] !== 0x33) return 0;
  const size = ((buf[6]! & 0x7f) << 21) | ((buf[7]! & 0x7f) << 14) | ((buf[8]! & 0x7f) << 7) | (buf[9]! & 0x7f);
  const footer = (buf[5]! & 0x10) !== 0 ? 10 : 0;
  return Math.min(buf.length, 10 + size + footer);
}

/**
 * Counts frames from the first header on. Where the next frame does not start where the
 * previous one ends, the bytes up to the next header that is followed by another valid
 * header are counted as junk (a lone 0xFFE… inside junk is not taken for a frame).
 */
export function walkMp3Frames(buf: Uint8Array): Mp3FrameWalk {
  let at = id3v2Bytes(buf);
  let end = buf.length;
  if (end - at >= 128 && buf[end - 128] === 0x54 && buf[end - 127] === 0x41 && buf[end - 126] === 0x47) end -= 128; // ID3v1 "TAG"
  let frames = 0;
  let samples = 0;
  let junk = 0;
  let sampleRate: number | null = null;
  let channels: number | null = null;
  while (at < end) {
    const h = frameHeaderAt(buf, at);
    const fits = h !== undefined && at + h.bytes <= end;
    // A frame is believed when it is the continuation of a run, or when another header follows it.
    const believed = fits && (frames > 0 && junk === 0 ? true : at + h.bytes === end || frameHeaderAt(buf, at + h.bytes) !== undefined);
    if (h !== undefined && fits && believed && (sampleRate === null || h.sampleRate === sampleRate)) {
      frames += 1;
      samples += h.samples;
      sampleRate = h.sampleRate;
      channels = h.channels;
      at += h.bytes;
    } else {
      junk += 1;
      at += 1;
    }
  }
  return { frames, samples, sampleRate, channels, durationMs: sampleRate === null ? 0 : Math.round((samples / sampleRate) * 1000), junkBytes: junk };
}
