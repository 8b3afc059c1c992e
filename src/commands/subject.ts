// `callwarden subject export <number> [--out dir]` and `subject erase <number> [--dry-run] [--json]`: a data subject's access and erasure requests.

import { userInfo } from 'node:os';
import type { CallwardenConfig } from '../config';
import { UsageError, type CliCommand, type CommandArgs, type Print } from './command';
import { openRepository } from './open-repository';

const USAGE = 'usage: callwarden subject export <phone-number> [--out <dir>] | callwarden subject erase <phone-number> [--dry-run] [--json] [--by <name>]';

export interface SubjectOptions {
  out?: string;
  dryRun?: boolean;
  json?: boolean;
  by?: string;
}

export const subjectCommand: CliCommand<SubjectOptions> = {
  name: 'subject',
  summary: 'a data subject\'s requests about a phone number: export everything (with a manifest), or erase it (files deleted, evidence pseudonymised, chains still verify)',
  operands: '<action> <phone-number>',
  options: [
    { flags: '--out <dir>', description: 'export: where the export is written (default: ./subject-export-<time>)' },
    { flags: '--dry-run', description: 'erase: list what would be erased, change nothing' },
    { flags: '--json', description: 'erase: one JSON object per call, then a summary object' },
    { flags: '--by <name>', description: 'erase: who asks, written into the receipts (default: the login name)' },
  ],
  exitCodes: {
    1: 'erase: a file could not be deleted or a call is still in progress (named in the output; run again)',
    3: 'erase refused: a legal hold on the number, on one of its calls or on the other party\'s number (named); nothing was changed',
  },
  details:
    `${USAGE}\n` +
    'export is read-only on the database. erase deletes each recording file with a receipt (its SHA-256) in the call\'s evidence, replaces every personal value in the ' +
    'evidence by its sealed commitment and a pseudonym (the chain still verifies: `callwarden evidence <call-id>`), replaces the call row\'s numbers, and appends a ' +
    '`personal_data_erased` receipt. Needs evidence.key (the receipts are sealed). Neither creates a database: says which file it looked for when there is none.',
  run: (config, args, out) => subject(config, args, out),
};

function who(by: string | undefined): string {
  if (by !== undefined) return by.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 128);
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** `now` is the test's clock. */
export async function subject(config: CallwardenConfig, { operands, options }: CommandArgs<SubjectOptions>, out: Print, now: () => Date = () => new Date()): Promise<number> {
  const [action, number] = operands;
  if ((action !== 'export' && action !== 'erase') || number === undefined || operands.length !== 2) throw new UsageError(USAGE);
  const { SubjectInputError } = await import('../lifecycle/subject-export');
  try {
    return action === 'export' ? await exportCommand(config, number, options, out, now) : await eraseCommand(config, number, options, out, now);
  } catch (err) {
    if (err instanceof SubjectInputError) throw new UsageError(`subject: ${err.message}`);
    throw err;
  }
}

async function exportCommand(config: CallwardenConfig, number: string, options: SubjectOptions, out: Print, now: () => Date): Promise<number> {
  const { exportSubject } = await import('../lifecycle/subject-export');
  const dir = options.out ?? `./subject-export-${now().toISOString().replace(/[:.]/g, '-')}`;
  const db = await openRepository(config, { readOnly: true });
  try {
    const r = await exportSubject(db.repository, number, config.recording.directory, dir, now());
    out(`${r.calls} call(s) about ${r.number}: ${r.files} recording file(s) copied${r.missingFiles > 0 ? `, ${r.missingFiles} missing on disk` : ''}; manifest ${r.manifestPath}`);
    return 0;
  } finally {
    await db.close();
  }
}

async function eraseCommand(config: CallwardenConfig, number: string, options: SubjectOptions, out: Print, now: () => Date): Promise<number> {
  const { eraseSubject, erasureTable } = await import('../lifecycle/subject-erase');
  const dryRun = options.dryRun === true;
  const db = await openRepository(config, dryRun ? { readOnly: true } : { mustExist: true });
  try {
    // Without a key the receipts would be unsealed rows in sealed chains: a receipt nobody could trust.
    if (!dryRun && db.keys === undefined) throw new Error('subject erase needs the evidence key (evidence.key, CALLWARDEN_EVIDENCE_KEY): its receipts are sealed rows in each call\'s evidence');
    const r = await eraseSubject({ repository: db.repository, storageDir: config.recording.directory, number, by: who(options.by), now: now(), dryRun });
    if (r.status === 'refused') {
      if (options.json) out(JSON.stringify({ number: r.number, refused: true, reason: r.reason, holds: r.holds }));
      else out(`subject erase ${r.number}: ${r.reason}`);
      return 3;
    }
    const count = (o: string) => r.calls.filter((c) => c.outcome === o).length;
    const files = r.calls.flatMap((c) => c.files);
    const fileCount = (...o: string[]) => files.filter((f) => o.includes(f.outcome)).length;
    if (options.json) {
      for (const c of r.calls) out(JSON.stringify(c));
      out(JSON.stringify({ number: r.number, dryRun, pseudonym: r.pseudonym, calls: r.calls.length, erased: count('erased'), wouldErase: count('would erase'), waiting: count('waiting'), failed: count('failed'), filesDeleted: fileCount('deleted', 'gone before'), filesWouldDelete: fileCount('would delete') }));
    } else {
      for (const line of erasureTable(r.calls)) out(line);
      if (r.calls.length === 0) out(`no call about ${r.number} with personal data left: nothing to erase`);
      else if (dryRun) out(`${count('would erase')} call(s) about ${r.number} would be erased, ${fileCount('would delete')} recording file(s) deleted; ${count('waiting')} still in progress; nothing was changed (dry run)`);
      else {
        out(`${count('erased')} call(s) about ${r.number} erased as ${r.pseudonym}: ${fileCount('deleted', 'gone before')} recording file(s) deleted (receipts with SHA-256 in their evidence), evidence pseudonymised, chains still verify`);
        if (count('waiting') + count('failed') > 0) out(`${count('waiting')} call(s) still in progress, ${count('failed')} failed: run again`);
        const legacy = r.calls.reduce((n, c) => n + c.legacyRows, 0);
        if (legacy > 0) out(`warning: ${legacy} evidence row(s) written before sealing still hold personal values (they cannot be erased without breaking their chain)`);
      }
    }
    return count('waiting') + count('failed') > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}
