// `callwarden subject export <number> [--out dir]`: everything stored about one phone number, for a data-subject access request.

import type { CallwardenConfig } from '../config';
import { UsageError, type CliCommand, type CommandArgs, type Print } from './command';
import { openRepository } from './open-repository';

const USAGE = 'usage: callwarden subject export <phone-number> [--out <dir>]';

export const subjectCommand: CliCommand<{ out?: string }> = {
  name: 'subject',
  summary: 'export every call, recording and evidence row about a phone number, with a manifest (data-subject request)',
  operands: '<action> <phone-number>',
  options: [{ flags: '--out <dir>', description: 'where the export is written (default: ./subject-export-<time>)' }],
  details: `${USAGE}\nRead-only on the database: never creates one; says which file it looked for when there is none.`,
  run: (config, args, out) => subject(config, args, out),
};

/** `now` is the test's clock. */
export async function subject(config: CallwardenConfig, { operands, options }: CommandArgs<{ out?: string }>, out: Print, now: () => Date = () => new Date()): Promise<number> {
  const { exportSubject, SubjectInputError } = await import('../lifecycle/subject-export');
  const [action, number] = operands;
  if (action !== 'export' || number === undefined || operands.length !== 2) throw new UsageError(USAGE);
  const dir = options.out ?? `./subject-export-${now().toISOString().replace(/[:.]/g, '-')}`;
  const db = await openRepository(config, { readOnly: true });
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
