// `callwarden subject export <number> [--out dir]`: everything stored about one phone number, for a data-subject access request.

import type { CallwardenConfig } from '../config';
import { exportSubject, SubjectInputError } from '../lifecycle/subject-export';
import { UsageError } from './calls';
import { openRepository } from './open-repository';

const USAGE = 'usage: callwarden subject export <phone-number> [--out <dir>]';

export async function subjectCommand(config: CallwardenConfig, args: string[], out: (line: string) => void, now: () => Date = () => new Date()): Promise<number> {
  const [sub, number, ...rest] = args;
  if (sub !== 'export' || number === undefined) throw new UsageError(USAGE);
  let dir = `./subject-export-${now().toISOString().replace(/[:.]/g, '-')}`;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--out' && rest[i + 1] !== undefined) dir = rest[++i]!;
    else throw new UsageError(USAGE);
  }
  const db = await openRepository(config);
  try {
    const r = await exportSubject(db.repository, number, config.recording.directory, dir, now());
    out(`${r.calls} call(s) about ${r.number}: ${r.files} recording file(s) copied${r.missingFiles > 0 ? `, ${r.missingFiles} missing on disk` : ''}; manifest ${r.manifestPath}`);
    return 0;
  } catch (err) {
    if (err instanceof SubjectInputError) throw new UsageError(`subject: ${err.message}`);
    throw err;
  } finally {
    await db.close();
  }
}
