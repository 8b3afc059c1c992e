// Owner-only files for what holds phone numbers and evidence (issue 8.7): data/ 0700, database, its -wal/-shm, outbox and anchor files 0600.

import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Creates `dir` owner-only. An existing directory is tightened only when it is callwarden's
 * own `data` directory (the default layout): a directory the operator chose may be shared on
 * purpose, so it is left as it is.
 */
export function ensurePrivateDir(dir: string): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700); // the umask may have cut the mode mkdir was given
    return;
  }
  if (basename(dir) !== 'data') return;
  try {
    const st = statSync(dir);
    if (st.uid === process.getuid?.() && (st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  } catch {
    // not ours to change
  }
}

/**
 * Creates the file owner-only before anything opens it (SQLite creates -wal and -shm with the
 * database file's mode), and tightens an existing one and its -wal/-shm.
 */
export function ensurePrivateFile(path: string, companions: readonly string[] = []): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const p of [path, ...companions.map((c) => `${path}${c}`)]) {
    try {
      if (existsSync(p) && (statSync(p).mode & 0o077) !== 0) chmodSync(p, 0o600);
    } catch {
      // not ours to change
    }
  }
}

export const SQLITE_COMPANIONS = ['-wal', '-shm', '-journal'] as const;
