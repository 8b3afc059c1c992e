// Append-only, fsync'ed JSON-lines journal of queued writes on local disk: what the database has not confirmed survives a crash.

import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { FileHandle, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreWrite } from './store-write';

export interface OutboxEntry {
  /** Unique per write; doubles as the idempotency key when the entry is replayed. */
  id: string;
  enqueuedAt: string;
  write: StoreWrite;
}

export interface OutboxRecovery {
  outbox: DurableOutbox;
  /** Entries a previous run journaled but did not see confirmed, oldest first. */
  recovered: OutboxEntry[];
  /** Lines that could not be parsed (a torn final write is expected after a crash; others go to the dead-letter file). */
  discarded: number;
}

export class OutboxLockedError extends Error {
  override name = 'OutboxLockedError' as const;
}

export const OUTBOX_FILE = 'outbox.jsonl';
export const DEAD_LETTER_FILE = 'outbox.dead.jsonl';
const LOCK_FILE = 'outbox.lock';

// Lock files held by this process; a lock naming our own pid but absent here was left by an instance that never closed.
const heldLocks = new Set<string>();

export class DurableOutbox {
  /** Raw lines currently in the file, oldest first; the first `acked` of them are applied and await truncation. */
  private lines: string[];
  private acked = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly dir: string,
    private handle: FileHandle,
    lines: string[],
  ) {
    this.lines = lines;
  }

  get path(): string {
    return join(this.dir, OUTBOX_FILE);
  }

  /** Opens (creating if needed) the outbox in `dir`, takes its lock and reads what a previous run left. */
  static async open(dir: string): Promise<OutboxRecovery> {
    await mkdir(dir, { recursive: true });
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
      const recovered: OutboxEntry[] = [];
      const lines: string[] = [];
      const corrupt: string[] = [];
      const parts = text.split('\n');
      // Text after the last newline is a write torn by a crash; it was never reported durable, so it is dropped.
      const torn = parts.pop() ?? '';
      for (const line of parts) {
        if (line.trim() === '') continue;
        const entry = parseEntry(line);
        if (entry) {
          recovered.push(entry);
          lines.push(line);
        } else corrupt.push(line);
      }
      const handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o600);
      await syncDir(dir);
      const outbox = new DurableOutbox(dir, handle, lines);
      if (corrupt.length > 0) {
        await outbox.appendDead(corrupt.map((line) => ({ line, error: 'unparseable outbox line', at: new Date().toISOString() })));
      }
      // Rewrite so the torn tail and corrupt lines are gone before anything is appended after them.
      if (torn !== '' || corrupt.length > 0) await outbox.rewrite(lines);
      return { outbox, recovered, discarded: corrupt.length + (torn !== '' ? 1 : 0) };
    } catch (err) {
      await releaseLock(lockPath);
      throw err;
    }
  }

  /** Journals the entries with one write and one fsync (group commit). */
  append(entries: readonly OutboxEntry[]): Promise<void> {
    return this.serial(async () => {
      if (entries.length === 0) return;
      const lines = entries.map((e) => JSON.stringify(e));
      await writeAll(this.handle, Buffer.from(lines.join('\n') + '\n', 'utf8'));
      await this.handle.sync();
      this.lines.push(...lines);
    });
  }

  /** Marks the oldest journaled entry as applied (entries are applied strictly in file order). */
  acknowledge(): void {
    if (this.acked < this.lines.length) this.acked++;
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
      } else if (this.acked >= compactAfter) {
        await this.rewriteNow(this.lines.slice(this.acked));
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
      const fh = await open(join(this.dir, DEAD_LETTER_FILE), 'a', 0o600);
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

  // Write-new-then-rename so a crash leaves either the old or the new file, never a half-written one.
  private async rewriteNow(lines: string[]): Promise<void> {
    const tmp = join(this.dir, `${OUTBOX_FILE}.${randomUUID()}.tmp`);
    const fh = await open(tmp, 'w', 0o600);
    try {
      if (lines.length > 0) await writeAll(fh, Buffer.from(lines.join('\n') + '\n', 'utf8'));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
    await syncDir(this.dir);
    await this.handle.close();
    this.handle = await open(this.path, constants.O_RDWR | constants.O_APPEND, 0o600);
    this.lines = lines;
    this.acked = 0;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('outbox is closed'));
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

function parseEntry(line: string): OutboxEntry | undefined {
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
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function acquireLock(path: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      try {
        await fh.writeFile(String(process.pid));
        await fh.sync();
      } finally {
        await fh.close();
      }
      heldLocks.add(path);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    const alive = pid === process.pid ? heldLocks.has(path) : processAlive(pid);
    if (alive) throw new OutboxLockedError(`outbox ${path} is in use by process ${pid}`);
    await unlink(path).catch(() => undefined); // stale: its owner is gone
  }
  throw new OutboxLockedError(`could not take outbox lock ${path}`);
}

async function releaseLock(path: string): Promise<void> {
  if (!heldLocks.delete(path)) return;
  await unlink(path).catch(() => undefined);
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
