// Worker thread: the SHA-256 of recording files, so hashing a burst of finished calls' files never holds the daemon's event loop.

import { createHash } from 'node:crypto';
import { closeSync, openSync, readlinkSync, readSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';

export interface FileHashJob {
  readonly id: number;
  readonly path: string;
}

export type FileHashAnswer =
  | { readonly id: number; readonly sha256: string }
  | { readonly id: number; readonly error: { readonly message: string; readonly code?: string } };

/** The nice value of the hashing thread: it yields the cores to the event loop (and to FreeSWITCH on the same host). */
export const HASH_THREAD_NICE = 10;

/**
 * Lowers this thread's scheduling priority (Linux: a thread has its own nice value, found by
 * its id in /proc/thread-self). Hashing is background work: in a burst of hangups it ran on
 * one of the two cores beside the event loop and whatever else the machine runs, and the loop
 * then waited for a core. Elsewhere (or without permission) the thread keeps the default.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, HASH_THREAD_NICE);
  } catch {
    // Not Linux, or not allowed: the default priority.
  }
}

if (parentPort) lowerThreadPriority();

/** One buffer for every file: a thousand files of a megabyte each allocate nothing per chunk. */
const chunk = Buffer.allocUnsafe(1 << 20);

export function sha256OfFile(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      hash.update(chunk.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

// Jobs are answered one at a time, in the order they came: the thread does nothing else.
parentPort?.on('message', (job: FileHashJob) => {
  let answer: FileHashAnswer;
  try {
    answer = { id: job.id, sha256: sha256OfFile(job.path) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    answer = { id: job.id, error: { message: e.message, ...(e.code !== undefined ? { code: e.code } : {}) } };
  }
  parentPort?.postMessage(answer);
});
