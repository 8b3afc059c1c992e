// The SHA-256 of a recording file, computed on a worker thread (file-hash-worker.ts).
//
// A thousand calls hanging up at once finish a thousand files: hashed on the event loop, in
// 64 KiB chunks read by libuv's thread pool, that was ~1.3 GB of fresh buffers and of hashing
// on the daemon's thread (the load bench's burst: its longest stalls and most of its 5.4 s).
// One worker reads each file into one reused buffer and hashes it; the event loop only posts
// the path and takes the answer.

import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FileHashAnswer, FileHashJob } from './file-hash-worker';

interface Waiting {
  resolve(sha256: string): void;
  reject(err: Error): void;
}

/** How long an idle worker is kept for the next file before it is ended (a call ends every few seconds under load). */
const IDLE_MS = 10_000;

/**
 * One worker thread, started on first use and ended when idle; files are hashed one at a time
 * in the order asked. A worker that fails or exits rejects what it had and the next file gets
 * a new one.
 */
export class FileHasher {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private lastId = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly workerPath: string = join(__dirname, 'file-hash-worker.js')) {}

  /** Rejects like a read of the file would (the error's message and code, e.g. ENOENT, EACCES). */
  sha256(path: string): Promise<string> {
    const worker = this.running();
    const id = ++this.lastId;
    return new Promise<string>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, path } satisfies FileHashJob);
    });
  }

  /** Ends the worker now (rejecting anything still waiting). */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.drop(worker, new Error('the file hasher was closed'));
    await worker.terminate();
  }

  private running(): Worker {
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    if (this.worker) {
      this.worker.ref();
      return this.worker;
    }
    const worker = new Worker(this.workerPath);
    worker.on('message', (answer: FileHashAnswer) => this.answer(answer));
    worker.on('error', (err) => this.drop(worker, err));
    worker.on('exit', (code) => this.drop(worker, new Error(`the file hash worker exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  private answer(answer: FileHashAnswer): void {
    const waiting = this.waiting.get(answer.id);
    if (!waiting) return;
    this.waiting.delete(answer.id);
    if ('sha256' in answer) waiting.resolve(answer.sha256);
    else waiting.reject(Object.assign(new Error(answer.error.message), answer.error.code !== undefined ? { code: answer.error.code } : {}));
    if (this.waiting.size === 0) this.idle();
  }

  /** Nothing waits: the worker no longer keeps the process alive, and ends if nothing comes for a while. */
  private idle(): void {
    const worker = this.worker;
    if (!worker) return;
    worker.unref();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.worker !== worker || this.waiting.size > 0) return;
      this.worker = undefined;
      void worker.terminate();
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  private drop(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiting) w.reject(err);
  }
}

/** Shared by every recording file check of the process. */
export const fileHasher = new FileHasher();
