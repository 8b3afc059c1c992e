// One call's evidence judged as a court would: seals, chain, sealed head, anchor — and a call or recording without evidence is broken, never "not handled".

import { AnchorFileCheck, anchorKey } from './chain-anchor';
import type { StoreRepository } from './store-repository';
import { CallRecord, EvidenceRecord, EvidenceVerification } from './store-types';

export type EvidenceVerdict = 'verified' | 'broken' | 'none';

export interface CallEvidenceReport {
  callId: string;
  verdict: EvidenceVerdict;
  /** One sentence: why it verifies, or where and how it is broken. */
  reason: string;
  call: CallRecord | undefined;
  rows: EvidenceRecord[];
  recordings: number;
  check: EvidenceVerification;
  /** Whether the anchor file held this chain's head (undefined: no anchor file to check). */
  anchored?: boolean;
  /** Things that do not break the proof but an auditor should see (unsealed rows, not anchored). */
  warnings: string[];
}

/**
 * `anchors` is the checked anchor file (undefined when none is configured or it does not
 * exist yet); a broken anchor file breaks every verdict, since it can no longer show deletions.
 */
export async function judgeCallEvidence(repository: StoreRepository, callId: string, anchors: AnchorFileCheck | undefined): Promise<CallEvidenceReport> {
  const anchoredLine = anchors?.heads.get(anchorKey('evidence', callId));
  const anchoredHead = anchoredLine ? { seq: anchoredLine.seq, hash: anchoredLine.hash } : undefined;
  const [call, rows, recordings, check] = await Promise.all([
    repository.getCall(callId),
    repository.listEvidence(callId),
    repository.listRecordings(callId),
    repository.verifyEvidence(callId, anchoredHead),
  ]);
  const base = { callId, call, rows, recordings: recordings.length, check, warnings: [] as string[], ...(anchors ? { anchored: anchoredLine !== undefined } : {}) };
  if (anchors && !anchors.ok) {
    return { ...base, verdict: 'broken', reason: `the anchor file is broken at line ${anchors.brokenAt ?? '?'} (${anchors.reason ?? '?'}): deletions can no longer be ruled out` };
  }
  if (check.rows === 0 && check.ok) {
    if (anchoredLine) return { ...base, verdict: 'broken', reason: `no evidence rows, but the anchor file recorded ${anchoredLine.seq} row(s) for this call on ${anchoredLine.at}: they were deleted` };
    if (call || recordings.length > 0) {
      const what = [call ? 'a call row' : '', recordings.length > 0 ? `${recordings.length} recording(s)` : ''].filter(Boolean).join(' and ');
      return { ...base, verdict: 'broken', reason: `the database holds ${what} for this call but no evidence: it was deleted (every call callwarden sees gets evidence)` };
    }
    return { ...base, verdict: 'none', reason: 'no call, recording or evidence with this id, and the anchor file never saw it' };
  }
  if (!check.ok) return { ...base, verdict: 'broken', reason: `at row ${check.brokenAt ?? '?'}: ${check.reason ?? 'seal mismatch'}` };
  const warnings = base.warnings;
  if ((check.unsealed ?? 0) > 0) warnings.push(`${check.unsealed} row(s) are not sealed (written without an evidence key): they prove nothing against a database administrator`);
  if (anchors && !anchoredLine) warnings.push('the chain head is not in the anchor file (call still running, daemon stopped before the call ended, or handled by another node)');
  else if (anchoredLine && anchoredLine.seq < check.rows) warnings.push(`${check.rows - anchoredLine.seq} row(s) after the last anchored head (seq ${anchoredLine.seq})`);
  if (!anchors) warnings.push('no anchor file checked');
  const sealedBy = check.keyIds && check.keyIds.length > 0 ? `sealed (HMAC-SHA-256, key ${check.keyIds.join(', ')})` : 'hash-chained only';
  const anchorNote = anchoredLine ? `, anchored at seq ${anchoredLine.seq}` : '';
  return { ...base, verdict: 'verified', reason: `${check.rows} row(s) ${sealedBy}, chain and head intact${anchorNote}` };
}
