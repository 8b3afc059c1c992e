// `callwarden purge [--dry-run] [--json]`: deletes recordings past their retention date (the daemon also does this hourly).

import type { CliCommand } from './command';
import { openRepository } from './open-repository';

export const purgeCommand: CliCommand<{ dryRun?: boolean; json?: boolean }> = {
  name: 'purge',
  summary: 'delete recordings past their retention date (the daemon does it hourly)',
  options: [
    { flags: '--dry-run', description: 'list what would be deleted, delete nothing' },
    { flags: '--json', description: 'one JSON object per recording past its date, then a summary object' },
  ],
  exitCodes: { 1: 'a file could not be deleted (named in the output)' },
  async run(config, { options }, out) {
    const { purgeExpiredRecordings } = await import('../store');
    const dryRun = options.dryRun === true;
    const db = await openRepository(config, { mustExist: true });
    try {
      const result = await purgeExpiredRecordings({ repository: db.repository, storageDir: config.recording.directory, dryRun });
      const outcome = (id: string): string => (dryRun ? 'would delete' : result.deleted.includes(id) ? 'deleted' : 'kept');
      if (options.json) {
        for (const rec of result.expired) out(JSON.stringify({ id: rec.id, callId: rec.callId, filePath: rec.filePath, retentionUntil: rec.retentionUntil, outcome: outcome(rec.id) }));
        out(JSON.stringify({ dryRun, expired: result.expired.length, deleted: result.deleted.length, failed: result.failed }));
      } else {
        for (const rec of result.expired) out(`${outcome(rec.id)}  ${rec.filePath}  (call ${rec.callId}, kept until ${rec.retentionUntil})`);
        for (const f of result.failed) out(`could not delete ${f.filePath}: ${f.error}`);
        out(dryRun ? `${result.expired.length} recording(s) past their retention date` : `${result.deleted.length} recording(s) deleted, ${result.failed.length} failed`);
      }
      return result.failed.length > 0 ? 1 : 0;
    } finally {
      await db.close();
    }
  },
};
