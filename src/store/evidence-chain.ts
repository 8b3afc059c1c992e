// The hash chain over one call's consent evidence: pure functions, so the rule is testable and auditable apart from SQL.

import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { EvidenceRecord, EvidenceVerification } from './store-types';

/** prev_hash of a call's first row. */
export const GENESIS_HASH = '0'.repeat(64);

export interface EvidenceContent {
  callId: string;
  seq: number;
  at: string;
  kind: string;
  detail: unknown;
}

/** hash = sha256(prev_hash + canonical JSON of the row's content). */
export function evidenceHash(prevHash: string, content: EvidenceContent): string {
  const body = canonicalJson({
    callId: content.callId,
    seq: content.seq,
    at: content.at,
    kind: content.kind,
    detail: content.detail,
  });
  return createHash('sha256').update(prevHash + body, 'utf8').digest('hex');
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** A stored row as read back; `detail` is still the stored text, so unparseable edits are caught too. */
export interface StoredEvidenceRow extends Omit<EvidenceRecord, 'detail'> {
  detailText: string;
}

/**
 * Walks the rows in seq order. A deleted row shows as a seq gap (brokenAt = the missing seq);
 * an edited row as a hash mismatch at that row; a row re-hashed after editing as a prev_hash
 * mismatch at the next row; deleted trailing rows as a head that points past the last row.
 */
export function verifyEvidenceChain(rows: readonly StoredEvidenceRow[], head: ChainHead | undefined): EvidenceVerification {
  const fail = (brokenAt: number, reason: string): EvidenceVerification => ({ ok: false, rows: rows.length, brokenAt, reason });
  let prevHash = GENESIS_HASH;
  let expected = 1;
  for (const row of rows) {
    if (row.seq !== expected) return fail(expected, `row seq ${expected} is missing (deleted); next row is seq ${row.seq}`);
    if (row.prevHash !== prevHash) return fail(row.seq, `prev_hash of seq ${row.seq} does not match the hash of the row before it`);
    let detail: unknown;
    try {
      detail = JSON.parse(row.detailText);
    } catch {
      return fail(row.seq, `detail of seq ${row.seq} is not valid JSON (altered)`);
    }
    const recomputed = evidenceHash(prevHash, { callId: row.callId, seq: row.seq, at: row.at, kind: row.kind, detail });
    if (recomputed !== row.hash) return fail(row.seq, `content of seq ${row.seq} does not match its hash (altered)`);
    prevHash = row.hash;
    expected++;
  }
  if (head) {
    if (head.seq > rows.length) return fail(rows.length + 1, `chain head is at seq ${head.seq} but only ${rows.length} rows exist (trailing rows deleted)`);
    if (head.seq !== rows.length || head.hash !== prevHash) return fail(rows.length, 'chain head does not match the last row');
  } else if (rows.length > 0) {
    return fail(1, 'chain head is missing although evidence rows exist');
  }
  return { ok: true, rows: rows.length };
}
