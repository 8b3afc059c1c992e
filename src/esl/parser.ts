// The ESL framing state machine: bytes in, frames out. Pure: no socket, no clock.
//
// WaitingForHeaders → (blank line) → WaitingForBody{length} → frame. Lengths are bytes,
// never characters (FreeSWITCH's Content-Length counts bytes; UTF-8 caller names would
// otherwise shift every later frame). The blank line is searched only in bytes not yet
// scanned, so a frame arriving one byte at a time costs O(n), not O(n²).

import { EslProtocolError } from './errors';
import type { EslFrame } from './frame';

export interface ParserOptions {
  /** Largest header block or body accepted; past it the stream is treated as desynchronised. */
  readonly maxFrameBytes?: number;
}

export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;

const LF = 0x0a;

/** URL-decoding that never throws: a stray `%` leaves the value as it came (modesl crashes here). */
export function safeDecode(value: string): string {
  if (value.indexOf('%') === -1) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Parses `Name: value` lines. Values are URL-decoded when `decode` is set (event-plain
 * bodies, and outer headers, which FreeSWITCH encodes in the `connect` reply).
 * A line without a colon is kept as a header with an empty value rather than dropped,
 * so nothing the peer sent is silently lost.
 */
export function parseHeaderBlock(text: string, decode: boolean): Record<string, string> {
  const headers: Record<string, string> = Object.create(null);
  let start = 0;
  const len = text.length;
  while (start < len) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = len;
    if (end > start) {
      const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
      const colon = line.indexOf(':');
      if (colon === -1) {
        headers[line] = '';
      } else {
        const name = line.slice(0, colon);
        let value = line.slice(colon + 1);
        if (value.charCodeAt(0) === 32) value = value.slice(1);
        headers[name] = decode ? safeDecode(value) : value;
      }
    }
    start = end + 1;
  }
  return headers;
}

export class FrameParser {
  /** Bytes received but not yet part of a finished frame, kept as chunks (no re-copying). */
  private chunks: Buffer[] = [];
  private size = 0;
  /** Whether the last buffered byte of a header block was LF (a `\n\n` may straddle chunks). */
  private prevLF = false;
  private pendingHeaders: Record<string, string> | undefined;
  private bodyLength = 0;
  private readonly maxFrameBytes: number;

  constructor(options: ParserOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get buffered(): number {
    return this.size;
  }

  /**
   * Feeds bytes; returns the complete frames they finish. A framing error throws
   * EslProtocolError after the parser has reset itself: the stream cannot be trusted
   * after a desync, so the caller should drop the connection.
   */
  push(chunk: Buffer): EslFrame[] {
    const frames: EslFrame[] = [];
    let data = chunk;
    while (data.length > 0) {
      if (this.pendingHeaders === undefined) {
        // Stray line feeds between frames carry nothing: skip them.
        if (this.size === 0 && data[0] === LF) {
          data = data.subarray(1);
          continue;
        }
        const end = this.findBlankLine(data);
        if (end === -1) {
          this.keep(data);
          this.prevLF = data[data.length - 1] === LF;
          if (this.size > this.maxFrameBytes) this.fail(`header block larger than ${this.maxFrameBytes} bytes`);
          break;
        }
        // `end` is the index in `data` of the second LF of the blank line.
        const block = this.take(data.subarray(0, end + 1));
        data = data.subarray(end + 1);
        const headers = parseHeaderBlock(block.toString('utf8', 0, block.length - 2), true);
        if (headers['Content-Type'] === undefined) this.fail('frame without Content-Type (protocol desync)');
        const lengthText = headers['Content-Length'];
        if (lengthText === undefined) {
          frames.push({ headers });
          continue;
        }
        const length = Number(lengthText);
        if (!/^\d+$/.test(lengthText) || !Number.isSafeInteger(length)) this.fail(`bad Content-Length "${lengthText}"`);
        if (length > this.maxFrameBytes) this.fail(`body of ${length} bytes exceeds ${this.maxFrameBytes}`);
        if (length === 0) {
          frames.push({ headers, body: Buffer.alloc(0) });
          continue;
        }
        this.pendingHeaders = headers;
        this.bodyLength = length;
      } else {
        const missing = this.bodyLength - this.size;
        if (data.length < missing) {
          this.keep(data);
          break;
        }
        // Copy the body out so a frame never pins the whole receive chunk.
        const body = Buffer.from(this.take(data.subarray(0, missing)));
        data = data.subarray(missing);
        const headers = this.pendingHeaders;
        this.pendingHeaders = undefined;
        frames.push({ headers, body });
      }
    }
    return frames;
  }

  reset(): void {
    this.chunks = [];
    this.size = 0;
    this.prevLF = false;
    this.pendingHeaders = undefined;
    this.bodyLength = 0;
  }

  /** Index in `data` of the LF that completes `\n\n`, or -1. */
  private findBlankLine(data: Buffer): number {
    if (this.prevLF && data[0] === LF) return 0;
    let i = data.indexOf(LF);
    while (i !== -1 && i + 1 < data.length) {
      if (data[i + 1] === LF) return i + 1;
      i = data.indexOf(LF, i + 1);
    }
    return -1;
  }

  private keep(data: Buffer): void {
    this.chunks.push(data);
    this.size += data.length;
  }

  /** Returns the buffered bytes plus `tail` as one buffer and empties the buffer. */
  private take(tail: Buffer): Buffer {
    const out = this.chunks.length === 0 ? tail : Buffer.concat([...this.chunks, tail]);
    this.chunks = [];
    this.size = 0;
    this.prevLF = false;
    return out;
  }

  private fail(reason: string): never {
    this.reset();
    throw new EslProtocolError(reason);
  }
}
