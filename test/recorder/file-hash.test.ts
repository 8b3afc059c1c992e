// Recording files are hashed on a worker thread: the right SHA-256, a read's errors, a worker that dies, and no hashing on the event loop.

import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync, ftruncateSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileHasher } from '../../src/recorder/file-hash';
import { HASH_THREAD_NICE } from '../../src/recorder/file-hash-worker';

const dir = mkdtempSync(join(tmpdir(), 'callwarden-hash-'));

function file(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** A file of `bytes` zeros that takes no disk (a hole), like the load bench's recordings. */
function sparse(name: string, bytes: number): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
  return path;
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The nice value of each of this process's threads (Linux: field 19 of /proc/self/task/<tid>/stat). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'latin1').split(') ')[1]!.split(' ')[16]));
}

/** CPU time the process's main thread (the event loop's) has run, in ms (Linux: schedstat). */
function mainThreadCpuMs(): number {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'latin1').split(' ')[0]) / 1e6;
}

describe('recorder: file hashing on a worker thread', function () {
  this.timeout(60_000);
  const hasher = new FileHasher();
  after(() => hasher.close());

  it('gives each file its SHA-256, many asked at once (empty, one byte, across the read buffer)', async () => {
    const paths = [
      file('empty', Buffer.alloc(0)),
      file('one', Buffer.from('x')),
      file('mib-plus', Buffer.alloc((1 << 20) + 7, 3)),
      ...Array.from({ length: 20 }, (_, i) => file(`f${i}`, Buffer.from(`file ${i} `.repeat(1000 * (i + 1))))),
    ];
    const got = await Promise.all(paths.map((p) => hasher.sha256(p)));
    expect(got).to.deep.equal(paths.map(sha256));
  });

  it('rejects as a read of the file would: the message and code of the error', async () => {
    const missing = join(dir, 'nope.wav');
    const err = (await hasher.sha256(missing).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    )) as NodeJS.ErrnoException;
    expect(err.code).to.equal('ENOENT');
    expect(err.message).to.equal(`ENOENT: no such file or directory, open '${missing}'`);
    // The worker goes on with the next file.
    const ok = file('after-error', Buffer.from('still here'));
    expect(await hasher.sha256(ok)).to.equal(sha256(ok));
  });

  it('a worker that dies rejects what it had, and the next file gets a new one', async () => {
    const dying = join(dir, 'dying-worker.js');
    // Exits on the first job; a flag file makes the second worker a real one.
    const flag = join(dir, 'died-once');
    writeFileSync(
      dying,
      `const { parentPort } = require('node:worker_threads'); const fs = require('node:fs');
       if (!fs.existsSync(${JSON.stringify(flag)})) parentPort.on('message', () => { fs.writeFileSync(${JSON.stringify(flag)}, ''); process.exit(3); });
       else require(${JSON.stringify(join(__dirname, '../../src/recorder/file-hash-worker.js'))});`,
    );
    const h = new FileHasher(dying);
    const path = file('victim', Buffer.from('abc'));
    const err = await h.sha256(path).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/exited \(3\)/);
    expect(existsSync(flag)).to.equal(true);
    expect(await h.sha256(path)).to.equal(sha256(path));
    await h.close();
  });

  it('the event loop does not hash: 256 MiB cost its thread almost no CPU', async function () {
    if (process.platform !== 'linux') this.skip();
    const path = sparse('big.wav', 256 << 20);
    await hasher.sha256(file('warm', Buffer.from('w'))); // the worker's start-up is not the point
    const before = mainThreadCpuMs();
    const digest = await hasher.sha256(path);
    const spent = mainThreadCpuMs() - before;
    expect(digest).to.equal(createHash('sha256').update(Buffer.alloc(256 << 20)).digest('hex'));
    // Hashed here, 256 MiB cost this machine's main thread ≥ 150 ms (SHA-256 at under 2 GB/s, plus the reads).
    expect(spent, `main-thread CPU while hashing: ${spent.toFixed(1)} ms`).to.be.below(40);
  });

  it('the hashing thread runs at a lower priority than the event loop (it waits for a free core)', async function () {
    if (process.platform !== 'linux') this.skip();
    const fresh = new FileHasher();
    try {
      const before = threadNices().filter((n) => n === HASH_THREAD_NICE).length;
      await fresh.sha256(file('nice', Buffer.from('n')));
      expect(threadNices().filter((n) => n === HASH_THREAD_NICE).length).to.equal(before + 1);
      // The event loop's own thread keeps its priority.
      expect(Number(readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1').split(') ')[1]!.split(' ')[16])).to.equal(0);
    } finally {
      await fresh.close();
    }
  });
});
