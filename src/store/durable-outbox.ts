// Append-only, fsync'ed JSON-lines journal of queued writes on local disk: what the database has not confirmed survives a crash.

import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, FileHandle, link, mkdir, open as fsOpen, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ensurePrivateDir } from './file-modes';
import { StoreWrite } from './store-write';

export interface OutboxEntry {
  /** Unique per write; doubles as the idempotency key when the entry is replayed. */
  id: string;
  enqueuedAt: string;
  write: StoreWrite;
}

export interface OutboxRecovery {
  outbox: DurableOutbox;
  /**
   * Entries a previous run journaled but did not see confirmed, oldest first, as their lines in
   * the file (what `appendLines` takes; each parses as an OutboxEntry). Lines, not parsed
   * entries: the write queue keeps a pending write as its line, and a backlog of 100,000 would
   * otherwise be held twice while it starts.
   */
  recovered: readonly string[];
  /** Lines that could not be parsed (a torn final write is expected after a crash; others go to the dead-letter file). */
  discarded: number;
}

/** The file operations the outbox uses; tests inject a failing one to simulate a full disk. */
export interface OutboxIo {
  open: typeof fsOpen;
}

const REAL_IO: OutboxIo = { open: fsOpen };

export class OutboxLockedError extends Error {
  override name = 'OutboxLockedError' as const;
}

export const OUTBOX_FILE = 'outbox.jsonl';
export const DEAD_LETTER_FILE = 'outbox.dead.jsonl';
const LOCK_FILE = 'outbox.lock';

// Lock files held by this process; a lock naming our own pid but absent here was left by an instance that never closed.
const heldLocks = new Set<string>();

export class DurableOutbox {
  /** Raw lines currently in the file, oldest first; the first `acked` of them are applied and await truncation (their text already dropped). */
  private lines: string[];
  private acked = 0;
  /** Bytes of the acknowledged lines, newlines included: where the pending lines start in the file. */
  private ackedBytes = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Bytes of complete lines in the file: a failed append is cut back to this. */
  private size = 0;
  /** A cut-back failed: the next append first retries it, so nothing is ever glued to a partial line. */
  private needsCut = false;

  private constructor(
    readonly dir: string,
    private handle: FileHandle,
    lines: string[],
    private readonly io: OutboxIo,
  ) {
    this.lines = lines;
    this.size = lines.reduce((n, l) => n + Buffer.byteLength(l, 'utf8') + 1, 0);
  }

  get path(): string {
    return join(this.dir, OUTBOX_FILE);
  }

  /** Opens (creating if needed) the outbox in `dir`, takes its lock and reads what a previous run left. */
  static async open(dir: string, io: OutboxIo = REAL_IO): Promise<OutboxRecovery> {
    const open = io.open;
    // The journal holds phone numbers and evidence: owner only (issue 8.7).
    await mkdir(dirname(dir), { recursive: true, mode: 0o700 });
    ensurePrivateDir(dirname(dir));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700).catch(() => undefined);
    const lockPath = join(dir, LOCK_FILE);
    await acquireLock(lockPath);
    try {
      const path = join(dir, OUTBOX_FILE);
      let text = '';
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      const lines: string[] = [];
      const corrupt: string[] = [];
      const parts = text.split('\n');
      // Text after the last newline is a write torn by a crash; it was never reported durable, so it is dropped.
      const torn = parts.pop() ?? '';
      for (const line of parts) {
        if (line.trim() === '') continue;
        if (parseEntry(line)) lines.push(line);
        else corrupt.push(line);
      }
      const handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o600);
      await chmod(path, 0o600).catch(() => undefined);
      await syncDir(dir);
      const outbox = new DurableOutbox(dir, handle, lines, io);
      if (corrupt.length > 0) {
        await outbox.appendDead(corrupt.map((line) => ({ line, error: 'unparseable outbox line', at: new Date().toISOString() })));
      }
      // Rewrite so the torn tail and corrupt lines are gone before anything is appended after them.
      if (torn !== '' || corrupt.length > 0) await outbox.rewrite(lines);
      return { outbox, recovered: [...lines], discarded: corrupt.length + (torn !== '' ? 1 : 0) };
    } catch (err) {
      await releaseLock(lockPath);
      throw err;
    }
  }

  /** Journals the entries with one write and one fsync (group commit). */
  append(entries: readonly OutboxEntry[]): Promise<void> {
    return this.appendLines(entries.map((e) => JSON.stringify(e)));
  }

  /** `append` of entries already in their line form (`JSON.stringify` of an OutboxEntry, no newline). */
  appendLines(lines: readonly string[]): Promise<void> {
    return this.serial(async () => {
      if (lines.length === 0) return;
      if (this.needsCut) {
        await this.handle.truncate(this.size);
        this.needsCut = false;
      }
      const buf = Buffer.from(lines.join('\n') + '\n', 'utf8');
      try {
        await writeAll(this.handle, buf);
        await this.handle.sync();
      } catch (err) {
        // Disk full or I/O error: cut the partial batch off, so a later append does not glue
        // its first line to half a line (which recovery would then drop as corrupt).
        try {
          await this.handle.truncate(this.size);
          await this.handle.sync();
        } catch {
          this.needsCut = true;
        }
        throw err;
      }
      this.size += buf.length;
      this.lines.push(...lines);
    });
  }

  /**
   * Marks the oldest journaled entry as applied (entries are applied strictly in file order).
   * Its text is let go at once: only the lines after the acknowledged prefix are ever written
   * again, and up to `compactAfter` applied lines (≈1 KiB each) would otherwise stay in memory.
   */
  acknowledge(): void {
    if (this.acked >= this.lines.length) return;
    this.ackedBytes += Buffer.byteLength(this.lines[this.acked]!, 'utf8') + 1;
    this.lines[this.acked++] = '';
  }

  /** Applied entries still occupying the head of the file. */
  get acknowledged(): number {
    return this.acked;
  }

  /**
   * Reclaims space: empties the file when everything is acknowledged, or rewrites it without
   * the acknowledged prefix once that prefix reaches `compactAfter` lines.
   */
  settle(compactAfter = 1000): Promise<void> {
    return this.serial(async () => {
      if (this.acked === 0) return;
      if (this.acked === this.lines.length) {
        await this.handle.truncate(0);
        await this.handle.sync();
        this.lines = [];
        this.acked = 0;
        this.ackedBytes = 0;
        this.size = 0;
      } else if (this.acked >= compactAfter) {
        await this.compactNow();
      }
    });
  }

  /** Keeps a write that the database keeps refusing, with the reason, for an operator to inspect. */
  deadLetter(entry: OutboxEntry, error: Error): Promise<void> {
    return this.appendDead([{ entry, error: error.message, at: new Date().toISOString() }]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain.catch(() => undefined);
    await this.handle.close();
    await releaseLock(join(this.dir, LOCK_FILE));
  }

  private appendDead(records: readonly unknown[]): Promise<void> {
    return this.serial(async () => {
      const fh = await this.io.open(join(this.dir, DEAD_LETTER_FILE), 'a', 0o600);
      try {
        await writeAll(fh, Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n', 'utf8'));
        await fh.sync();
      } finally {
        await fh.close();
      }
    });
  }

  private rewrite(lines: string[]): Promise<void> {
    return this.serial(() => this.rewriteNow(lines));
  }

  /**
   * The file without its acknowledged head. The rest is copied from the file as bytes: encoding
   * thousands of pending lines again (a burst of hangups behind a busy database) held the event
   * loop ~50 ms. Lines acknowledged while the copy runs stay acknowledged.
   */
  private async compactNow(): Promise<void> {
    const cut = this.acked;
    // The acknowledged lines' text is gone (acknowledge): their length was counted then.
    const head = this.ackedBytes;
    // Only complete lines: a failed append's partial bytes past `size` are left behind.
    const tail = Buffer.allocUnsafe(this.size - head);
    for (let read = 0; read < tail.length; ) {
      const { bytesRead } = await this.handle.read(tail, read, tail.length - read, head + read);
      if (bytesRead === 0) throw new Error('the outbox file is shorter than the lines written to it');
      read += bytesRead;
    }
    // The file holds exactly the lines, each ended by a newline. If not, it is left as it is (valid,
    // only longer): the acknowledged lines' text is gone, so it cannot be rebuilt from memory.
    if (tail.length > 0 && tail[tail.length - 1] !== 0x0a) return;
    await this.rewriteNow(this.lines.slice(cut), cut, head, tail);
  }

  // Write-new-then-rename so a crash leaves either the old or the new file, never a half-written one.
  private async rewriteNow(lines: string[], dropped = 0, droppedBytes = 0, bytes?: Buffer): Promise<void> {
    const tmp = join(this.dir, `${OUTBOX_FILE}.${randomUUID()}.tmp`);
    const fh = await this.io.open(tmp, 'w', 0o600);
    const content = bytes ?? (lines.length > 0 ? Buffer.from(lines.join('\n') + '\n', 'utf8') : Buffer.alloc(0));
    try {
      if (content.length > 0) await writeAll(fh, content);
      await fh.sync();
    } catch (err) {
      await fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await fh.close();
    await rename(tmp, this.path);
    await syncDir(this.dir);
    await this.handle.close();
    this.handle = await this.io.open(this.path, constants.O_RDWR | constants.O_APPEND, 0o600);
    this.lines = lines;
    this.acked = Math.max(0, this.acked - dropped);
    this.ackedBytes = Math.max(0, this.ackedBytes - droppedBytes);
    this.needsCut = false;
    this.size = content.length;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('outbox is closed'));
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

/** A journal line as the entry it holds; undefined for a line that is not one (torn, corrupt). */
export function parseEntry(line: string): OutboxEntry | undefined {
  try {
    const value = JSON.parse(line) as Partial<OutboxEntry>;
    if (typeof value.id === 'string' && typeof value.enqueuedAt === 'string' && value.write && typeof value.write.op === 'string') {
      return value as OutboxEntry;
    }
  } catch {
    // fall through: reported as corrupt by the caller
  }
  return undefined;
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buf.length) {
    const { bytesWritten } = await fh.write(buf, offset, buf.length - offset);
    offset += bytesWritten;
  }
}

// fsync of the directory makes a newly created or renamed file's name itself durable.
async function syncDir(dir: string): Promise<void> {
  const fh = await fsOpen(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The lock's content: pid and a nonce, so a lock is only ever removed by the instance that wrote it. */
const lockNonces = new Map<string, string>();

/**
 * Taken atomically: the content is written and fsync'd to a private temp file first, then
 * hard-linked to the lock name (link fails if the name exists), so no other process can ever
 * see an empty or half-written lock. A lock whose pid is not alive is stale; it is moved
 * aside by rename (only one taker wins), and re-read there: if it turned out to be a live
 * owner's fresh lock, it is put back and we back off.
 */
async function acquireLock(path: string): Promise<void> {
  const nonce = randomUUID();
  const content = `${process.pid} ${nonce}\n`;
  const tmp = `${path}.${nonce}.tmp`;
  const fh = await fsOpen(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(tmp, path);
        heldLocks.add(path);
        lockNonces.set(path, content);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const seen = await readFile(path, 'utf8').catch(() => '');
      if (seen === '') continue; // removed between link and read: try again
      const pid = Number(seen.trim().split(/\s+/)[0]);
      const alive = pid === process.pid ? heldLocks.has(path) : processAlive(pid);
      if (alive) throw new OutboxLockedError(`outbox ${path} is in use by process ${pid}`);
      const aside = `${path}.stale-${nonce}`;
      try {
        await rename(path, aside);
      } catch {
        continue; // another taker moved it first
      }
      const moved = await readFile(aside, 'utf8').catch(() => '');
      if (moved !== seen) {
        // Not the stale lock we judged: a fresh owner's. Put it back if the name is still free.
        await link(aside, path).catch(() => undefined);
        await unlink(aside).catch(() => undefined);
        throw new OutboxLockedError(`outbox ${path} was taken by another process while its stale lock was being removed`);
      }
      await unlink(aside).catch(() => undefined);
    }
    throw new OutboxLockedError(`could not take outbox lock ${path}`);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function releaseLock(path: string): Promise<void> {
  if (!heldLocks.delete(path)) return;
  const mine = lockNonces.get(path);
  lockNonces.delete(path);
  // Only our own lock: never one another instance took after ours was (wrongly) judged stale.
  const seen = await readFile(path, 'utf8').catch(() => '');
  if (seen === mine) await unlink(path).catch(() => undefined);
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
