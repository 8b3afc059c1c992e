// Data-subject erasure on both databases, through the CLI: real files deleted with receipts, the number gone from every row, sealed chains still verify; holds and --dry-run change nothing.

import { expect } from 'chai';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evidenceCommand } from '../../src/commands/evidence';
import { subject } from '../../src/commands/subject';
import { defaultsWith, type CallwardenConfig } from '../../src/config';
import { addHold, removeHold } from '../../src/lifecycle/legal-holds';
import { erasureFileAction, subjectErasureVerdict } from '../../src/policies';
import { createStoreKnex, EvidenceKeyring, judgeCallEvidence, migrateLatest, StoreRepository } from '../../src/store';
import { selectBackends } from '../store/test-backends';
import { TEST_EVIDENCE_KEY } from '../support/daemon-config';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const clock = () => new Date(T0 + 86_400_000);
/** The subject's number as every spelling of it shares it; no timestamp, id or hash in these rows contains it by chance. */
const DIGITS = '7654321';

describe('policy: subject erasure verdict', () => {
  const status = fc.constantFrom('recording', 'converting', 'ok', 'bad', 'deleted', 'foreign', 'foreign-stopped');
  const calls = fc.array(fc.record({ callId: fc.string({ minLength: 1, maxLength: 8 }), ended: fc.boolean(), recordingStatuses: fc.array(status, { maxLength: 4 }) }), { maxLength: 6 });
  const hold = fc.record({ id: fc.nat(), kind: fc.constantFrom('call' as const, 'number' as const), value: fc.string({ minLength: 1, maxLength: 12 }), reason: fc.string({ maxLength: 20 }) });

  it('any hold refuses the whole request and names every hold; without one each call is erased or waits, never both, never dropped', () => {
    fc.assert(
      fc.property(fc.array(hold, { maxLength: 3 }), calls, (holds, cs) => {
        const v = subjectErasureVerdict(holds, cs);
        if (holds.length > 0) {
          expect(v.action).to.equal('refuse');
          for (const h of holds) expect(v.action === 'refuse' && v.reason).to.include(`#${h.id} (${h.kind} ${h.value}: ${h.reason})`);
          return;
        }
        expect(v.action).to.equal('erase');
        if (v.action !== 'erase') return;
        expect(v.erase.length + v.wait.length).to.equal(cs.length);
        cs.forEach((c, i) => {
          const busy = !c.ended || c.recordingStatuses.some((s) => s === 'recording' || s === 'converting');
          expect(busy ? v.wait.some((w) => w.callId === c.callId) : v.erase.includes(c.callId), `call #${i}`).to.equal(true);
        });
      }),
    );
  });

  it('never deletes a file still written or converted, nor one callwarden did not start', () => {
    expect(['recording', 'converting', 'ok', 'bad', 'deleted', 'foreign', 'foreign-stopped'].map(erasureFileAction)).to.deep.equal(['wait', 'wait', 'delete', 'delete', 'already deleted', 'not ours', 'not ours']);
  });
});

for (const backend of selectBackends()) {
  describe(`lifecycle: subject erase (${backend.name})`, function () {
    this.timeout(30_000);
    let repo: StoreRepository;
    let config: CallwardenConfig;
    let dir: string;
    const out: string[] = [];
    const print = (l: string) => out.push(l);

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'callwarden-erase-'));
      const db = backend.dbOptions();
      config = defaultsWith({
        store: { client: db.client, url: db.url ?? '', filename: db.filename ?? ':memory:', tablePrefix: backend.tablePrefix, outboxDir: join(dir, 'outbox') },
        evidence: { key: TEST_EVIDENCE_KEY, currentKeyId: 'test', requireKey: true, anchorFile: '' },
        recording: { directory: join(dir, 'rec') },
      });
      const knex = createStoreKnex(backend.dbOptions());
      repo = new StoreRepository(knex, { tablePrefix: backend.tablePrefix, sealing: { keys: EvidenceKeyring.fromConfig(config.evidence)! } });
      await migrateLatest(knex, repo.tables);
    });
    after(async () => {
      await repo.knex.destroy();
      await backend.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    /** A finished call with sealed evidence naming both parties and one real recording file per segment. */
    async function seed(callId: string, caller: string, destination: string, segments: number, ended = true): Promise<string[]> {
      await repo.upsertCall({
        callId, caller, destination, legs: [{ uuid: callId, number: caller }, { uuid: `${callId}-b`, number: destination }],
        group: 'hotline', startedAt: new Date(T0), ...(ended ? { endedAt: new Date(T0 + 120_000) } : {}),
      });
      await repo.appendEvidence(callId, 'call_offered', { caller, callerName: 'Erika Mustermann', destination, legs: [{ number: caller }] });
      await repo.appendEvidence(callId, 'decision', { record: true, reason: 'the caller pressed 1' });
      const paths: string[] = [];
      for (let s = 1; s <= segments; s++) {
        const path = join(dir, 'rec', callId, `0${s}-both.mp3`);
        mkdirSync(join(dir, 'rec', callId), { recursive: true });
        writeFileSync(path, `audio of ${callId} segment ${s}`);
        await repo.upsertRecording({
          id: `${callId}/0${s}-both.mp3`, callId, filePath: path, format: 'mp3', channels: 'both', status: 'ok', segment: s,
          sha256: createHash('sha256').update(`audio of ${callId} segment ${s}`).digest('hex'), group: 'hotline', retentionDays: 30,
          mailTo: ['supervisor@example.org'], keepAfterMail: true,
        });
        paths.push(path);
      }
      return paths;
    }

    /** Every row of every table, for "nothing changed" and "the number is nowhere". Lifted legal holds are left out: see the test. */
    async function dump(): Promise<string> {
      const t = repo.tables;
      const parts: string[] = [];
      for (const table of [t.calls, t.recordings, t.consentEvents, t.consentChainHeads, t.accessLog, t.mailQueue, t.legalHolds]) {
        const rows = (await repo.knex(table).select('*')) as Array<Record<string, unknown>>;
        const sorted = rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
        parts.push(`${table}: ${sorted.join('\n')}`);
      }
      return parts.join('\n');
    }

    async function evidenceCli(callId: string): Promise<{ code: number; lines: string[] }> {
      const lines: string[] = [];
      const code = await evidenceCommand.run(config, { operands: [callId], options: { since: '7d' } }, (l) => lines.push(l));
      return { code, lines };
    }

    it('refuses under a hold and in a dry run changes nothing; then deletes the files with receipts, removes the number everywhere, and every chain still verifies; a second run is a no-op', async () => {
      const a1 = await seed('e-a1', '+49 30 7654321', '5000', 2);
      const a2 = await seed('e-a2', '1001', 'sip:0049307654321@pbx', 1);
      const other = await seed('e-b1', '+49 40 7654321', '5000', 1); // same tail, another person
      await repo.knex(repo.tables.mailQueue).insert({ id: 'e-a2/01-both.mp3', call_id: 'e-a2', recipients: '["supervisor@example.org"]', status: 'pending', attempts: 0, next_attempt_at: new Date(T0).toISOString(), created_at: new Date(T0).toISOString(), updated_at: new Date(T0).toISOString() });
      const files = [...a1, ...a2];

      // A hold on the number refuses everything and names the hold.
      const numberHold = await addHold(repo, 'number', '0049 30 765-4321', 'court order 12/26', 'auditor', new Date(T0));
      let before = await dump();
      out.length = 0;
      expect(await subject(config, { operands: ['erase', '+49 (30) 7654321'], options: { by: 'dpo' } }, print, clock)).to.equal(3);
      expect(out).to.deep.equal([`subject erase +49307654321: refused: legal hold #${numberHold.id} (number +49307654321: court order 12/26); nothing was erased — lift the hold (callwarden hold remove <id>) once it no longer applies`]);
      expect(await dump()).to.equal(before);
      for (const f of files) expect(existsSync(f), f).to.equal(true);
      await removeHold(repo, numberHold.id, 'auditor', new Date(T0));

      // So does a hold on one of its calls, in JSON too.
      const callHold = await addHold(repo, 'call', 'e-a2', 'complaint 7', 'auditor', new Date(T0));
      before = await dump();
      out.length = 0;
      expect(await subject(config, { operands: ['erase', '+49307654321'], options: { json: true } }, print, clock)).to.equal(3);
      expect(JSON.parse(out[0]!)).to.deep.include({ refused: true, number: '+49307654321' });
      expect(JSON.parse(out[0]!).holds.map((h: { id: number }) => h.id)).to.deep.equal([callHold.id]);
      expect(await dump()).to.equal(before);
      await removeHold(repo, callHold.id, 'auditor', new Date(T0));

      // Dry run: the table says what would go, nothing changes.
      before = await dump();
      out.length = 0;
      expect(await subject(config, { operands: ['erase', '+49 30 7654321'], options: { dryRun: true } }, print, clock)).to.equal(0);
      expect(out[0]).to.match(/^CALL\s+OUTCOME\s+EVIDENCE\s+RECORDING\s+FILE\s+SHA-256/);
      expect(out.filter((l) => /^e-a[12]\s+would erase\s+-\s+\S+\s+would delete/.test(l))).to.have.length(3);
      expect(out.some((l) => l.includes('e-b1'))).to.equal(false);
      expect(out[out.length - 1]).to.equal('2 call(s) about +49307654321 would be erased, 3 recording file(s) deleted; 0 still in progress; nothing was changed (dry run)');
      expect(await dump()).to.equal(before);
      for (const f of files) expect(existsSync(f), f).to.equal(true);

      // For real.
      out.length = 0;
      expect(await subject(config, { operands: ['erase', '+49 30 7654321'], options: { by: 'dpo' } }, print, clock)).to.equal(0);
      const summary = out[out.length - 1]!;
      expect(summary).to.match(/^2 call\(s\) about \+49307654321 erased as subject-[0-9a-f]{12}: 3 recording file\(s\) deleted \(receipts with SHA-256 in their evidence\)/);
      const pseudonym = /as (subject-[0-9a-f]{12})/.exec(summary)![1]!;
      for (const f of files) expect(existsSync(f), f).to.equal(false);
      expect(existsSync(other[0]!)).to.equal(true);

      // The number is in no call, recording, evidence, chain head, access log or mail row any more.
      const t = repo.tables;
      for (const table of [t.calls, t.recordings, t.consentEvents, t.consentChainHeads, t.accessLog, t.mailQueue]) {
        const rows = (await repo.knex(table).select('*')) as Array<Record<string, unknown>>;
        const hits = rows.filter((r) => JSON.stringify(r).includes(DIGITS) && !JSON.stringify(r).includes('e-b1'));
        expect(hits, table).to.deep.equal([]);
      }
      expect(await repo.getCall('e-a1')).to.deep.include({ caller: pseudonym, destination: pseudonym, legs: [] });
      // The other person with the same last digits keeps everything.
      expect((await repo.getCall('e-b1'))!.caller).to.equal('+49 40 7654321');
      // A queued mail for an erased file is never sent.
      expect((await repo.knex(t.mailQueue).where({ id: 'e-a2/01-both.mp3' }).first()).status).to.equal('failed');

      // Receipts: one per file with the SHA-256 of the bytes deleted, then the erasure receipt; the chain verifies, by the library and by the CLI.
      for (const [callId, paths] of [['e-a1', a1], ['e-a2', a2]] as const) {
        const evidence = await repo.listEvidence(callId);
        const deleted = evidence.filter((e) => e.kind === 'recording_deleted').map((e) => e.detail as Record<string, unknown>);
        expect(deleted.map((d) => d.sha256)).to.deep.equal(paths.map((_, i) => createHash('sha256').update(`audio of ${callId} segment ${i + 1}`).digest('hex')));
        expect(deleted[0]).to.deep.include({ rule: 'data-subject erasure (GDPR Art. 17)', by: 'dpo', deletedAt: clock().toISOString() });
        const receipt = evidence[evidence.length - 1]!;
        expect(receipt.kind).to.equal('personal_data_erased');
        expect(receipt.detail).to.deep.include({ by: 'dpo', rows: 1, legacyRowsKept: 0 });
        expect((evidence[0]!.detail as { caller: unknown }).caller).to.deep.include({ pseudonym });
        for (const rec of await repo.listRecordings(callId)) expect(rec).to.deep.include({ status: 'deleted', deleteRule: 'data-subject erasure (GDPR Art. 17)' });
        const report = await judgeCallEvidence(repo, callId, undefined);
        expect(report.verdict, report.reason).to.equal('verified');
        expect(report.reason).to.match(/sealed \(HMAC-SHA-256, key test\)/);
        const cli = await evidenceCli(callId);
        expect(cli.code, cli.lines.join('\n')).to.equal(0);
        expect(cli.lines.join('\n')).to.include('evidence chain verifies').and.not.include(DIGITS);
      }

      // A second request finds nothing left and changes nothing.
      before = await dump();
      out.length = 0;
      expect(await subject(config, { operands: ['erase', '+49 30 7654321'], options: {} }, print, clock)).to.equal(0);
      expect(out).to.deep.equal(['no call about +49307654321 with personal data left: nothing to erase']);
      expect(await dump()).to.equal(before);
    });

    it('leaves a call still in progress for a later run (exit 1) and never deletes a file outside the storage folder', async () => {
      const running = await seed('e-live', '+49 89 1234567', '5000', 1, false);
      const outsideDir = mkdtempSync(join(tmpdir(), 'callwarden-outside-'));
      const outside = join(outsideDir, 'victim.mp3');
      writeFileSync(outside, 'not ours');
      await repo.upsertCall({ callId: 'e-evil', caller: '+49 89 1234567', startedAt: new Date(T0), endedAt: new Date(T0 + 1000) });
      await repo.appendEvidence('e-evil', 'decision', { record: true });
      await repo.upsertRecording({ id: 'e-evil/x', callId: 'e-evil', filePath: outside, format: 'mp3', channels: 'both', status: 'ok' });
      out.length = 0;
      expect(await subject(config, { operands: ['erase', '+49891234567'], options: {} }, print, clock)).to.equal(1);
      expect(out.find((l) => l.startsWith('e-live'))).to.match(/waiting .*call still in progress/);
      expect(out.find((l) => l.startsWith('e-evil'))).to.match(/failed .*outside the storage directory/);
      expect(existsSync(running[0]!)).to.equal(true);
      expect(existsSync(outside)).to.equal(true);
      // Neither call lost its number: the next run finds both again.
      expect((await repo.getCall('e-live'))!.caller).to.equal('+49 89 1234567');
      expect((await repo.getCall('e-evil'))!.caller).to.equal('+49 89 1234567');
      rmSync(outsideDir, { recursive: true, force: true });
    });

    it('refuses a number that is not one, and erasure without the evidence key', async () => {
      const bad = await subject(config, { operands: ['erase', 'abc'], options: {} }, print, clock).then(() => undefined, (e: Error) => e);
      expect(bad?.name).to.equal('UsageError');
      const unkeyed = { ...config, evidence: { ...config.evidence, key: '' } };
      const noKey = await subject(unkeyed, { operands: ['erase', '+49891234567'], options: {} }, print, clock).then(() => undefined, (e: Error) => e);
      expect(noKey?.message).to.match(/needs the evidence key/);
    });
  });
}
