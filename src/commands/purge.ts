// `callwarden purge [--dry-run]`: deletes what retention or "do not keep" makes due, unless on legal hold, and prints a table (the daemon also purges on its own).

import type { CallwardenConfig } from '../config';
import { purgeTable, runPurge } from '../lifecycle/purge';
import { UsageError } from './calls';
import { openRepository } from './open-repository';

export async function purgeCommand(config: CallwardenConfig, args: string[], out: (line: string) => void, now: () => Date = () => new Date()): Promise<number> {
  const dryRun = args.includes('--dry-run');
  const unknown = args.filter((a) => a !== '--dry-run');
  if (unknown.length > 0) throw new UsageError(`purge: unknown argument "${unknown[0]}"`);
  const db = await openRepository(config);
  try {
    const lines = await runPurge({ repository: db.repository, storageDir: config.recording.directory, now: now(), dryRun, defaultRetentionDays: config.recording.retentionDays });
    for (const line of purgeTable(lines)) out(line);
    const count = (o: string) => lines.filter((l) => l.outcome === o).length;
    out(
      dryRun
        ? `${count('would delete')} recording(s) would be deleted, ${count('held')} on legal hold`
        : `${count('deleted')} recording(s) deleted (receipts in their evidence), ${count('held')} on legal hold, ${count('failed')} failed (retried on the next run)`,
    );
    return count('failed') > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}
