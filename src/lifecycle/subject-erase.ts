// Data-subject erasure (GDPR Art. 17): a phone number's recording files deleted with receipts, its calls' personal fields pseudonymised so every chain still verifies.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { erasureFileAction, normalisePhoneNumber, subjectErasureVerdict, type MatchingHold } from '../policies';
import type { CallRecord, StoreRepository } from '../store';
import { holdsFor } from './legal-holds';
import { callsAboutNumber, SubjectInputError } from './subject-export';

export interface SubjectEraseOptions {
  readonly repository: StoreRepository;
  /** Recording files live under this directory; a row pointing elsewhere is never deleted. */
  readonly storageDir: string;
  readonly number: string;
  /** Who asked (login name or user), written into every receipt. */
  readonly by: string;
  readonly now: Date;
  readonly dryRun?: boolean;
  readonly removeFile?: (path: string) => Promise<void>;
}

export type ErasureFileOutcome = 'deleted' | 'would delete' | 'already deleted' | 'gone before' | 'missing on disk' | 'not ours' | 'failed';

export interface ErasureFileLine {
  readonly recording: string;
  readonly outcome: ErasureFileOutcome;
  /** SHA-256 of the bytes deleted (null when nothing was there to hash). */
  readonly sha256: string | null;
  readonly detail?: string;
}

export type ErasureCallOutcome = 'erased' | 'would erase' | 'waiting' | 'failed';

export interface ErasureCallLine {
  readonly callId: string;
  readonly startedAt: string | null;
  readonly outcome: ErasureCallOutcome;
  readonly files: readonly ErasureFileLine[];
  /** Evidence rows and values pseudonymised (0 in a dry run). */
  readonly evidenceRows: number;
  readonly values: number;
  /** Rows written before sealing that still hold personal values (cannot be erased without breaking the chain). */
  readonly legacyRows: number;
  /** Seq of the `personal_data_erased` receipt row. */
  readonly receiptSeq: number | null;
  readonly detail?: string;
}

export type SubjectEraseResult =
  | { readonly status: 'refused'; readonly number: string; readonly reason: string; readonly holds: readonly MatchingHold[] }
  | { readonly status: 'done'; readonly number: string; readonly dryRun: boolean; readonly pseudonym: string | null; readonly calls: readonly ErasureCallLine[] };

const RULE = 'data-subject erasure (GDPR Art. 17)';

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function partyNumbers(calls: readonly CallRecord[], subject: string): string[] {
  const all = new Set([subject]);
  for (const c of calls) for (const n of [c.caller, c.destination]) if (n !== null) {
    const v = normalisePhoneNumber(n);
    if (v !== undefined) all.add(v);
  }
  return [...all];
}

/**
 * Holds are checked before anything is touched (on the subject's number, the calls and the
 * other parties' numbers): one hold refuses everything. Per call, the files go first, each
 * hashed right before it is unlinked and given a `recording_deleted` receipt; only when every
 * file of the call is gone is the call pseudonymised (evidence values replaced by their
 * commitments, salts destroyed, call row's numbers replaced, `personal_data_erased` receipt).
 * A call whose file could not be deleted keeps its number, so the next run finds it again.
 * The pseudonym is random (a hash of a phone number could be reversed by trying them all),
 * one per request, so an auditor sees which calls one request erased.
 */
export async function eraseSubject(options: SubjectEraseOptions): Promise<SubjectEraseResult> {
  const repo = options.repository;
  const number = normalisePhoneNumber(options.number);
  if (number === undefined) throw new SubjectInputError(`"${options.number}" is not a phone number`);
  const calls = await callsAboutNumber(repo, options.number);
  const holds = await holdsFor(repo, calls.map((c) => c.callId), partyNumbers(calls, number));
  const facts = [];
  const recordingsOf = new Map<string, Awaited<ReturnType<StoreRepository['listRecordings']>>>();
  for (const c of calls) {
    const recs = await repo.listRecordings(c.callId);
    recordingsOf.set(c.callId, recs);
    facts.push({ callId: c.callId, ended: c.endedAt !== null || c.endReason !== null, recordingStatuses: recs.map((r) => r.status) });
  }
  const verdict = subjectErasureVerdict(holds, facts);
  if (verdict.action === 'refuse') return { status: 'refused', number, reason: verdict.reason, holds: verdict.holds };

  const dryRun = options.dryRun === true;
  const pseudonym = dryRun || calls.length === 0 ? null : `subject-${randomBytes(6).toString('hex')}`;
  const root = resolve(options.storageDir);
  const removeFile = options.removeFile ?? ((p: string) => unlink(p));
  const nowIso = options.now.toISOString();
  const waiting = new Map(verdict.wait.map((w) => [w.callId, w.reason]));
  const lines: ErasureCallLine[] = [];
  for (const call of calls) {
    const base = { callId: call.callId, startedAt: call.startedAt, evidenceRows: 0, values: 0, legacyRows: 0, receiptSeq: null };
    const recs = recordingsOf.get(call.callId) ?? [];
    const wait = waiting.get(call.callId);
    if (wait !== undefined) {
      lines.push({ ...base, outcome: 'waiting', files: [], detail: `${wait}: run again after it ended` });
      continue;
    }
    const files: ErasureFileLine[] = [];
    for (const rec of recs) {
      const action = erasureFileAction(rec.status);
      if (action === 'already deleted') {
        files.push({ recording: rec.id, outcome: 'already deleted', sha256: null, detail: rec.deleteRule ?? undefined });
        continue;
      }
      if (action === 'not ours') {
        files.push({ recording: rec.id, outcome: 'not ours', sha256: null, detail: 'not started by callwarden: left alone' });
        continue;
      }
      const path = resolve(root, rec.filePath);
      const rel = relative(root, path);
      // A row pointing outside the storage folder (bad data or tampering) must not make us delete arbitrary files.
      if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
        files.push({ recording: rec.id, outcome: 'failed', sha256: null, detail: 'the file path is outside the storage directory' });
        continue;
      }
      if (dryRun) {
        files.push({ recording: rec.id, outcome: existsSync(path) ? 'would delete' : 'missing on disk', sha256: null });
        continue;
      }
      try {
        let sha256: string | null = null;
        let alreadyGone = false;
        try {
          sha256 = await sha256OfFile(path);
          await removeFile(path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          alreadyGone = true;
        }
        await repo.appendEvidence(rec.callId, 'recording_deleted', {
          recording: rec.id,
          path: rec.filePath,
          rule: RULE,
          by: options.by,
          deletedAt: nowIso,
          sha256,
          recordedSha256: rec.sha256,
          ...(alreadyGone ? { fileAlreadyGone: true } : {}),
        });
        await repo.updateRecording(rec.id, { status: 'deleted', deletedAt: nowIso, deleteRule: RULE, deleteError: null });
        files.push({ recording: rec.id, outcome: alreadyGone ? 'gone before' : 'deleted', sha256 });
      } catch (err) {
        const message = (err as Error).message;
        await repo.updateRecording(rec.id, { deleteError: message.slice(0, 1000), deleteAttempts: rec.deleteAttempts + 1 }).catch(() => undefined);
        files.push({ recording: rec.id, outcome: 'failed', sha256: null, detail: message });
      }
    }
    if (dryRun) {
      lines.push({ ...base, outcome: 'would erase', files });
      continue;
    }
    if (files.some((f) => f.outcome === 'failed')) {
      lines.push({ ...base, outcome: 'failed', files, detail: 'a file could not be deleted: personal fields kept so the next run finds this call again' });
      continue;
    }
    // The file is gone: a queued mail for it can never be sent, and must not be retried.
    await repo
      .knex(repo.tables.mailQueue)
      .where({ call_id: call.callId, status: 'pending' })
      .update({ status: 'failed', last_error: `recording erased: ${RULE}`, updated_at: nowIso });
    const r = await repo.pseudonymiseCall(call.callId, { pseudonym: pseudonym!, reason: RULE, by: options.by });
    lines.push({ ...base, outcome: 'erased', files, evidenceRows: r.rows, values: r.values, legacyRows: r.legacy, receiptSeq: r.receiptSeq });
  }
  return { status: 'done', number, dryRun, pseudonym, calls: lines };
}

/** Renders an erasure as a fixed-width table for the CLI: one line per recording file (or per call without one). */
export function erasureTable(calls: readonly ErasureCallLine[]): string[] {
  if (calls.length === 0) return [];
  const head = ['CALL', 'OUTCOME', 'EVIDENCE', 'RECORDING', 'FILE', 'SHA-256 / DETAIL'];
  const rows: string[][] = [];
  for (const c of calls) {
    const evidence = c.outcome === 'erased' ? `${c.values} value(s) in ${c.evidenceRows} row(s)` : '-';
    const callCells = [c.callId, c.outcome, evidence];
    if (c.files.length === 0) rows.push([...callCells, '-', '-', c.detail ?? '']);
    for (const f of c.files) rows.push([...callCells, f.recording, f.outcome, f.sha256 ?? f.detail ?? c.detail ?? '']);
  }
  const widths = head.slice(0, -1).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => r.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c)).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}
