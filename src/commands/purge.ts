// `callwarden purge [--dry-run] [--json]`: deletes what retention or "do not keep" makes due, unless on legal hold, and prints a table (the daemon also purges on its own).

import type { CallwardenConfig } from '../config';
import type { CliCommand, CommandArgs, Print } from './command';
import { openRepository } from './open-repository';

export interface PurgeOptions {
  dryRun?: boolean;
  json?: boolean;
}

export const purgeCommand: CliCommand<PurgeOptions> = {
  name: 'purge',
  summary: 'delete recordings past their group\'s retention or mailed under "do not keep", unless on legal hold',
  options: [
    { flags: '--dry-run', description: 'list what would be deleted, delete nothing' },
    { flags: '--json', description: 'one JSON object per recording considered, then a summary object' },
  ],
  exitCodes: { 1: 'a file could not be deleted (named in the output; retried on the next run)' },
  details:
    'Each deletion writes a receipt (the file\'s SHA-256) into the call\'s evidence. The daemon purges on its own every lifecycle.purgeIntervalMs. ' +
    'Never creates a database: says which file it looked for when there is none.',
  run: (config, args, out) => purge(config, args, out),
};

/** `now` is the test's clock. */
export async function purge(config: CallwardenConfig, { options }: CommandArgs<PurgeOptions>, out: Print, now: () => Date = () => new Date()): Promise<number> {
  const { purgeTable, runPurge } = await import('../lifecycle/purge');
  const dryRun = options.dryRun === true;
  const db = await openRepository(config, { mustExist: true });
  try {
    const lines = await runPurge({ repository: db.repository, storageDir: config.recording.directory, now: now(), dryRun, defaultRetentionDays: config.recording.retentionDays });
    const count = (o: string) => lines.filter((l) => l.outcome === o).length;
    if (options.json) {
      for (const l of lines) out(JSON.stringify(l));
      out(JSON.stringify({ dryRun, deleted: count('deleted'), wouldDelete: count('would delete'), held: count('held'), failed: count('failed') }));
    } else {
      for (const line of purgeTable(lines)) out(line);
      out(
        dryRun
          ? `${count('would delete')} recording(s) would be deleted, ${count('held')} on legal hold`
          : `${count('deleted')} recording(s) deleted (receipts in their evidence), ${count('held')} on legal hold, ${count('failed')} failed (retried on the next run)`,
      );
    }
    return count('failed') > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}
