// The purge: deletes recordings whose retention ended or that were mailed under "do not keep", unless a legal hold blocks it; a receipt for each.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { normalisePhoneNumber, retentionVerdict, type RetentionVerdict } from '../policies';
import type { RecordingRecord, StoreRepository } from '../store';
import { holdsFor } from './legal-holds';

export interface PurgeOptions {
  readonly repository: StoreRepository;
  /** Recording files live under this directory; a row pointing elsewhere is never deleted. */
  readonly storageDir: string;
  /** The purge's clock (tests set it). */
  readonly now: Date;
  readonly dryRun?: boolean;
  /** Upper bound per run (default 500): a backlog is worked off in slices. */
  readonly limit?: number;
  readonly removeFile?: (path: string) => Promise<void>;
  /** Only these recordings (the mailer's "do not keep" after one delivery). */
  readonly ids?: readonly string[];
  /**
   * recording.retentionDays: for a row without terms (its start was seen by no daemon run
   * that knew its group), counted from its stop, else its start, else when the row was made.
   */
  readonly defaultRetentionDays: number;
}

export type PurgeOutcome = 'deleted' | 'would delete' | 'held' | 'failed';

export interface PurgeLine {
  readonly id: string;
  readonly callId: string;
  readonly filePath: string;
  readonly group: string | null;
  readonly outcome: PurgeOutcome;
  /** The rule it was (or would be) deleted under, the hold that blocks it, or the error. */
  readonly detail: string;
  /** Failed tries so far, this one included. */
  readonly attempts: number;
}

type Row = Record<string, unknown>;

/** Recordings due under some rule, and those whose deletion failed before (retried every run). */
async function candidates(repo: StoreRepository, now: string, cutoff: string, limit: number, ids?: readonly string[]): Promise<Array<{ rec: RecordingRecord; mailSent: boolean }>> {
  const t = repo.tables;
  const q = repo
    .knex({ r: t.recordings })
    .leftJoin({ m: t.mailQueue }, 'm.id', 'r.id')
    .whereIn('r.status', ['ok', 'bad'])
    .andWhere((w) => {
      w.where('r.retention_until', '<=', now)
        .orWhere((x) => x.where('r.keep_after_mail', 0).andWhere('m.status', 'sent').andWhere('m.attached', 1))
        .orWhere((x) => x.whereNull('r.retention_until').andWhere((y) => y.where('r.stopped_at', '<=', cutoff).orWhere((z) => z.whereNull('r.stopped_at').andWhere('r.created_at', '<=', cutoff))));
    })
    .select({ id: 'r.id', mailStatus: 'm.status', attached: 'm.attached' })
    .orderBy([{ column: 'r.retention_until' }, { column: 'r.id' }])
    .limit(limit);
  if (ids !== undefined) q.whereIn('r.id', [...ids]);
  const rows = (await q) as Row[];
  const out: Array<{ rec: RecordingRecord; mailSent: boolean }> = [];
  for (const row of rows) {
    const rec = await repo.getRecording(String(row.id));
    if (rec) out.push({ rec, mailSent: row.mailStatus === 'sent' && Number(row.attached) === 1 });
  }
  return out;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The call's party numbers, normalised as holds store them. */
function partyNumbers(call: { caller: string | null; destination: string | null } | undefined): string[] {
  if (!call) return [];
  return [call.caller, call.destination].map((n) => (n === null ? undefined : normalisePhoneNumber(n))).filter((n): n is string => n !== undefined);
}

/**
 * One pass. The file is hashed right before it is unlinked, so the receipt names exactly
 * what was deleted; the receipt (evidence row on the call's chain) is written after the
 * unlink, and a row is marked deleted only after its receipt: a crash in between leaves the
 * row due, and the next pass finds the file gone and writes the receipt then.
 */
export async function runPurge(options: PurgeOptions): Promise<PurgeLine[]> {
  const repo = options.repository;
  const nowIso = options.now.toISOString();
  const root = resolve(options.storageDir);
  const removeFile = options.removeFile ?? ((p: string) => unlink(p));
  const lines: PurgeLine[] = [];
  const cutoff = new Date(options.now.getTime() - options.defaultRetentionDays * 86_400_000).toISOString();
  for (const { rec, mailSent } of await candidates(repo, nowIso, cutoff, options.limit ?? 500, options.ids)) {
    const call = await repo.getCall(rec.callId);
    const holds = await holdsFor(repo, [rec.callId], partyNumbers(call));
    const verdict: RetentionVerdict = retentionVerdict(
      {
        status: rec.status,
        // No terms on the row: the global retention from its stop (the query chose it by that, or by when the row was made).
        retentionUntil: rec.retentionUntil ?? fallbackUntil(rec, options.defaultRetentionDays, nowIso),
        retentionDays: rec.retentionUntil === null ? options.defaultRetentionDays : rec.retentionDays,
        group: rec.group,
        keepAfterMail: rec.keepAfterMail,
        mailDelivered: mailSent,
        holds,
      },
      nowIso,
    );
    const base = { id: rec.id, callId: rec.callId, filePath: rec.filePath, group: rec.group };
    if (verdict.action === 'keep') continue;
    if (verdict.action === 'hold') {
      lines.push({ ...base, outcome: 'held', detail: verdict.reason, attempts: rec.deleteAttempts });
      continue;
    }
    if (options.dryRun) {
      lines.push({ ...base, outcome: 'would delete', detail: verdict.rule, attempts: rec.deleteAttempts });
      continue;
    }
    try {
      const path = resolve(root, rec.filePath);
      const rel = relative(root, path);
      // A row pointing outside the storage folder (bad data or tampering) must not make us delete arbitrary files.
      if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new Error('the file path is outside the storage directory');
      let deletedSha256: string | null = null;
      let alreadyGone = false;
      try {
        deletedSha256 = await sha256OfFile(path);
        await removeFile(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        alreadyGone = true;
      }
      const remaining = (await repo.listRecordings(rec.callId)).filter((r) => r.id !== rec.id && r.status !== 'deleted');
      const clearCall = remaining.length === 0 && call !== undefined;
      await repo.appendEvidence(rec.callId, 'recording_deleted', {
        recording: rec.id,
        path: rec.filePath,
        rule: verdict.rule,
        deletedAt: nowIso,
        sha256: deletedSha256,
        // What the row said the file was, so an auditor sees whether it had changed.
        recordedSha256: rec.sha256,
        ...(alreadyGone ? { fileAlreadyGone: true } : {}),
        personalFields: clearCall ? ['calls.caller', 'calls.destination', 'calls.legs'] : [],
      });
      if (clearCall) await repo.knex(repo.tables.calls).where({ call_id: rec.callId }).update({ caller: null, destination: null, legs: null, updated_at: nowIso });
      await repo.updateRecording(rec.id, { status: 'deleted', deletedAt: nowIso, deleteRule: verdict.rule.slice(0, 128), deleteError: null });
      lines.push({ ...base, outcome: 'deleted', detail: verdict.rule, attempts: rec.deleteAttempts });
    } catch (err) {
      const message = (err as Error).message;
      await repo.updateRecording(rec.id, { deleteError: message.slice(0, 1000), deleteAttempts: rec.deleteAttempts + 1 }).catch(() => undefined);
      lines.push({ ...base, outcome: 'failed', detail: message, attempts: rec.deleteAttempts + 1 });
    }
  }
  return lines;
}

function fallbackUntil(rec: RecordingRecord, days: number, nowIso: string): string | null {
  const from = rec.stoppedAt ?? rec.startedAt;
  if (rec.status !== 'ok' && rec.status !== 'bad') return null;
  // A row is read back from the database and may say anything: an unreadable time counts as "due now".
  const until = from === null ? NaN : Date.parse(from) + days * 86_400_000;
  return Number.isFinite(until) && Math.abs(until) <= 8.64e15 ? new Date(until).toISOString() : nowIso;
}

/** Renders purge lines as a fixed-width table for the CLI. */
export function purgeTable(lines: readonly PurgeLine[]): string[] {
  if (lines.length === 0) return [];
  const head = ['OUTCOME', 'RECORDING', 'CALL', 'GROUP', 'TRIES', 'RULE / HOLD / ERROR'];
  const rows = lines.map((l) => [l.outcome, l.id, l.callId, l.group ?? '-', String(l.attempts), l.detail]);
  const widths = head.slice(0, -1).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => r.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c)).join('  ');
  return [fmt(head), ...rows.map(fmt)];
}
