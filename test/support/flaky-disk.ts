// A file system for the outbox that the test controls: a full disk (half-written then ENOSPC), an fsync held open.

import { open } from 'node:fs/promises';
import { OUTBOX_FILE, type OutboxIo } from '../../src/store/durable-outbox';

export interface Disk {
  /** Every write to the outbox file writes half its bytes, then fails with ENOSPC. */
  full: boolean;
  /** When set, fsync of the outbox file waits for it. */
  holdSync?: Promise<void>;
  onSync?: () => void;
}

/** The real file system, except the outbox file's writes and fsyncs, which the test controls. */
export function diskIo(disk: Disk): OutboxIo {
  const io = async (path: Parameters<typeof open>[0], flags?: Parameters<typeof open>[1], mode?: Parameters<typeof open>[2]) => {
    const fh = await open(path, flags, mode);
    if (!String(path).endsWith(OUTBOX_FILE)) return fh;
    const write = fh.write.bind(fh) as (b: Buffer, o: number, l: number, p?: number | null) => Promise<{ bytesWritten: number }>;
    const sync = fh.sync.bind(fh);
    Object.assign(fh, {
      write: async (buf: Buffer, off: number, len: number, pos?: number | null) => {
        if (!disk.full) return write(buf, off, len, pos);
        await write(buf, off, Math.max(1, Math.floor(len / 2)), pos);
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
      sync: async () => {
        disk.onSync?.();
        if (disk.holdSync) await disk.holdSync;
        return sync();
      },
    });
    return fh;
  };
  return { open: io as typeof open };
}


export interface HeldSyncs {
  /** fsyncs of the outbox file begun so far. */
  count(): number;
  /** Resolves once the n-th fsync has begun. */
  started(n: number): Promise<void>;
  /** Lets the held fsyncs (and any later ones) finish. */
  release(): void;
}

/** From the `from`-th fsync of the outbox file on, each waits until `release()`. */
export function holdSyncsFrom(disk: Disk, from: number): HeldSyncs {
  let count = 0;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const waiting = new Map<number, () => void>();
  disk.onSync = () => {
    count++;
    waiting.get(count)?.();
    disk.holdSync = count >= from ? held : undefined;
  };
  return {
    count: () => count,
    started: (n) => (n <= count ? Promise.resolve() : new Promise((resolve) => waiting.set(n, resolve))),
    release,
  };
}
