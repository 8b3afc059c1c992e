// The ESL framing state machine: bytes in, frames out. Pure: no socket, no clock.
//
// WaitingForHeaders → (blank line) → WaitingForBody{length} → frame. Lengths are bytes,
// never characters (FreeSWITCH's Content-Length counts bytes; UTF-8 caller names would
// otherwise shift every later frame). The blank line is searched only in bytes not yet
// scanned and bytes are copied once into growable buffers, so a frame arriving one byte at
// a time costs O(n), not O(n²), in time and in memory. A header block is bounded in bytes
// and in lines (typed EslLimitError), so no peer can make one block cost seconds.

import { isUtf8 } from 'node:buffer';
import { EslError, EslLimitError, EslProtocolError } from './errors';
import type { EslFrame } from './frame';

export interface ParserOptions {
  /** Largest body accepted; past it the stream is treated as desynchronised. */
  readonly maxFrameBytes?: number;
  /** Largest header block (outer, and the inner block of an event-plain body). */
  readonly maxHeaderBytes?: number;
  /** Most header lines in one block. */
  readonly maxHeaders?: number;
}

export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;
/**
 * 64 KiB. The largest real blocks in the captured traces are ~7 KB (a `connect` reply with
 * every channel variable, 178 lines) and ~14 KB (an event-plain inner block, 333 lines);
 * a block past this is an attack or a desync, and parsing it would cost seconds (an 8 MB
 * block of short lines is a million object properties).
 */
export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
/** Ten times the longest real block; what the byte limit alone would allow of `a:\n` lines is 20,000. */
export const DEFAULT_MAX_HEADERS = 4096;

const LF = 0x0a;
const PERCENT = 0x25;

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/**
 * URL-decoding that never throws and never uses an exception to find out: a value with a
 * malformed escape (`%zz%`, a trailing `%`) or whose escapes are not valid UTF-8 is left as
 * it came (modesl crashes here; a try/catch around decodeURIComponent costs one exception
 * per hostile value — 16× the time of a good value, measured in bench/parser.ts).
 */
export function safeDecode(value: string): string {
  let i = value.indexOf('%');
  if (i === -1) return value;
  let ascii = true;
  while (i !== -1) {
    const hi = hexValue(value.charCodeAt(i + 1));
    if (hi === -1 || hexValue(value.charCodeAt(i + 2)) === -1) return value;
    if (hi >= 8) ascii = false;
    i = value.indexOf('%', i + 3);
  }
  // Every escape is %XX. If all are ASCII, decodeURIComponent cannot throw (it throws only
  // for malformed escapes and invalid UTF-8 octet sequences): the fast native path.
  if (ascii) return decodeURIComponent(value);
  return decodeUtf8Escapes(value);
}

/** Escapes that decode to bytes ≥ 0x80: decoded as bytes, kept only if they form valid UTF-8. */
function decodeUtf8Escapes(value: string): string {
  const src = Buffer.from(value, 'utf8');
  const out = Buffer.allocUnsafe(src.length);
  let o = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    // '%' and hex digits are ASCII, so they are single bytes in UTF-8: scan the bytes directly.
    if (b === PERCENT) {
      out[o++] = hexValue(src[i + 1]!) * 16 + hexValue(src[i + 2]!);
      i += 2;
    } else {
      out[o++] = b;
    }
  }
  const bytes = out.subarray(0, o);
  return isUtf8(bytes) ? bytes.toString('utf8') : value;
}

/**
 * Parses `Name: value` lines. Values are URL-decoded when `decode` is set (event-plain
 * bodies, and outer headers, which FreeSWITCH encodes in the `connect` reply).
 * A line without a colon is kept as a header with an empty value rather than dropped,
 * so nothing the peer sent is silently lost. More than `maxHeaders` lines is a typed
 * error (EslLimitError), found before the lines are turned into properties.
 */
export function parseHeaderBlock(text: string, decode: boolean, maxHeaders = DEFAULT_MAX_HEADERS): Record<string, string> {
  const headers: Record<string, string> = Object.create(null);
  let start = 0;
  let count = 0;
  const len = text.length;
  while (start < len) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = len;
    if (end > start) {
      if (++count > maxHeaders) throw new EslLimitError('header-count', maxHeaders, `more than ${maxHeaders} header lines in one block`);
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

/** text/event-json and text/event-plain: frames their consumer decodes at once. */
function isEventFrame(headers: Record<string, string>): boolean {
  const type = headers['Content-Type'];
  return type === 'text/event-json' || type === 'text/event-plain';
}

export class FrameParser {
  /**
   * Header bytes of an unfinished block, copied into one growable buffer: each byte is
   * copied once whatever the chunking, and nothing is kept per chunk (1 MB fed one byte per
   * chunk used to keep a million Buffer objects, 147 MB).
   */
  private head: Buffer = EMPTY;
  private headSize = 0;
  private pendingHeaders: Record<string, string> | undefined;
  /** The body being filled (grown as bytes arrive, up to bodyLength), and how much of it is. */
  private body: Buffer = EMPTY;
  private bodySize = 0;
  private bodyLength = 0;
  private readonly maxFrameBytes: number;
  private readonly maxHeaderBytes: number;
  private readonly maxHeaders: number;

  constructor(options: ParserOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxHeaderBytes = Math.min(options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES, this.maxFrameBytes);
    this.maxHeaders = options.maxHeaders ?? DEFAULT_MAX_HEADERS;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get buffered(): number {
    return this.headSize + this.bodySize;
  }

  /**
   * Feeds bytes; returns the complete frames they finish. A framing error throws
   * EslProtocolError (EslLimitError for a block past the limits) after the parser has reset
   * itself: the stream cannot be trusted after a desync, so the caller should drop the
   * connection.
   */
  push(chunk: Buffer): EslFrame[] {
    const frames: EslFrame[] = [];
    try {
      this.consume(chunk, frames);
    } catch (err) {
      if (err instanceof EslError && frames.length > 0) err.completedFrames = frames;
      throw err;
    }
    return frames;
  }

  private consume(chunk: Buffer, frames: EslFrame[]): void {
    let data = chunk;
    while (data.length > 0) {
      if (this.pendingHeaders === undefined) {
        // Stray line feeds between frames carry nothing: skip them.
        if (this.headSize === 0 && data[0] === LF) {
          data = data.subarray(1);
          continue;
        }
        const end = this.findBlankLine(data);
        if (end === -1) {
          if (this.headSize + data.length > this.maxHeaderBytes) this.failLimit();
          this.appendHead(data);
          break;
        }
        // `end` is the index in `data` of the second LF of the blank line.
        if (this.headSize + end + 1 > this.maxHeaderBytes) this.failLimit();
        let block: Buffer;
        if (this.headSize === 0) {
          block = data.subarray(0, end + 1);
        } else {
          this.appendHead(data.subarray(0, end + 1));
          block = this.head.subarray(0, this.headSize);
        }
        data = data.subarray(end + 1);
        const text = block.toString('utf8', 0, block.length - 2);
        this.headSize = 0;
        let headers: Record<string, string>;
        try {
          headers = parseHeaderBlock(text, true, this.maxHeaders);
        } catch (err) {
          this.reset();
          throw err;
        }
        if (headers['Content-Type'] === undefined) this.fail('frame without Content-Type (protocol desync)');
        const lengthText = headers['Content-Length'];
        if (lengthText === undefined) {
          frames.push({ headers });
          continue;
        }
        const length = Number(lengthText);
        if (!/^\d+$/.test(lengthText) || !Number.isSafeInteger(length)) this.fail(`bad Content-Length "${lengthText.slice(0, 40)}"`);
        if (length > this.maxFrameBytes) this.fail(`body of ${length} bytes exceeds ${this.maxFrameBytes}`);
        if (length === 0) {
          frames.push({ headers, body: Buffer.alloc(0) });
          continue;
        }
        this.pendingHeaders = headers;
        this.bodyLength = length;
        this.bodySize = 0;
      } else {
        const missing = this.bodyLength - this.bodySize;
        const take = Math.min(missing, data.length);
        let body: Buffer | undefined;
        if (this.bodySize === 0 && take === this.bodyLength) {
          // The whole body in this chunk. An event's is decoded into strings before the next
          // chunk is read (EslConnection.dispatch), so a view of the chunk is enough; any other
          // frame may be kept (an api reply awaited by someone) and gets a copy, so it never
          // pins the receive chunk. (The copy was ≈ 3.5 µs of a json event's ≈ 55.)
          const view = data.subarray(0, take);
          body = isEventFrame(this.pendingHeaders) ? view : Buffer.from(view);
        } else {
          // No new Buffer views when the chunk is used whole (the common case of a trickle).
          this.appendBody(take === data.length ? data : data.subarray(0, take));
          if (this.bodySize === this.bodyLength) {
            body = this.body.length === this.bodyLength ? this.body : Buffer.from(this.body.subarray(0, this.bodySize));
            // The filled buffer now belongs to the frame; the next body starts a new one.
            this.body = EMPTY;
          }
        }
        if (body === undefined) break;
        data = take === data.length ? EMPTY : data.subarray(take);
        const headers = this.pendingHeaders;
        this.pendingHeaders = undefined;
        this.bodySize = 0;
        this.bodyLength = 0;
        frames.push({ headers, body });
      }
    }
  }

  reset(): void {
    this.head = EMPTY;
    this.headSize = 0;
    this.pendingHeaders = undefined;
    this.body = EMPTY;
    this.bodySize = 0;
    this.bodyLength = 0;
  }

  /** Index in `data` of the LF that completes `\n\n` (which may straddle the held bytes), or -1. */
  private findBlankLine(data: Buffer): number {
    if (this.headSize > 0 && this.head[this.headSize - 1] === LF && data[0] === LF) return 0;
    if (data.length < SMALL) {
      // Tiny chunks (a peer trickling bytes): a plain loop beats a native call per chunk.
      for (let i = 1; i < data.length; i++) if (data[i] === LF && data[i - 1] === LF) return i;
      return -1;
    }
    const i = data.indexOf(BLANK);
    return i === -1 ? -1 : i + 1;
  }

  private appendHead(data: Buffer): void {
    this.head = ensureCapacity(this.head, this.headSize, this.headSize + data.length, this.maxHeaderBytes);
    copyInto(data, this.head, this.headSize);
    this.headSize += data.length;
  }

  private appendBody(data: Buffer): void {
    // Grown by doubling as bytes arrive (not allocated from Content-Length up front: a peer
    // announcing 8 MB and sending nothing must not cost 8 MB).
    this.body = ensureCapacity(this.body, this.bodySize, this.bodySize + data.length, this.bodyLength);
    copyInto(data, this.body, this.bodySize);
    this.bodySize += data.length;
  }

  private failLimit(): never {
    this.reset();
    throw new EslLimitError('header-bytes', this.maxHeaderBytes, `header block larger than ${this.maxHeaderBytes} bytes`);
  }

  private fail(reason: string): never {
    this.reset();
    throw new EslProtocolError(reason);
  }
}

const BLANK = Buffer.from('\n\n');
const EMPTY = Buffer.alloc(0);
/** Below this many bytes, copying and scanning by hand is cheaper than a native call. */
const SMALL = 32;

function copyInto(data: Buffer, target: Buffer, at: number): void {
  if (data.length < SMALL) for (let i = 0; i < data.length; i++) target[at + i] = data[i]!;
  else data.copy(target, at);
}

/** `buffer` with room for `needed` bytes (its first `used` kept), doubling up to `max`. */
function ensureCapacity(buffer: Buffer, used: number, needed: number, max: number): Buffer {
  if (needed <= buffer.length) return buffer;
  const size = Math.min(Math.max(needed, buffer.length * 2, 256), Math.max(max, needed));
  const grown = Buffer.allocUnsafe(size);
  buffer.copy(grown, 0, 0, used);
  return grown;
}
