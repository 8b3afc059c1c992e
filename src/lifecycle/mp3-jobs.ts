// Runs mp3 encode / measure jobs in a worker thread, one at a time (the machine's cores serve calls first).

import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Mp3Measure } from './mp3-codec';
import type { Mp3Job } from './mp3-worker';

export interface EncodeResult {
  readonly bytes: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly samples: number;
}

/** Serialises jobs onto one worker thread, started on first use and ended when idle. */
export class Mp3Jobs {
  private tail: Promise<unknown> = Promise.resolve();

  encode(wavPath: string, mp3Path: string, kbps: { mono: number; stereo: number }): Promise<EncodeResult> {
    return this.enqueue({ op: 'encode', wavPath, mp3Path, kbps }) as Promise<EncodeResult>;
  }

  measure(path: string): Promise<Mp3Measure> {
    return this.enqueue({ op: 'measure', path }) as Promise<Mp3Measure>;
  }

  private enqueue(job: Mp3Job): Promise<unknown> {
    const run = this.tail.then(() => runInWorker(job));
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** One worker per job: a crash or a wasm fault in one file cannot poison the next. */
function runInWorker(job: Mp3Job): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'mp3-worker.js'));
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.once('message', (m: { ok: boolean; result?: unknown; error?: string }) =>
      settle(() => (m.ok ? resolve(m.result) : reject(new Error(m.error ?? 'mp3 worker failed')))),
    );
    worker.once('error', (err) => settle(() => reject(err)));
    worker.once('exit', (code) => settle(() => reject(new Error(`mp3 worker exited (${code}) before answering`))));
    worker.postMessage(job);
  });
}

/** Shared by the recorder's checks and the converter. */
export const mp3Jobs = new Mp3Jobs();
