// The anchor file: chain heads written outside the database at every call's end — append-only, fsync'd, itself hash-chained (and sealed).

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { FileHandle, mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { canonicalJson } from './canonical-json';
import type { EvidenceKeyring } from './evidence-keys';
import { GENESIS_HASH } from './evidence-chain';

export const DEFAULT_ANCHOR_FILE = './data/evidence-anchors.jsonl';

/** Which sealed log a head belongs to. */
export type AnchoredLog = 'evidence' | 'access';

export interface AnchorEntry {
  log: AnchoredLog;
  chain: string;
  seq: number;
  hash: string;
}

/** One line of the file: the entry, its place, the hash of the line before, and an HMAC when a key is configured. */
export interface AnchorLine extends AnchorEntry {
  n: number;
  at: string;
  prev: string;
  keyId?: string;
  mac?: string;
}

export interface AnchorFileCheck {
  ok: boolean;
  lines: number;
  /** Line number (1-based) where the file's own chain breaks. */
  brokenAt?: number;
  reason?: string;
  /** The last anchored head per `${log}\n${chain}`. */
  heads: Map<string, AnchorLine>;
  /** sha256 of the last complete line (the next line's prev). */
  lastHash: string;
}

export const anchorKey = (log: AnchoredLog, chain: string): string => `${log}\n${chain}`;

function lineHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function macText(line: Omit<AnchorLine, 'mac'>): string {
  return canonicalJson({ ...line, keyId: undefined });
}

/**
 * Reads and checks an anchor file's text: every line links to the line before it (a deleted,
 * inserted or edited line breaks the link), every sealed line's HMAC verifies with `keys`.
 * A torn last line (crash mid-append) is ignored: it was never reported written.
 */
export function checkAnchorText(text: string, keys?: EvidenceKeyring): AnchorFileCheck {
  const heads = new Map<string, AnchorLine>();
  const parts = text.split('\n');
  parts.pop(); // "" after the last newline, or a torn line
  let prev = GENESIS_HASH;
  const fail = (n: number, reason: string): AnchorFileCheck => ({ ok: false, lines: parts.length, brokenAt: n, reason, heads, lastHash: prev });
  for (let i = 0; i < parts.length; i++) {
    const raw = parts[i]!;
    let line: AnchorLine;
    try {
      line = JSON.parse(raw) as AnchorLine;
    } catch {
      return fail(i + 1, `anchor line ${i + 1} is not JSON (altered)`);
    }
    if (typeof line !== 'object' || line === null || line.prev !== prev || line.n !== i + 1) {
      return fail(i + 1, `anchor line ${i + 1} does not link to the line before it (lines deleted, inserted or reordered)`);
    }
    if (line.keyId !== undefined) {
      const { mac, ...rest } = line;
      if (!keys?.has(line.keyId)) return fail(i + 1, `anchor line ${i + 1} is sealed with key "${line.keyId}", not configured here`);
      if (keys.mac(line.keyId, macText(rest)) !== mac) return fail(i + 1, `anchor line ${i + 1}'s seal does not match (altered)`);
    } else if (keys) {
      return fail(i + 1, `anchor line ${i + 1} carries no seal`);
    }
    heads.set(anchorKey(line.log, line.chain), line);
    prev = lineHash(raw);
  }
  return { ok: true, lines: parts.length, heads, lastHash: prev };
}

export async function readAnchorFile(path: string, keys?: EvidenceKeyring): Promise<AnchorFileCheck | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return checkAnchorText(text, keys);
}

export interface ChainAnchorOptions {
  keys?: EvidenceKeyring;
  /** Also hand each line to the system log (`logger -t callwarden-anchor`), a copy out of this host's reach when syslog forwards. */
  syslog?: boolean;
  now?: () => Date;
}

/** The writer: one per daemon (the file's chain assumes a single appender). */
export class ChainAnchor {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    private handle: FileHandle,
    private size: number,
    private lastHash: string,
    private n: number,
    private readonly options: ChainAnchorOptions,
    /** The file's own check when it was opened: a broken file is reported, then continued. */
    readonly opened: AnchorFileCheck,
  ) {}

  static async open(path: string, options: ChainAnchorOptions = {}): Promise<ChainAnchor> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const handle = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    try {
      await handle.chmod(0o600); // an existing file from an older install may be world-readable
      const text = (await handle.readFile()).toString('utf8');
      const check = checkAnchorText(text, options.keys);
      // A torn tail is cut so the next line starts on a line of its own.
      const complete = text.lastIndexOf('\n') + 1;
      const size = Buffer.byteLength(text.slice(0, complete), 'utf8');
      if (size !== Buffer.byteLength(text, 'utf8')) {
        await handle.truncate(size);
        await handle.sync();
      }
      const lines = text.slice(0, complete).split('\n').filter((l) => l !== '');
      const last = lines[lines.length - 1];
      return new ChainAnchor(path, handle, size, last ? lineHash(last) : GENESIS_HASH, lines.length, options, check);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Appends one head and fsyncs; a failed write is cut back so no partial line stays in the file. */
  append(entry: AnchorEntry): Promise<void> {
    const run = this.chain.then(async () => {
      const base: Omit<AnchorLine, 'mac'> = {
        n: this.n + 1,
        at: (this.options.now?.() ?? new Date()).toISOString(),
        log: entry.log,
        chain: entry.chain,
        seq: entry.seq,
        hash: entry.hash,
        prev: this.lastHash,
        ...(this.options.keys ? { keyId: this.options.keys.currentKeyId } : {}),
      };
      const line: AnchorLine = this.options.keys ? { ...base, mac: this.options.keys.mac(this.options.keys.currentKeyId, macText(base))! } : base;
      const text = JSON.stringify(line);
      const buf = Buffer.from(text + '\n', 'utf8');
      try {
        let off = 0;
        while (off < buf.length) off += (await this.handle.write(buf, off, buf.length - off, this.size + off)).bytesWritten;
        await this.handle.sync();
      } catch (err) {
        await this.handle.truncate(this.size).catch(() => undefined);
        throw err;
      }
      this.size += buf.length;
      this.n++;
      this.lastHash = lineHash(text);
      if (this.options.syslog) sendToSyslog(text);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle.close();
  }
}

function sendToSyslog(line: string): void {
  try {
    const child = spawn('logger', ['-t', 'callwarden-anchor', '--', line], { stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // syslog is a second copy; the file is the record
  }
}
