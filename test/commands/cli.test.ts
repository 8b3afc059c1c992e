// The `callwarden` command as a user runs it: migrate, calls, evidence — and a tampered row is reported.

import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStoreKnex, migrateLatest, StoreRepository } from '../../src/store';
import { parseSince } from '../../src/commands/calls';
import { runCli, type CliRun } from '../support/cli';

const recordingsDir = mkdtempSync(join(tmpdir(), 'cw-cli-rec-'));

function cli(dbFile: string, ...args: string[]): CliRun {
  return runCli(args, { CALLWARDEN_DB_FILE: dbFile, CALLWARDEN_RECORDING_DIR: recordingsDir });
}

describe('callwarden CLI', function () {
  this.timeout(20_000);
  let dbFile: string;
  let repo: StoreRepository;
  let knex: ReturnType<typeof createStoreKnex>;

  before(async () => {
    dbFile = join(mkdtempSync(join(tmpdir(), 'cw-cli-')), 'callwarden.sqlite');
    expect(cli(dbFile, 'migrate').out).to.match(/applied 0001/);
    knex = createStoreKnex({ client: 'better-sqlite3', filename: dbFile });
    repo = new StoreRepository(knex);
    await migrateLatest(knex, repo.tables);
    const started = new Date(Date.now() - 60_000).toISOString();
    await repo.upsertCall({ callId: 'call-ok', caller: '+49301234567', destination: '5000', agentExtension: '1001', group: 'hotline', startedAt: started, endedAt: new Date().toISOString(), hangupCause: 'NORMAL_CLEARING' });
    await repo.appendEvidence('call-ok', 'prompt_played', { file: 'consent-de.wav' });
    await repo.appendEvidence('call-ok', 'digit_pressed', { digit: '9' });
    await repo.appendEvidence('call-ok', 'decision', { record: false, reason: 'caller objected with DTMF 9 at the consent prompt' });
    await repo.upsertCall({ callId: 'call-tampered', caller: '+4940555', destination: '5000', startedAt: started });
    await repo.appendEvidence('call-tampered', 'digit_pressed', { digit: '9' });
    await repo.appendEvidence('call-tampered', 'decision', { record: false, reason: 'caller objected' });
    await repo.appendEvidence('call-tampered', 'command_sent', { command: 'none' });
  });
  after(async () => {
    await knex.destroy();
  });

  it('says the schema is up to date on a second migrate', () => {
    expect(cli(dbFile, 'migrate').out).to.match(/schema already up to date/);
  });

  it('lists calls since a time, as a table and as JSON lines', () => {
    const table = cli(dbFile, 'calls', '--since', '1h');
    expect(table.code).to.equal(0);
    expect(table.out).to.match(/call-ok\s+\+49301234567\s+5000\s+1001\s+hotline\s+60\.0\s+NORMAL_CLEARING/);
    expect(table.out).to.match(/2 call\(s\) since/);
    const json = cli(dbFile, 'calls', '--since', '1h', '--json').out.trim().split('\n').map((l) => JSON.parse(l));
    expect(json.map((c) => c.callId)).to.have.members(['call-ok', 'call-tampered']);
    const bad = cli(dbFile, 'calls', '--since', 'yesterday');
    expect(bad.code).to.equal(2);
    expect(bad.err).to.match(/use e\.g\. 90m, 24h, 7d/);
  });

  it('prints an intact evidence chain with the reasons and exits 0', () => {
    const run = cli(dbFile, 'evidence', 'call-ok');
    expect(run.code).to.equal(0);
    expect(run.out).to.contain('caller objected with DTMF 9 at the consent prompt');
    expect(run.out).to.match(/evidence chain verifies: 3 row\(s\)/);
  });

  it('reports a tampered row with its position and exits 3', async () => {
    await knex(repo.tables.consentEvents).where({ call_id: 'call-tampered', seq: 2 }).update({ detail: JSON.stringify({ record: true, reason: 'caller consented' }) });
    const run = cli(dbFile, 'evidence', 'call-tampered');
    expect(run.code).to.equal(3);
    expect(run.out).to.match(/EVIDENCE CHAIN BROKEN at row 2/);
  });

  it('reports a deleted row and exits 3', async () => {
    await knex(repo.tables.consentEvents).where({ call_id: 'call-ok', seq: 2 }).delete();
    const run = cli(dbFile, 'evidence', 'call-ok');
    expect(run.code).to.equal(3);
    expect(run.out).to.match(/EVIDENCE CHAIN BROKEN at row 2/);
  });

  it('says a call without evidence was not handled by callwarden (exit 4)', () => {
    const run = cli(dbFile, 'evidence', 'no-such-call');
    expect(run.code).to.equal(4);
    expect(run.out).to.match(/no consent evidence/);
  });

  it('purges recordings past their retention date: file gone, row kept as deleted', async () => {
    const old = join(recordingsDir, 'call-ok', '01-both.wav');
    const fresh = join(recordingsDir, 'call-ok', '02-both.wav');
    mkdirSync(join(recordingsDir, 'call-ok'), { recursive: true });
    writeFileSync(old, 'RIFF');
    writeFileSync(fresh, 'RIFF');
    const base = { callId: 'call-ok', format: 'wav' as const, channels: 'both' as const, status: 'ok' as const };
    await repo.upsertRecording({ ...base, id: 'rec-old', filePath: old, segment: 1, retentionUntil: new Date(Date.now() - 1000).toISOString() });
    await repo.upsertRecording({ ...base, id: 'rec-fresh', filePath: fresh, segment: 2, retentionUntil: new Date(Date.now() + 86_400_000).toISOString() });
    const dry = cli(dbFile, 'purge', '--dry-run');
    expect(dry.out).to.match(/would delete\s+rec-old\s+call-ok/);
    expect(dry.out).to.not.match(/rec-fresh/);
    expect(existsSync(old)).to.equal(true);
    const run = cli(dbFile, 'purge');
    expect(run.code).to.equal(0);
    expect(run.out).to.match(/1 recording\(s\) deleted \(receipts in their evidence\), 0 on legal hold, 0 failed/);
    expect(existsSync(old)).to.equal(false);
    expect(existsSync(fresh)).to.equal(true);
    expect((await repo.getRecording('rec-old'))?.status).to.equal('deleted');
    expect((await repo.getRecording('rec-fresh'))?.status).to.equal('ok');
  });

  it('parses --since as relative or absolute time', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    expect(parseSince('90m', now).toISOString()).to.equal('2026-11-22T10:30:00.000Z');
    expect(parseSince('7d', now).toISOString()).to.equal('2026-11-15T12:00:00.000Z');
    expect(parseSince('2026-11-22T10:00:00Z').toISOString()).to.equal('2026-11-22T10:00:00.000Z');
  });
});
