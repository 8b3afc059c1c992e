// `callwarden storage [--json]`: space used and needed by recordings, KB per minute, days left on the volume.

import type { CallwardenConfig } from '../config';
import { probeDisk } from '../lifecycle/disk-probe';
import { storageReport, storageReportLines } from '../lifecycle/storage-report';
import { UsageError } from './calls';
import { openRepository } from './open-repository';

export async function storageCommand(config: CallwardenConfig, args: string[], out: (line: string) => void, now: () => Date = () => new Date()): Promise<number> {
  const unknown = args.filter((a) => a !== '--json');
  if (unknown.length > 0) throw new UsageError(`storage: unknown argument "${unknown[0]}"`);
  const db = await openRepository(config);
  try {
    const disk = await probeDisk(config.recording.directory).catch(() => null);
    const report = await storageReport(db.repository, config.recording, disk, now());
    if (args.includes('--json')) out(JSON.stringify(report));
    else for (const line of storageReportLines(report)) out(line);
    return 0;
  } finally {
    await db.close();
  }
}
