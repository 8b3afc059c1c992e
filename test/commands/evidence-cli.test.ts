// `callwarden evidence` (one call, --all) and `callwarden audit` as an operator runs them, with a key from the environment and the daemon's anchor file.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainAnchor, createStoreKnex, EvidenceKeyring, migrateLatest, StoreRepository } from '../../src/store';

const CLI = join(__dirname, '..', '..', 'src', 'cli.js');
const KEY = 'cli-test-evidence-key-00000000000000000000';

describe('callwarden evidence / audit', function () {
  // Each test spawns the CLI up to three times (a node start each): generous, not a timing.
  this.timeout(60_000);
  let dir: string;
  let dbFile: string;
  let anchorFile: string;
  let knex: ReturnType<typeof createStoreKnex>;
  let repo: StoreRepository;
  let anchor: ChainAnchor;

  function cli(args: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } {
    const run = spawnSync(process.execPath, [CLI, ...args], {
      env: { ...process.env, NODE_ENV: 'development', CALLWARDEN_DB_FILE: dbFile, CALLWARDEN_EVIDENCE_KEY: KEY, CALLWARDEN_EVIDENCE_KEY_ID: 'k1', CALLWARDEN_EVIDENCE_ANCHOR_FILE: anchorFile, CALLWARDEN_LOG_LEVEL: 'error', ...env },
      encoding: 'utf8',
    });
    return { code: run.status ?? -1, out: run.stdout, err: run.stderr };
  }

  async function call(callId: string, caller: string): Promise<void> {
    await repo.upsertCall({ callId, caller, destination: '5000', startedAt: new Date(), endedAt: new Date() });
    await repo.appendEvidence(callId, 'call_accepted', { group: 'hotline', caller });
    await repo.appendEvidence(callId, 'decision', { record: true, reason: 'the caller agreed with DTMF 1' });
    await repo.closeEvidence(callId);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cw-evcli-'));
    dbFile = join(dir, 'callwarden.sqlite');
    anchorFile = join(dir, 'anchors.jsonl');
    knex = createStoreKnex({ client: 'better-sqlite3', filename: dbFile });
    const keys = new EvidenceKeyring('k1', { k1: KEY });
    anchor = await ChainAnchor.open(anchorFile, { keys });
    repo = new StoreRepository(knex, { sealing: { keys, anchor } });
    await migrateLatest(knex, repo.tables);
    await call('c-ok', '+49301111');
    await call('c-erased', '+49302222');
  });
  after(async () => {
    await anchor.close();
    await knex.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies a sealed, anchored call (exit 0) and breaks without the key (exit 3)', () => {
    const ok = cli(['evidence', 'c-ok']);
    expect(ok.code, ok.out + ok.err).to.equal(0);
    expect(ok.out).to.match(/evidence chain verifies: 2 row\(s\) sealed \(HMAC-SHA-256, key k1\), chain and head intact, anchored at seq 2/);
    const keyless = cli(['evidence', 'c-ok'], { CALLWARDEN_EVIDENCE_KEY: '' });
    expect(keyless.code).to.equal(3);
    expect(keyless.out).to.match(/not configured here/);
  });

  it('still verifies after the caller\'s data is erased, and shows no number any more', async () => {
    await repo.pseudonymiseCall('c-erased', { pseudonym: 'subject-1', reason: 'Art. 17 request', by: 'dpo' });
    const run = cli(['evidence', 'c-erased']);
    expect(run.code, run.out).to.equal(0);
    expect(run.out).not.to.contain('+49302222');
    expect(run.out).to.contain('personal_data_erased');
    expect(run.out).to.match(/evidence chain verifies: 3 row\(s\)/);
  });

  it('audit prints the sealed access log, filtered by user and call', async () => {
    await repo.accessLog.append({ user: 'anna', action: 'listen', callId: 'c-ok', address: '192.0.2.7' });
    await repo.accessLog.append({ user: 'ben', action: 'download', callId: 'c-erased', address: '192.0.2.8' });
    const all = cli(['audit', '--since', '1h']);
    expect(all.code, all.out + all.err).to.equal(0);
    expect(all.out).to.match(/anna\s+listen\s+call c-ok\s+from 192\.0\.2\.7/);
    expect(all.out).to.match(/access log verifies: 2 row\(s\), sealed \(key k1\), anchored at seq 2/);
    const ben = cli(['audit', '--since', '1h', '--user', 'ben']);
    expect(ben.out).to.match(/1 access\(es\)/);
    expect(ben.out).not.to.contain('anna');
    expect(cli(['audit', '--since', '1h', '--call', 'c-ok']).out).to.match(/1 access\(es\) .* on call c-ok/);
  });

  it('--all verifies every call since a time and summarises; a deleted chain makes it exit 3', async () => {
    const good = cli(['evidence', '--all', '--since', '1h']);
    expect(good.code, good.out).to.equal(0);
    expect(good.out).to.match(/2 call\(s\), 2 verify, 0 BROKEN/);
    await knex(repo.tables.consentEvents).where({ call_id: 'c-ok' }).delete();
    await knex(repo.tables.consentChainHeads).where({ call_id: 'c-ok' }).delete();
    await knex(repo.tables.calls).where({ call_id: 'c-ok' }).delete();
    const bad = cli(['evidence', '--all', '--since', '1h']);
    expect(bad.code).to.equal(3);
    expect(bad.out).to.match(/BROKEN\s+c-ok\s+.*anchor file recorded seq 2/);
    expect(bad.out).to.match(/2 call\(s\), 1 verify, 1 BROKEN/);
  });
});
