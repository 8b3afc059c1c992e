// Reads the PCM layout of a WAV file (what FreeSWITCH writes: 16-bit PCM, mono or stereo) for the mp3 encoder.

export interface WavPcm {
  readonly channels: 1 | 2;
  readonly sampleRate: number;
  /** Offset and length of the sample data in the file. */
  readonly dataOffset: number;
  readonly dataBytes: number;
}

export class WavFormatError extends Error {
  override readonly name = 'WavFormatError' as const;
}

/** Parses the RIFF chunks; throws WavFormatError for anything but 16-bit PCM with one or two channels. */
export function readWavPcm(file: Uint8Array): WavPcm {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new WavFormatError('not a RIFF/WAVE file');
  let offset = 12;
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    if (id === 'fmt ') {
      if (offset + 24 > buf.length) throw new WavFormatError('fmt chunk cut short');
      fmt = { format: buf.readUInt16LE(offset + 8), channels: buf.readUInt16LE(offset + 10), sampleRate: buf.readUInt32LE(offset + 12), bits: buf.readUInt16LE(offset + 22) };
    }
    if (id === 'data') {
      if (fmt === undefined) throw new WavFormatError('data chunk before fmt chunk');
      if (fmt.format !== 1 || fmt.bits !== 16) throw new WavFormatError(`only 16-bit PCM is encoded (format ${fmt.format}, ${fmt.bits} bits)`);
      if (fmt.channels !== 1 && fmt.channels !== 2) throw new WavFormatError(`${fmt.channels} channels`);
      if (fmt.sampleRate < 8000 || fmt.sampleRate > 48000) throw new WavFormatError(`sample rate ${fmt.sampleRate}`);
      const onDisk = buf.length - offset - 8;
      // A writer that never finalised the header leaves 0 or 0xFFFFFFFF: use what is on disk.
      const declared = size === 0 || size === 0xffffffff ? onDisk : Math.min(size, onDisk);
      const frameBytes = fmt.channels * 2;
      return { channels: fmt.channels, sampleRate: fmt.sampleRate, dataOffset: offset + 8, dataBytes: declared - (declared % frameBytes) };
    }
    offset += 8 + size + (size % 2);
  }
  throw new WavFormatError('no data chunk');
}
