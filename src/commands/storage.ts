// `callwarden storage [--json]`: space used and needed by recordings, KB per minute, days left on the volume.

import type { CallwardenConfig } from '../config';
import type { CliCommand, CommandArgs, Print } from './command';
import { openRepository } from './open-repository';

export const storageCommand: CliCommand<{ json?: boolean }> = {
  name: 'storage',
  summary: 'space used and needed by recordings, KB per minute, days left on the volume',
  options: [{ flags: '--json', description: 'the report as one JSON object' }],
  details: 'Read-only: never creates a database; says which file it looked for when there is none.',
  run: (config, args, out) => storage(config, args, out),
};

/** `now` is the test's clock. */
export async function storage(config: CallwardenConfig, { options }: CommandArgs<{ json?: boolean }>, out: Print, now: () => Date = () => new Date()): Promise<number> {
  const { probeDisk } = await import('../lifecycle/disk-probe');
  const { storageReport, storageReportLines } = await import('../lifecycle/storage-report');
  const db = await openRepository(config, { readOnly: true });
  try {
    const disk = await probeDisk(config.recording.directory).catch(() => null);
    const report = await storageReport(db.repository, config.recording, disk, now());
    if (options.json) out(JSON.stringify(report));
    else for (const line of storageReportLines(report)) out(line);
    return 0;
  } finally {
    await db.close();
  }
}
