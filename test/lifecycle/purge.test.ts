// Retention per group, legal holds and the purge's receipts on both databases, through the CLI commands, on a clock the test sets.

import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hold } from '../../src/commands/hold';
import { purge } from '../../src/commands/purge';
import { defaultsWith, type CallwardenConfig } from '../../src/config';
import { createStoreKnex, migrateLatest, StoreRepository } from '../../src/store';
import { selectBackends } from '../store/test-backends';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (days: number) => () => new Date(T0 + days * DAY);

for (const backend of selectBackends()) {
  describe(`lifecycle: purge, retention and legal holds (${backend.name})`, function () {
    this.timeout(20_000);
    let repo: StoreRepository;
    let config: CallwardenConfig;
    let dir: string;
    const out: string[] = [];
    const print = (l: string) => out.push(l);

    before(async () => {
      const knex = createStoreKnex(backend.dbOptions());
      repo = new StoreRepository(knex, { tablePrefix: backend.tablePrefix });
      await migrateLatest(knex, repo.tables);
      dir = mkdtempSync(join(tmpdir(), 'callwarden-purge-'));
      const db = backend.dbOptions();
      config = defaultsWith({
        store: { client: db.client, url: db.url ?? '', filename: db.filename ?? ':memory:', tablePrefix: backend.tablePrefix, outboxDir: join(dir, 'outbox') },
        recording: { directory: dir },
      });
    });
    after(async () => {
      await repo.knex.destroy();
      await backend.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    async function seed(callId: string, caller: string, group: string, retentionDays: number, content: string | 'directory'): Promise<string> {
      await repo.upsertCall({ callId, caller, destination: '5000', legs: [{ uuid: callId, number: caller }], group, startedAt: new Date(T0) });
      await repo.appendEvidence(callId, 'decision', { record: true });
      const path = join(dir, callId, '01-both.mp3');
      mkdirSync(join(dir, callId), { recursive: true });
      if (content === 'directory') mkdirSync(path);
      else writeFileSync(path, content);
      await repo.upsertRecording({
        id: `${callId}/01-both.mp3`, callId, filePath: path, format: 'mp3', channels: 'both', status: 'ok',
        startedAt: new Date(T0), stoppedAt: new Date(T0 + 60_000), durationMs: 60_000, bytes: content.length,
        sha256: createHash('sha256').update(content).digest('hex'), group, retentionDays,
        retentionUntil: new Date(T0 + 60_000 + retentionDays * DAY),
      });
      return path;
    }

    it('deletes by each group\'s retention, not before; a hold per number or call blocks it; receipts keep the chain verifying; failures are retried and shown', async () => {
      const short = await seed('c-short', '+49 30 1111111', 'hotline', 1, 'short retention audio');
      const held = await seed('c-held', 'sip:+49302222222@pbx', 'hotline', 1, 'held audio');
      const long = await seed('c-long', '+49 30 3333333', 'mifid', 3650, 'kept for years');
      const broken = await seed('c-broken', '+49 30 4444444', 'hotline', 1, 'directory');

      expect(await hold(config, { operands: ['add'], options: { number: '0049 (30) 222-2222', reason: 'court order 12/26', by: 'auditor' } }, print, at(0))).to.equal(0);
      expect(out.pop()).to.match(/^legal hold #\d+ on number \+49302222222/);

      // Day 0.5: nothing is due yet.
      out.length = 0;
      expect(await purge(config, { operands: [], options: { dryRun: true } }, print, at(0.5))).to.equal(0);
      expect(out).to.deep.equal(['0 recording(s) would be deleted, 0 on legal hold']);

      // Day 2, dry run: the table says what would happen, nothing is touched.
      out.length = 0;
      expect(await purge(config, { operands: [], options: { dryRun: true } }, print, at(2))).to.equal(0);
      expect(out[0]).to.match(/^OUTCOME\s+RECORDING\s+CALL\s+GROUP\s+TRIES\s+RULE/);
      expect(out.find((l) => l.includes('c-short'))).to.match(/^would delete .*retention: 1 day\(s\) \(group hotline\)/);
      expect(out.find((l) => l.includes('c-held'))).to.match(/^held .*legal hold #\d+ \(number \+49302222222: court order 12\/26\)/);
      expect(out.some((l) => l.includes('c-long'))).to.equal(false);
      expect(existsSync(short)).to.equal(true);

      // Day 2 for real.
      out.length = 0;
      expect(await purge(config, { operands: [], options: {} }, print, at(2))).to.equal(1); // one failure
      expect(existsSync(short)).to.equal(false);
      expect(existsSync(held)).to.equal(true);
      expect(existsSync(long)).to.equal(true);
      expect(out.find((l) => l.includes('c-broken'))).to.match(/^failed\s+\S+\s+c-broken\s+hotline\s+1\s+/);
      expect(out[out.length - 1]).to.equal('1 recording(s) deleted (receipts in their evidence), 1 on legal hold, 1 failed (retried on the next run)');

      const rec = await repo.getRecording('c-short/01-both.mp3');
      expect(rec).to.deep.include({ status: 'deleted', deletedAt: new Date(T0 + 2 * DAY).toISOString() });
      expect(rec!.deleteRule).to.match(/^retention: 1 day/);
      const evidence = await repo.listEvidence('c-short');
      const receipt = evidence.find((e) => e.kind === 'recording_deleted');
      expect(receipt?.detail).to.deep.include({
        recording: 'c-short/01-both.mp3',
        sha256: createHash('sha256').update('short retention audio').digest('hex'),
        deletedAt: new Date(T0 + 2 * DAY).toISOString(),
        personalFields: ['calls.caller', 'calls.destination', 'calls.legs'],
      });
      expect((await repo.verifyEvidence('c-short')).ok).to.equal(true);
      expect(await repo.getCall('c-short')).to.deep.include({ caller: null, destination: null, legs: [] });
      // The held call keeps its personal data as well.
      expect((await repo.getCall('c-held'))!.caller).to.equal('sip:+49302222222@pbx');

      // The failure is retried on the next run and counted; once the cause is gone it succeeds.
      out.length = 0;
      await purge(config, { operands: [], options: {} }, print, at(2.1));
      expect(out.find((l) => l.includes('c-broken'))).to.match(/^failed\s+\S+\s+c-broken\s+hotline\s+2\s+/);
      expect((await repo.getRecording('c-broken/01-both.mp3'))!.deleteAttempts).to.equal(2);
      rmSync(broken, { recursive: true });
      writeFileSync(broken, 'now a file');
      out.length = 0;
      expect(await purge(config, { operands: [], options: {} }, print, at(2.2))).to.equal(0);
      expect(out.find((l) => l.includes('c-broken'))).to.match(/^deleted/);
      expect(await repo.getRecording('c-broken/01-both.mp3')).to.deep.include({ status: 'deleted', deleteError: null });

      // Lifting the hold lets the next purge delete what it kept.
      out.length = 0;
      await hold(config, { operands: ['list'], options: {} }, print);
      const id = /#(\d+)/.exec(out.find((l) => l.includes('+49302222222'))!)![1]!;
      expect(await hold(config, { operands: ['remove', id], options: { by: 'auditor' } }, print, at(3))).to.equal(0);
      out.length = 0;
      await purge(config, { operands: [], options: {} }, print, at(3));
      expect(existsSync(held)).to.equal(false);
      expect((await repo.verifyEvidence('c-held')).ok).to.equal(true);
      out.length = 0;
      await hold(config, { operands: ['list'], options: { all: true } }, print);
      expect(out.join('\n')).to.match(/removed .* by auditor/);
    });

    it('a hold per call blocks a due deletion; a path outside the storage folder is never deleted', async () => {
      const path = await seed('c-callhold', '+49 30 5555555', 'hotline', 1, 'call hold audio');
      await hold(config, { operands: ['add'], options: { call: 'c-callhold', reason: 'complaint' } }, print, at(0));
      const outside = join(mkdtempSync(join(tmpdir(), 'callwarden-outside-')), 'victim.txt');
      writeFileSync(outside, 'not ours');
      await repo.upsertCall({ callId: 'c-evil', caller: '1', startedAt: new Date(T0) });
      await repo.upsertRecording({ id: 'c-evil/x', callId: 'c-evil', filePath: outside, format: 'mp3', channels: 'both', status: 'ok', retentionUntil: new Date(T0) });
      out.length = 0;
      await purge(config, { operands: [], options: {} }, print, at(10));
      expect(existsSync(path)).to.equal(true);
      expect(existsSync(outside)).to.equal(true);
      expect(out.find((l) => l.includes('c-callhold'))).to.match(/^held .*call c-callhold: complaint/);
      expect(out.find((l) => l.includes('c-evil'))).to.match(/^failed .*outside the storage directory/);
    });

    it('a row without terms (started by a run that did not know its group) falls back to the global retention from its stop', async () => {
      await repo.upsertCall({ callId: 'c-noterms', caller: '+49 30 6666666', startedAt: new Date(T0) });
      const path = join(dir, 'c-noterms.mp3');
      writeFileSync(path, 'no terms');
      await repo.upsertRecording({ id: 'c-noterms/x', callId: 'c-noterms', filePath: path, format: 'mp3', channels: 'both', status: 'ok', stoppedAt: new Date(T0) });
      out.length = 0;
      await purge(config, { operands: [], options: { dryRun: true } }, print, at(config.recording.retentionDays - 1));
      expect(out.some((l) => l.includes('c-noterms'))).to.equal(false);
      await purge(config, { operands: [], options: {} }, print, at(config.recording.retentionDays + 1));
      expect(out.find((l) => l.includes('c-noterms'))).to.match(new RegExp(`^deleted .*retention: ${config.recording.retentionDays} day\\(s\\) \\(group global\\)`));
      expect(existsSync(path)).to.equal(false);
    });

    it('refuses holds without a reason or on something that is not a number', async () => {
      const notNumber = await hold(config, { operands: ['add'], options: { number: 'abc', reason: 'x' } }, print).then(() => undefined, (e: Error) => e);
      expect(notNumber?.message).to.match(/not a phone number/);
      const noReason = await hold(config, { operands: ['add'], options: { call: 'c1' } }, print).then(() => undefined, (e: Error) => e);
      expect(noReason?.name).to.equal('UsageError');
    });
  });
}

