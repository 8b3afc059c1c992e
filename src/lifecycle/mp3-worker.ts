// Worker thread: encodes a WAV to mp3 and decodes mp3 files for their check, so neither blocks the daemon's event loop.

import { readFile, rename, writeFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { encodeWavToMp3, measureMp3 } from './mp3-codec';

export type Mp3Job =
  | { readonly op: 'encode'; readonly wavPath: string; readonly mp3Path: string; readonly kbps: { readonly mono: number; readonly stereo: number } }
  | { readonly op: 'measure'; readonly path: string };

async function run(job: Mp3Job): Promise<unknown> {
  if (job.op === 'encode') {
    const { mp3, channels, sampleRate, samples } = encodeWavToMp3(await readFile(job.wavPath), job.kbps);
    // Written beside the target and renamed: a crash never leaves a half mp3 under the final name.
    const part = `${job.mp3Path}.part`;
    await writeFile(part, mp3, { flag: 'w' });
    await rename(part, job.mp3Path);
    return { bytes: mp3.length, channels, sampleRate, samples };
  }
  return measureMp3(await readFile(job.path));
}

parentPort?.on('message', (job: Mp3Job) => {
  run(job).then(
    (result) => parentPort?.postMessage({ ok: true, result }),
    (err: Error) => parentPort?.postMessage({ ok: false, error: `${err.name}: ${err.message}` }),
  );
});
