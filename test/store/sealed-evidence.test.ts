// Sealed evidence against a database administrator: forgery with and without the key, deletion, truncation, reordering, key rotation, erasure — on every backend.

import { expect } from 'chai';
import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Knex } from 'knex';
import {
  ChainAnchor,
  canonicalJson,
  createStoreKnex,
  evidenceHash,
  EvidenceKeyring,
  GENESIS_HASH,
  headMacText,
  judgeCallEvidence,
  migrateLatest,
  readAnchorFile,
  sealHash,
  StoreRepository,
  storeTables,
  type StoreTables,
} from '../../src/store';
import { sealedView, EVIDENCE_PERSONAL_FIELDS } from '../../src/store/personal-data';
import { dropStoreSchema, selectBackends, tempDir, type TestBackend } from './test-backends';

const K1 = 'first-evidence-key-for-tests-000000000000';
const K2 = 'hex:' + 'ab'.repeat(32);

for (const backend of selectBackends()) {
  describe(`sealed evidence on ${backend.name}`, function () {
    defineSuite(backend);
  });
}

type Row = Record<string, unknown>;

function defineSuite(backend: TestBackend): void {
  let knex: Knex;
  let tables: StoreTables;
  let dir: string;
  let anchorPath: string;
  let anchor: ChainAnchor;
  let keys: EvidenceKeyring;
  let repo: StoreRepository;
  let n = 0;
  const id = (label: string) => `${label}-${++n}-${Date.now().toString(36)}`;

  before(async function () {
    tables = storeTables(backend.tablePrefix);
    knex = createStoreKnex(backend.dbOptions());
    await migrateLatest(knex, tables);
    dir = tempDir('sealed');
    anchorPath = join(dir, 'anchors.jsonl');
    keys = new EvidenceKeyring('k1', { k1: K1 });
    anchor = await ChainAnchor.open(anchorPath, { keys });
    repo = new StoreRepository(knex, { tablePrefix: backend.tablePrefix, sealing: { keys, anchor } });
  });

  after(async function () {
    await anchor?.close();
    await dropStoreSchema(knex, tables);
    await backend.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A finished call as the daemon leaves it: call row, refusal evidence, anchored head. */
  async function refusedCall(callId: string): Promise<void> {
    await repo.upsertCall({ callId, caller: '+49301234567', destination: '5000', startedAt: new Date(), endedAt: new Date() });
    await repo.appendEvidence(callId, 'call_accepted', { group: 'hotline', caller: '+49301234567' });
    await repo.appendEvidence(callId, 'digit_pressed', { role: 'caller', digit: '9' });
    await repo.appendEvidence(callId, 'decision', { record: false, reason: 'caller objected with DTMF 9 at the consent prompt' });
    await repo.appendEvidence(callId, 'routed', { via: 'dialplan' });
    await repo.closeEvidence(callId);
  }

  const judge = async (callId: string, verifier = repo) => judgeCallEvidence(verifier, callId, await readAnchorFile(anchorPath, keys));

  /**
   * The attack from issue 8: insert `consent given, digit 1` after row 1, renumber, recompute
   * every hash and the head. With `withKeys` the attacker also holds the evidence key.
   */
  async function forgeConsent(callId: string, withKeys?: EvidenceKeyring): Promise<void> {
    const rows = (await knex(tables.consentEvents).where({ call_id: callId }).orderBy('seq')) as Row[];
    const forged = [rows[0]!, { ...rows[0]!, kind: 'consent', detail: canonicalJson({ outcome: 'given', digit: '1' }), salt: null }, ...rows.slice(1)];
    await knex(tables.consentEvents).where({ call_id: callId }).delete();
    let prev = GENESIS_HASH;
    let seq = 0;
    for (const r of forged) {
      seq++;
      const content = { callId, seq, at: String(r.at), kind: String(r.kind), detail: sealedView(JSON.parse(String(r.detail)), (r.salt as string | null) ?? null, EVIDENCE_PERSONAL_FIELDS) };
      const hash = withKeys ? sealHash(withKeys, 'k1', prev, content)! : evidenceHash(prev, content);
      await knex(tables.consentEvents).insert({ call_id: callId, seq, at: r.at, kind: r.kind, detail: r.detail, prev_hash: prev, hash, key_id: withKeys ? 'k1' : null, salt: r.salt ?? null, write_id: null });
      prev = hash;
    }
    await knex(tables.consentChainHeads)
      .where({ call_id: callId })
      .update({ seq, hash: prev, key_id: withKeys ? 'k1' : null, mac: withKeys ? withKeys.mac('k1', headMacText(callId, seq, prev)) : null });
  }

  it('an untouched call verifies: sealed with the key id, anchored', async () => {
    const callId = id('ok');
    await refusedCall(callId);
    const r = await judge(callId);
    expect(r.verdict, r.reason).to.equal('verified');
    expect(r.check).to.include({ ok: true, rows: 4, anchoredSeq: 4 });
    expect(r.check.keyIds).to.deep.equal(['k1']);
    const stored = (await knex(tables.consentEvents).where({ call_id: callId }).first()) as Row;
    expect(stored.key_id).to.equal('k1');
    expect(String(stored.salt)).to.match(/^[0-9a-f]{32}$/);
  });

  it('the issue\'s forgery without the key (SHA chain and head recomputed) is broken', async () => {
    const callId = id('forged');
    await refusedCall(callId);
    await forgeConsent(callId);
    const r = await judge(callId);
    expect(r.verdict).to.equal('broken');
    expect(r.check.brokenAt).to.equal(1);
    expect(r.reason).to.match(/carries no seal/);
  });

  it('the forgery with a stolen key passes the database check but not the anchor', async () => {
    const callId = id('forged-key');
    await refusedCall(callId);
    await forgeConsent(callId, keys);
    expect(await repo.verifyEvidence(callId)).to.include({ ok: true }); // what the database alone says
    const r = await judge(callId);
    expect(r.verdict).to.equal('broken');
    expect(r.reason).to.match(/not the row the anchor file recorded/);
  });

  it('a verifier without the key cannot call a sealed chain verified', async () => {
    const callId = id('nokey');
    await refusedCall(callId);
    const keyless = new StoreRepository(knex, { tablePrefix: backend.tablePrefix });
    const r = await judgeCallEvidence(keyless, callId, await readAnchorFile(anchorPath));
    expect(r.verdict).to.equal('broken');
    expect(r.reason).to.match(/not configured here/);
  });

  it('deleting every row and the head: broken (call row left, or only the anchor remembers), never "not handled"', async () => {
    const a = id('deleted');
    await refusedCall(a);
    await knex(tables.consentEvents).where({ call_id: a }).delete();
    await knex(tables.consentChainHeads).where({ call_id: a }).delete();
    const withRow = await judge(a);
    expect(withRow.verdict).to.equal('broken');
    expect(withRow.reason).to.match(/deleted/);
    await knex(tables.calls).where({ call_id: a }).delete();
    const anchoredOnly = await judge(a);
    expect(anchoredOnly.verdict).to.equal('broken');
    expect(anchoredOnly.reason).to.match(/anchor file recorded seq 4 .* only 0 row/);
    // A recording without any evidence is broken too (no anchor needed).
    const b = id('rec-only');
    await repo.upsertRecording({ id: `${b}/01`, callId: b, filePath: `/r/${b}.wav`, format: 'wav', channels: 'both', status: 'ok' });
    expect((await judge(b)).verdict).to.equal('broken');
    expect((await judge(id('never'))).verdict).to.equal('none');
  });

  it('truncation: trailing rows deleted and the head moved back is caught by the head seal; with the key, by the anchor', async () => {
    const a = id('trunc');
    await refusedCall(a);
    const row2 = (await knex(tables.consentEvents).where({ call_id: a, seq: 2 }).first()) as Row;
    await knex(tables.consentEvents).where({ call_id: a }).andWhere('seq', '>', 2).delete();
    await knex(tables.consentChainHeads).where({ call_id: a }).update({ seq: 2, hash: row2.hash });
    expect((await judge(a)).reason).to.match(/head seal does not match/);
    await knex(tables.consentChainHeads).where({ call_id: a }).update({ mac: keys.mac('k1', headMacText(a, 2, String(row2.hash))) });
    const r = await judge(a);
    expect(r.verdict).to.equal('broken');
    expect(r.reason).to.match(/anchor file recorded seq 4 .* only 2 row/);
  });

  it('reordering two rows (seq swapped) is broken', async () => {
    const a = id('reorder');
    await refusedCall(a);
    await knex(tables.consentEvents).where({ call_id: a, seq: 2 }).update({ seq: 99 });
    await knex(tables.consentEvents).where({ call_id: a, seq: 3 }).update({ seq: 2 });
    await knex(tables.consentEvents).where({ call_id: a, seq: 99 }).update({ seq: 3 });
    const r = await judge(a);
    expect(r.verdict).to.equal('broken');
    expect(r.check.brokenAt).to.equal(2);
  });

  it('a rotated key: old rows keep verifying with the retired key configured, and break without it', async () => {
    const a = id('rotate');
    await repo.appendEvidence(a, 'decision', { record: false, reason: 'before rotation' });
    const rotated = new EvidenceKeyring('k2', { k1: K1, k2: K2 });
    const after = new StoreRepository(knex, { tablePrefix: backend.tablePrefix, sealing: { keys: rotated } });
    await after.appendEvidence(a, 'decision', { record: false, reason: 'after rotation' });
    const check = await after.verifyEvidence(a);
    expect(check).to.include({ ok: true, rows: 2 });
    expect(check.keyIds).to.deep.equal(['k1', 'k2']);
    const onlyNew = new StoreRepository(knex, { tablePrefix: backend.tablePrefix, sealing: { keys: new EvidenceKeyring('k2', { k2: K2 }) } });
    expect(await onlyNew.verifyEvidence(a)).to.include({ ok: false, brokenAt: 1 });
  });

  it('erasure: personal values pseudonymised, salt destroyed, receipt appended — the chain and anchor still verify', async () => {
    const a = id('erase');
    await refusedCall(a);
    await repo.appendEvidence(a, 'transfer', { to: '+4940999', nested: { callerName: 'Jürgen Müller' } });
    const done = await repo.pseudonymiseCall(a, { pseudonym: 'subject-1', reason: 'GDPR Art. 17 request #4711', by: 'dpo' });
    expect(done).to.include({ rows: 2, values: 3, legacy: 0 });
    const text = JSON.stringify(await knex(tables.consentEvents).where({ call_id: a }));
    expect(text).not.to.contain('+49301234567');
    expect(text).not.to.contain('+4940999');
    expect(text).not.to.contain('Müller');
    expect(text).to.contain('subject-1');
    expect(await knex(tables.consentEvents).where({ call_id: a }).whereNotNull('salt').count({ c: '*' })).to.deep.equal([{ c: 1 }]); // only the receipt
    expect((await repo.getCall(a))?.caller).to.equal('subject-1');
    const r = await judge(a);
    expect(r.verdict, r.reason).to.equal('verified');
    expect(r.rows.at(-1)?.kind).to.equal('personal_data_erased');
    // An erased value replaced by anything else breaks the seal.
    const row1 = (await knex(tables.consentEvents).where({ call_id: a, seq: 1 }).first()) as Row;
    await knex(tables.consentEvents).where({ call_id: a, seq: 1 }).update({ detail: String(row1.detail).replace('subject-1', 'subject-2').replace(/"\$erased":"[0-9a-f]/, '"$erased":"x') });
    expect((await judge(a)).verdict).to.equal('broken');
  });

  it('property: any change to a sealed row\'s stored detail breaks the chain; erasure never does', async () => {
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null));
    const detail = fc.dictionary(fc.constantFrom('caller', 'reason', 'digit', 'to', 'name', 'record', 'x'), fc.oneof(value, fc.dictionary(fc.constantFrom('number', 'y'), value)), { minKeys: 1 });
    await fc.assert(
      fc.asyncProperty(fc.array(detail, { minLength: 1, maxLength: 4 }), fc.nat(), fc.string({ minLength: 1, maxLength: 3 }), async (details, pick, junk) => {
        const a = id('prop');
        for (const d of details) await repo.appendEvidence(a, 'k', d);
        await repo.pseudonymiseCall(a, { pseudonym: 'p', reason: 'r', by: 'b' });
        expect(await repo.verifyEvidence(a)).to.include({ ok: true });
        const seq = (pick % details.length) + 1;
        const row = (await knex(tables.consentEvents).where({ call_id: a, seq }).first()) as Row;
        const changed = JSON.stringify({ ...JSON.parse(String(row.detail)), tampered: junk });
        await knex(tables.consentEvents).where({ call_id: a, seq }).update({ detail: changed });
        expect(await repo.verifyEvidence(a)).to.include({ ok: false, brokenAt: seq });
      }),
      { numRuns: backend.multiWriter ? 15 : 40 },
    );
  });

  it('property: rows of several calls applied in batches (one transaction each) make the chains one-by-one appends make: verified, anchored, same rows', async () => {
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null));
    const row = fc.record({
      call: fc.integer({ min: 0, max: 2 }),
      kind: fc.constantFrom('decision', 'command_sent', 'digit_pressed', 'prompt_played'),
      detail: fc.dictionary(fc.constantFrom('caller', 'reason', 'digit', 'to', 'record'), value, { minKeys: 1 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 14 }), fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 14, maxLength: 14 }), async (rows, cuts) => {
        const single = [id('single'), id('single'), id('single')];
        const batched = [id('batched'), id('batched'), id('batched')];
        for (const r of rows) await repo.appendEvidence(single[r.call]!, r.kind, r.detail);
        for (let i = 0, c = 0; i < rows.length; i += cuts[c++]!) {
          await repo.appendEvidenceBatch(rows.slice(i, i + cuts[c]!).map((r) => ({ callId: batched[r.call]!, kind: r.kind, detail: r.detail })));
        }
        const content = async (callId: string) => (await repo.listEvidence(callId)).map((r) => [r.seq, r.kind, r.detail]);
        for (let k = 0; k < 3; k++) {
          const n = rows.filter((r) => r.call === k).length;
          if (n === 0) continue;
          await repo.closeEvidence(single[k]!);
          await repo.closeEvidence(batched[k]!);
          const [a, b] = [await judge(single[k]!), await judge(batched[k]!)];
          expect(b.verdict, b.reason).to.equal('verified');
          expect(b.check).to.deep.include({ rows: n, anchoredSeq: n });
          expect(a.verdict).to.equal('verified');
          expect(await content(batched[k]!)).to.deep.equal(await content(single[k]!));
        }
      }),
      { numRuns: backend.multiWriter ? 10 : 30 },
    );
  });

  describe('access log', () => {
    it('appends sealed rows, lists them by time/user/call, verifies, and notices a hidden row', async () => {
      const t0 = new Date(Date.now() - 1000);
      const call = id('acc');
      const first = await repo.accessLog.append({ user: 'anna', action: 'listen', callId: call, recordingId: `${call}/01`, address: '192.0.2.10', detail: { range: 'bytes=0-' } });
      await repo.accessLog.append({ user: 'ben', action: 'download', callId: call, address: '192.0.2.11' });
      await repo.accessLog.append({ user: 'anna', action: 'export', callId: id('other'), address: '192.0.2.10' });
      expect(first.seq).to.be.a('number');
      expect((await repo.accessLog.list({ since: t0, user: 'anna' })).map((r) => r.action)).to.deep.equal(['listen', 'export']);
      const byCall = await repo.accessLog.list({ since: t0, callId: call });
      expect(byCall.map((r) => [r.user, r.action, r.address])).to.deep.equal([
        ['anna', 'listen', '192.0.2.10'],
        ['ben', 'download', '192.0.2.11'],
      ]);
      expect(byCall[0]!.detail).to.deep.equal({ range: 'bytes=0-' });
      const anchors = await readAnchorFile(anchorPath, keys);
      const line = anchors?.heads.get('access\naccess');
      expect(line?.seq).to.equal(first.seq + 2);
      expect(await repo.accessLog.verify({ seq: line!.seq, hash: line!.hash })).to.include({ ok: true });
      // An administrator re-labels a row so `audit --user ben` no longer finds it.
      await knex(tables.accessLog).where({ chain: 'access', seq: first.seq + 1 }).update({ user_name: 'someone' });
      expect(await repo.accessLog.verify()).to.include({ ok: false, brokenAt: first.seq + 1 });
      await knex(tables.accessLog).where({ chain: 'access', seq: first.seq + 1 }).update({ user_name: 'ben' });
      await knex(tables.accessLog).where({ chain: 'access', seq: first.seq }).delete();
      expect(await repo.accessLog.verify()).to.include({ ok: false, brokenAt: first.seq });
    });
  });
}
