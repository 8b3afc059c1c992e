// The chain rule on its own, without a database: which break is reported where.

import { expect } from 'chai';
import { evidenceHash, GENESIS_HASH, StoredEvidenceRow, verifyEvidenceChain } from '../../src/store/evidence-chain';

function chain(n: number): StoredEvidenceRow[] {
  const rows: StoredEvidenceRow[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const content = { callId: 'c1', seq, at: `2026-01-01T00:00:0${seq}.000Z`, kind: 'decision', detail: { seq } };
    const hash = evidenceHash(prev, content);
    rows.push({ callId: 'c1', seq, at: content.at, kind: content.kind, detailText: JSON.stringify(content.detail), prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

const headOf = (rows: StoredEvidenceRow[]) => ({ seq: rows.length, hash: rows[rows.length - 1].hash });

describe('evidence chain rule', function () {
  it('hash = sha256(prev_hash + canonical content), independent of detail key order', function () {
    const a = evidenceHash(GENESIS_HASH, { callId: 'c', seq: 1, at: 't', kind: 'k', detail: { x: 1, y: 2 } });
    const b = evidenceHash(GENESIS_HASH, { callId: 'c', seq: 1, at: 't', kind: 'k', detail: { y: 2, x: 1 } });
    expect(a).to.match(/^[0-9a-f]{64}$/).and.equal(b);
    expect(evidenceHash('1'.repeat(64), { callId: 'c', seq: 1, at: 't', kind: 'k', detail: { x: 1, y: 2 } })).not.to.equal(a);
  });

  it('accepts an intact chain and an empty one', function () {
    const rows = chain(4);
    expect(verifyEvidenceChain(rows, headOf(rows))).to.include({ ok: true, rows: 4 });
    expect(verifyEvidenceChain([], undefined)).to.include({ ok: true, rows: 0 });
  });

  it('locates each kind of break', function () {
    const rows = chain(4);
    const head = headOf(rows);
    const edited = rows.map((r) => (r.seq === 2 ? { ...r, detailText: '{"seq":9}' } : r));
    expect(verifyEvidenceChain(edited, head)).to.include({ ok: false, brokenAt: 2 });
    const garbage = rows.map((r) => (r.seq === 3 ? { ...r, detailText: '{oops' } : r));
    expect(verifyEvidenceChain(garbage, head)).to.include({ ok: false, brokenAt: 3 });
    expect(verifyEvidenceChain(rows.filter((r) => r.seq !== 1), head)).to.include({ ok: false, brokenAt: 1 });
    expect(verifyEvidenceChain(rows.slice(0, 3), head)).to.include({ ok: false, brokenAt: 4 });
    expect(verifyEvidenceChain(rows, undefined)).to.include({ ok: false, brokenAt: 1 });
    const relinked = rows.map((r) => (r.seq === 3 ? { ...r, prevHash: 'f'.repeat(64) } : r));
    expect(verifyEvidenceChain(relinked, head)).to.include({ ok: false, brokenAt: 3 });
  });
});
