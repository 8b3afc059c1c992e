// `callwarden purge [--dry-run]`: deletes recordings past their retention date (the daemon also does this hourly).

import type { CallwardenConfig } from '../config';
import { purgeExpiredRecordings } from '../store';
import { UsageError } from './calls';
import { openRepository } from './open-repository';

export async function purgeCommand(config: CallwardenConfig, args: string[], out: (line: string) => void): Promise<number> {
  const dryRun = args.includes('--dry-run');
  const unknown = args.filter((a) => a !== '--dry-run');
  if (unknown.length > 0) throw new UsageError(`purge: unknown argument "${unknown[0]}"`);
  const db = await openRepository(config);
  try {
    const result = await purgeExpiredRecordings({ repository: db.repository, storageDir: config.recording.directory, dryRun });
    for (const rec of result.expired) {
      out(`${dryRun ? 'would delete' : result.deleted.includes(rec.id) ? 'deleted' : 'kept'}  ${rec.filePath}  (call ${rec.callId}, kept until ${rec.retentionUntil})`);
    }
    for (const f of result.failed) out(`could not delete ${f.filePath}: ${f.error}`);
    out(dryRun ? `${result.expired.length} recording(s) past their retention date` : `${result.deleted.length} recording(s) deleted, ${result.failed.length} failed`);
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}
