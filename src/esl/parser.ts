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

/** Finds `\n\n` in buf at or after `from`; returns the index of the first `\n`, or -1. */
function findBlankLine(buf: Buffer, from: number): number {
  let i = buf.indexOf(LF, from);
  while (i !== -1 && i + 1 < buf.length) {
    if (buf[i + 1] === LF) return i;
    i = buf.indexOf(LF, i + 1);
  }
  return -1;
}

export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);
  /** Bytes of `buf` already searched for the blank line (minus one, to catch a split `\n\n`). */
  private scanned = 0;
  private pendingHeaders: Record<string, string> | undefined;
  private bodyLength = 0;
  private readonly maxFrameBytes: number;

  constructor(options: ParserOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get buffered(): number {
    return this.buf.length;
  }

  /**
   * Feeds bytes; returns the complete frames they finish. A framing error throws
   * EslProtocolError after the parser has reset itself: the stream cannot be trusted
   * after a desync, so the caller should drop the connection.
   */
  push(chunk: Buffer): EslFrame[] {
    const frames: EslFrame[] = [];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      if (this.pendingHeaders === undefined) {
        const end = findBlankLine(this.buf, this.scanned);
        if (end === -1) {
          if (this.buf.length > this.maxFrameBytes) this.fail(`header block larger than ${this.maxFrameBytes} bytes`);
          this.scanned = Math.max(0, this.buf.length - 1);
          break;
        }
        // Stray blank lines between frames carry nothing: skip them.
        if (end === 0) {
          this.consume(1);
          continue;
        }
        const headers = parseHeaderBlock(this.buf.toString('utf8', 0, end), true);
        this.consume(end + 2);
        if (headers['Content-Type'] === undefined) this.fail('frame without Content-Type (protocol desync)');
        const lengthText = headers['Content-Length'];
        if (lengthText !== undefined) {
          const length = Number(lengthText);
          if (!/^\d+$/.test(lengthText) || !Number.isSafeInteger(length)) this.fail(`bad Content-Length "${lengthText}"`);
          if (length > this.maxFrameBytes) this.fail(`body of ${length} bytes exceeds ${this.maxFrameBytes}`);
          if (length > 0) {
            this.pendingHeaders = headers;
            this.bodyLength = length;
            continue;
          }
          frames.push({ headers, body: Buffer.alloc(0) });
        } else {
          frames.push({ headers });
        }
      } else {
        if (this.buf.length < this.bodyLength) break;
        // Copy the body out so the frame does not pin the whole receive buffer.
        const body = Buffer.from(this.buf.subarray(0, this.bodyLength));
        const headers = this.pendingHeaders;
        this.pendingHeaders = undefined;
        this.consume(this.bodyLength);
        frames.push({ headers, body });
      }
    }
    return frames;
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
    this.scanned = 0;
    this.pendingHeaders = undefined;
    this.bodyLength = 0;
  }

  private consume(n: number): void {
    this.buf = this.buf.subarray(n);
    this.scanned = 0;
  }

  private fail(reason: string): never {
    this.reset();
    throw new EslProtocolError(reason);
  }
}
