// The chain rule over a sealed log (consent evidence, access log): pure functions, so the rule is testable and auditable apart from SQL.

import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { EvidenceKeyring } from './evidence-keys';
import { EVIDENCE_PERSONAL_FIELDS, sealedView } from './personal-data';
import { EvidenceVerification } from './store-types';

/** prev_hash of a chain's first row. */
export const GENESIS_HASH = '0'.repeat(64);

export interface EvidenceContent {
  /** The chain's id: the call id for consent evidence, the log's name for the access log. */
  callId: string;
  seq: number;
  at: string;
  kind: string;
  /** The sealed view of the detail (personal values as commitments). */
  detail: unknown;
}

function contentText(prevHash: string, content: EvidenceContent): string {
  return (
    prevHash +
    canonicalJson({ callId: content.callId, seq: content.seq, at: content.at, kind: content.kind, detail: content.detail })
  );
}

/** Unsealed rule (rows written without a key): sha256(prev_hash + canonical JSON of the content). Anyone can recompute it. */
export function evidenceHash(prevHash: string, content: EvidenceContent): string {
  return createHash('sha256').update(contentText(prevHash, content), 'utf8').digest('hex');
}

/** Sealed rule: HMAC-SHA-256 under key `keyId` over the same text; only a holder of the key can compute it. */
export function sealHash(keys: EvidenceKeyring, keyId: string, prevHash: string, content: EvidenceContent): string | undefined {
  return keys.mac(keyId, contentText(prevHash, content));
}

/** The head's own seal: without it, deleting the last rows and pointing the head at the new last row would go unseen. */
export function headMacText(chain: string, seq: number, hash: string): string {
  return `head\n${chain}\n${seq}\n${hash}`;
}

export interface ChainHead {
  seq: number;
  hash: string;
  keyId?: string | null;
  mac?: string | null;
}

/** A stored row as read back; `detail` is still the stored text, so unparseable edits are caught too. */
export interface StoredEvidenceRow {
  callId: string;
  seq: number;
  at: string;
  kind: string;
  detailText: string;
  prevHash: string;
  hash: string;
  keyId?: string | null;
  salt?: string | null;
}

/** What the anchor file last recorded for this chain. */
export interface AnchoredHead {
  seq: number;
  hash: string;
}

export interface VerifyOptions {
  /** Keys to check seals with; without them a sealed row cannot be checked (and does not verify). */
  keys?: EvidenceKeyring;
  /** Refuse rows written without a key (set whenever the verifier has a key: a daemon that seals never writes them). */
  requireSealed?: boolean;
  personalFields?: ReadonlySet<string>;
  /** The anchored head from outside the database, when there is one. */
  anchored?: AnchoredHead;
}

/**
 * Walks the rows in seq order. A deleted row shows as a seq gap (brokenAt = the missing seq);
 * an edited row as a seal mismatch at that row; a row re-sealed after editing as a prev_hash
 * mismatch at the next row; deleted trailing rows as a head that points past the last row
 * (or, with the head moved too, a head seal or anchor that does not match).
 */
export function verifyEvidenceChain(rows: readonly StoredEvidenceRow[], head: ChainHead | undefined, options: VerifyOptions = {}): EvidenceVerification {
  const fields = options.personalFields ?? EVIDENCE_PERSONAL_FIELDS;
  const keyIds = new Set<string>();
  let unsealed = 0;
  const base = () => ({ rows: rows.length, keyIds: [...keyIds], unsealed });
  const fail = (brokenAt: number, reason: string): EvidenceVerification => ({ ok: false, ...base(), brokenAt, reason });
  let prevHash = GENESIS_HASH;
  let expected = 1;
  const hashes = new Map<number, string>();
  for (const row of rows) {
    if (row.seq !== expected) return fail(expected, `row seq ${expected} is missing (deleted); next row is seq ${row.seq}`);
    if (row.prevHash !== prevHash) return fail(row.seq, `prev_hash of seq ${row.seq} does not match the hash of the row before it`);
    let detail: unknown;
    try {
      detail = JSON.parse(row.detailText);
    } catch {
      return fail(row.seq, `detail of seq ${row.seq} is not valid JSON (altered)`);
    }
    const content: EvidenceContent = { callId: row.callId, seq: row.seq, at: row.at, kind: row.kind, detail: sealedView(detail, row.salt ?? null, fields) };
    if (row.keyId) {
      keyIds.add(row.keyId);
      if (!options.keys?.has(row.keyId)) return fail(row.seq, `seq ${row.seq} is sealed with key "${row.keyId}", which is not configured here: its seal cannot be checked`);
      if (sealHash(options.keys, row.keyId, prevHash, content) !== row.hash) return fail(row.seq, `seal of seq ${row.seq} does not match its content (altered, or forged without the key)`);
    } else {
      unsealed++;
      if (options.requireSealed) return fail(row.seq, `seq ${row.seq} carries no seal (a sealing daemon never writes such a row: inserted or rewritten)`);
      if (evidenceHash(prevHash, content) !== row.hash) return fail(row.seq, `content of seq ${row.seq} does not match its hash (altered)`);
    }
    hashes.set(row.seq, row.hash);
    prevHash = row.hash;
    expected++;
  }
  if (head) {
    if (head.seq > rows.length) return fail(rows.length + 1, `chain head is at seq ${head.seq} but only ${rows.length} rows exist (trailing rows deleted)`);
    if (head.seq !== rows.length || head.hash !== prevHash) return fail(rows.length, 'chain head does not match the last row');
    if (head.keyId) {
      const chain = rows[0]?.callId ?? '';
      if (!options.keys?.has(head.keyId)) return fail(rows.length, `chain head is sealed with key "${head.keyId}", which is not configured here`);
      if (options.keys.mac(head.keyId, headMacText(chain, head.seq, head.hash)) !== head.mac) return fail(rows.length, 'chain head seal does not match (head moved without the key)');
    } else if (options.requireSealed && rows.length > 0) {
      return fail(rows.length, 'chain head carries no seal');
    }
  } else if (rows.length > 0) {
    return fail(1, 'chain head is missing although evidence rows exist');
  }
  const anchored = options.anchored;
  if (anchored) {
    if (anchored.seq > rows.length) {
      return fail(rows.length + 1, `the anchor file recorded seq ${anchored.seq} for this chain, but only ${rows.length} row(s) exist (rows deleted)`);
    }
    if (hashes.get(anchored.seq) !== anchored.hash) {
      return fail(anchored.seq, `row seq ${anchored.seq} is not the row the anchor file recorded (chain rewritten)`);
    }
  }
  return { ok: true, ...base(), ...(anchored ? { anchoredSeq: anchored.seq } : {}) };
}
