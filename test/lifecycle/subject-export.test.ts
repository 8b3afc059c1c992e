// Data-subject export on both databases: every call about a number in any spelling, its files (hashed as copied), evidence, and nothing about other numbers.

import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subject } from '../../src/commands/subject';
import { defaultsWith } from '../../src/config';
import { createStoreKnex, migrateLatest, StoreRepository } from '../../src/store';
import { selectBackends } from '../store/test-backends';

for (const backend of selectBackends()) {
  describe(`lifecycle: subject export (${backend.name})`, function () {
    this.timeout(20_000);
    it('finds the number as caller or destination in any spelling, copies its files with their SHA-256, lists deleted and missing ones', async () => {
      const knex = createStoreKnex(backend.dbOptions());
      const repo = new StoreRepository(knex, { tablePrefix: backend.tablePrefix });
      const dir = mkdtempSync(join(tmpdir(), 'callwarden-subject-'));
      try {
        await migrateLatest(knex, repo.tables);
        const t = new Date('2026-02-01T09:00:00Z');
        await repo.upsertCall({ callId: 'a1', caller: '+49 30 7654321', destination: '5000', startedAt: t });
        await repo.upsertCall({ callId: 'a2', caller: '1001', destination: 'sip:004930-7654321@pbx', startedAt: new Date(t.getTime() + 1000) });
        await repo.upsertCall({ callId: 'b1', caller: '+49 40 7654321', destination: '5000', startedAt: t }); // same tail, other number
        await repo.appendEvidence('a1', 'decision', { record: true });
        await repo.accessLog.append({ user: 'anna', action: 'listen', callId: 'a1', recordingId: 'a1/01-both.mp3', address: '127.0.0.1', at: t });
        await repo.accessLog.append({ user: 'anna', action: 'listen', callId: 'b1', address: '127.0.0.1', at: t });
        mkdirSync(join(dir, 'rec', 'a1'), { recursive: true });
        writeFileSync(join(dir, 'rec', 'a1', '01-both.mp3'), 'audio-a1');
        const sha = createHash('sha256').update('audio-a1').digest('hex');
        await repo.upsertRecording({ id: 'a1/01-both.mp3', callId: 'a1', filePath: join(dir, 'rec', 'a1', '01-both.mp3'), format: 'mp3', channels: 'both', status: 'ok', sha256: sha });
        await repo.upsertRecording({ id: 'a1/02-both.mp3', callId: 'a1', filePath: join(dir, 'rec', 'a1', '02-both.mp3'), format: 'mp3', channels: 'both', status: 'ok', segment: 2 });
        await repo.upsertRecording({ id: 'a2/01-both.mp3', callId: 'a2', filePath: join(dir, 'rec', 'a2', '01-both.mp3'), format: 'mp3', channels: 'both', status: 'deleted', deleteRule: 'retention: 1 day(s)' });
        const db = backend.dbOptions();
        const config = defaultsWith({ store: { client: db.client, url: db.url ?? '', filename: db.filename ?? ':memory:', tablePrefix: backend.tablePrefix, outboxDir: join(dir, 'outbox') }, recording: { directory: join(dir, 'rec') } });
        const out: string[] = [];
        const target = join(dir, 'export');
        expect(await subject(config, { operands: ['export', '+49 30 765 4321'], options: { out: target } }, (l) => out.push(l), () => t)).to.equal(0);
        expect(out[0]).to.equal(`2 call(s) about +49307654321: 1 recording file(s) copied, 1 missing on disk; manifest ${join(target, 'manifest.json')}`);
        const manifest = JSON.parse(readFileSync(join(target, 'manifest.json'), 'utf8'));
        expect(manifest.subject).to.equal('+49307654321');
        expect(manifest.calls.map((c: { callId: string }) => c.callId)).to.deep.equal(['a1', 'a2']);
        expect(manifest.calls[0].evidenceVerifies).to.equal(true);
        // Who listened to this subject's call is part of the answer; others' calls are not.
        expect(manifest.calls.map((c: { accessLogEntries: number }) => c.accessLogEntries)).to.deep.equal([1, 0]);
        const a1 = JSON.parse(readFileSync(join(target, 'a1.json'), 'utf8'));
        expect(a1.accessLog).to.have.length(1);
        expect(a1.accessLog[0]).to.include({ user: 'anna', action: 'listen', callId: 'a1', recordingId: 'a1/01-both.mp3' });
        expect(manifest.calls[0].files[0]).to.deep.equal({ recording: 'a1/01-both.mp3', file: 'recordings/a1-01-both.mp3', sha256: sha, matchesRecorded: true });
        expect(manifest.calls[0].files[1].status).to.match(/^missing/);
        expect(manifest.calls[1].files[0]).to.deep.include({ status: 'deleted', rule: 'retention: 1 day(s)' });
        expect(readFileSync(join(target, 'recordings', 'a1-01-both.mp3'), 'utf8')).to.equal('audio-a1');
        expect(JSON.parse(readFileSync(join(target, 'a1.json'), 'utf8')).evidence).to.have.length(1);
        expect(existsSync(join(target, 'b1.json'))).to.equal(false);
      } finally {
        await knex.destroy();
        await backend.cleanup();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
