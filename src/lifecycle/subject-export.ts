// Data-subject access (GDPR Art. 15): every call, recording file, evidence row and access-log entry about one phone number, copied out with a manifest.

import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { normalisePhoneNumber, safeFileWord } from '../policies';
import type { CallRecord, StoreRepository } from '../store';

export interface SubjectExportResult {
  readonly number: string;
  readonly calls: number;
  readonly files: number;
  readonly missingFiles: number;
  readonly manifestPath: string;
}

export class SubjectInputError extends Error {
  override readonly name = 'SubjectInputError' as const;
}

type Row = Record<string, unknown>;

/** Calls where the number is the caller or the destination, compared normalised as legal holds are. */
export async function callsAboutNumber(repo: StoreRepository, number: string): Promise<CallRecord[]> {
  const wanted = normalisePhoneNumber(number);
  if (wanted === undefined) throw new SubjectInputError(`"${number}" is not a phone number`);
  // Narrow in SQL by the last digits (any spelling of the number ends with them), decide in code.
  const tail = `%${wanted.replace(/\D/g, '').slice(-6)}%`;
  const rows = (await repo
    .knex(repo.tables.calls)
    .where('caller', 'like', tail)
    .orWhere('destination', 'like', tail)
    .orderBy([{ column: 'started_at' }, { column: 'call_id' }])
    .select('call_id')) as Row[];
  const out: CallRecord[] = [];
  for (const r of rows) {
    const call = await repo.getCall(String(r.call_id));
    if (!call) continue;
    if ([call.caller, call.destination].some((n) => n !== null && normalisePhoneNumber(n) === wanted)) out.push(call);
  }
  return out;
}

/**
 * Writes <out>/manifest.json, one <call>.json per call (call row, recordings, evidence and
 * whether its chain verifies) and the recording files under recordings/, each listed with
 * its SHA-256 as copied; a file the row names but the disk no longer has is listed as missing.
 */
export async function exportSubject(repo: StoreRepository, number: string, storageDir: string, outDir: string, now: Date): Promise<SubjectExportResult> {
  const normalised = normalisePhoneNumber(number);
  if (normalised === undefined) throw new SubjectInputError(`"${number}" is not a phone number`);
  const calls = await callsAboutNumber(repo, number);
  await mkdir(join(outDir, 'recordings'), { recursive: true });
  const root = resolve(storageDir);
  const manifest: Row[] = [];
  let files = 0;
  let missing = 0;
  for (const call of calls) {
    const recordings = await repo.listRecordings(call.callId);
    const evidence = await repo.listEvidence(call.callId);
    const verification = await repo.verifyEvidence(call.callId);
    // Who viewed, listened to, downloaded or exported this call (the sealed access log).
    const accessLog = await repo.accessLog.list({ since: new Date(0), callId: call.callId });
    const fileEntries: Row[] = [];
    for (const rec of recordings) {
      if (rec.status === 'deleted') {
        fileEntries.push({ recording: rec.id, status: 'deleted', deletedAt: rec.deletedAt, rule: rec.deleteRule });
        continue;
      }
      const src = resolve(root, rec.filePath);
      const rel = relative(root, src);
      if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
        fileEntries.push({ recording: rec.id, status: 'not exported: outside the storage directory' });
        continue;
      }
      const name = `${safeFileWord(call.callId)}-${safeFileWord(rec.id.split('/').pop() ?? rec.id)}`;
      try {
        await copyFile(src, join(outDir, 'recordings', name));
        const sha256 = createHash('sha256').update(await readFile(join(outDir, 'recordings', name))).digest('hex');
        fileEntries.push({ recording: rec.id, file: `recordings/${name}`, sha256, matchesRecorded: sha256 === rec.sha256 });
        files += 1;
      } catch (err) {
        fileEntries.push({ recording: rec.id, status: `missing (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
        missing += 1;
      }
    }
    const callFile = `${safeFileWord(call.callId)}.json`;
    await writeFile(join(outDir, callFile), JSON.stringify({ call, recordings, evidence, evidenceVerifies: verification.ok, accessLog }, null, 2));
    manifest.push({ callId: call.callId, startedAt: call.startedAt, details: callFile, evidenceRows: evidence.length, evidenceVerifies: verification.ok, accessLogEntries: accessLog.length, files: fileEntries });
  }
  const manifestPath = join(outDir, 'manifest.json');
  await writeFile(
    manifestPath,
    JSON.stringify(
      {
        subject: normalised,
        exportedAt: now.toISOString(),
        accessLog: "each call's file lists the access-log entries about it (who viewed, listened to, downloaded or exported it, when, from where)",
        calls: manifest,
      },
      null,
      2,
    ),
  );
  return { number: normalised, calls: calls.length, files, missingFiles: missing, manifestPath };
}
