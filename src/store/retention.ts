// Retention: recordings past their retention date lose their file and are marked `deleted` (the row stays as audit trail).

import { unlink } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { StoreRepository } from './store-repository';
import { RecordingRecord } from './store-types';
import { TimeInput, toIso } from './time';

export interface RetentionOptions {
  repository: StoreRepository;
  /** Recording files live under this directory; relative paths resolve against it and paths outside it are never deleted. */
  storageDir: string;
  now?: TimeInput;
  /** Only list what would be deleted. */
  dryRun?: boolean;
  /** Upper bound per run, so a backlog is worked off in slices (default 500). */
  limit?: number;
  /** File removal, replaceable for tests; ENOENT counts as already removed. */
  removeFile?: (path: string) => Promise<void>;
}

export interface RetentionResult {
  /** Recordings whose retention date has passed (all of them in a dry run). */
  expired: RecordingRecord[];
  /** Ids marked deleted in this run. */
  deleted: string[];
  failed: Array<{ id: string; filePath: string; error: string }>;
}

export async function listExpiredRecordings(repository: StoreRepository, now: TimeInput = new Date(), limit = 500): Promise<RecordingRecord[]> {
  return repository.listExpiredRecordings(now, limit);
}

/** Deletes the files of expired recordings, then marks them deleted; a file that cannot be removed leaves its row untouched. */
export async function purgeExpiredRecordings(options: RetentionOptions): Promise<RetentionResult> {
  const now = toIso(options.now ?? new Date());
  const expired = await options.repository.listExpiredRecordings(now, options.limit ?? 500);
  const result: RetentionResult = { expired, deleted: [], failed: [] };
  if (options.dryRun) return result;
  const root = resolve(options.storageDir);
  const removeFile = options.removeFile ?? ((path: string) => unlink(path));
  for (const rec of expired) {
    const path = resolve(root, rec.filePath);
    const rel = relative(root, path);
    // A row pointing outside the storage folder (bad data or tampering) must not make us delete arbitrary files.
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      result.failed.push({ id: rec.id, filePath: rec.filePath, error: 'file path is outside the storage directory' });
      continue;
    }
    try {
      await removeFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        result.failed.push({ id: rec.id, filePath: rec.filePath, error: (err as Error).message });
        continue;
      }
    }
    await options.repository.updateRecording(rec.id, { status: 'deleted' });
    result.deleted.push(rec.id);
  }
  return result;
}
