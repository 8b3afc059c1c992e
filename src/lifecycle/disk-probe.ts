// Asks the operating system how much space the recording volume has (statfs), from the nearest existing directory.

import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export interface DiskSpace {
  /** Bytes an unprivileged writer (FreeSWITCH) can still use. */
  readonly freeBytes: number;
  readonly totalBytes: number;
  /** The directory actually measured (the recording directory, or its nearest existing parent). */
  readonly measured: string;
}

export type DiskProbe = (dir: string) => Promise<DiskSpace>;

export const probeDisk: DiskProbe = async (dir) => {
  let at = resolve(dir);
  for (;;) {
    try {
      const s = await statfs(at);
      return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize, measured: at };
    } catch (err) {
      const parent = dirname(at);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === at) throw err;
      at = parent;
    }
  }
};
