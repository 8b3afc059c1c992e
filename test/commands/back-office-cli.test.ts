// `callwarden users`, `agents`, `passwd` and the web's accesses in `audit` as an operator runs them: real processes, the password on stdin.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStoreKnex, EvidenceKeyring, StoreRepository } from '../../src/store';
import { UserDirectory, verifyPassword } from '../../src/web';
import { CLI, cliEnv } from '../support/cli';

const PASSWORD = 'correct horse battery staple';
const KEY = 'back-office-cli-test-key-000000000000';

function cli(dbFile: string, args: string[], input = ''): { code: number; out: string; err: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    env: cliEnv({ CALLWARDEN_DB_FILE: dbFile, CALLWARDEN_EVIDENCE_KEY: KEY, CALLWARDEN_EVIDENCE_KEY_ID: 'k1' }),
    input,
    encoding: 'utf8',
  });
  return { code: run.status ?? -1, out: run.stdout, err: run.stderr };
}

describe('callwarden users / agents / passwd / audit', function () {
  this.timeout(60_000);
  const dbFile = join(mkdtempSync(join(tmpdir(), 'cw-bo-cli-')), 'callwarden.sqlite');

  it('adds users with a hashed password from stdin, lists, changes and disables them', async () => {
    const added = cli(dbFile, ['users', 'add', 'anna', '--role', 'supervisor', '--groups', 'sales,hotline', '--extension', '2001'], `${PASSWORD}\n`);
    expect(added.code, added.err).to.equal(0);
    expect(added.out).to.include('user anna added (supervisor, groups sales,hotline, extension 2001)');
    expect(cli(dbFile, ['users', 'add', 'anna', '--role', 'admin'], `${PASSWORD}\n`).err).to.include('exists already');
    expect(cli(dbFile, ['users', 'add', 'bob', '--role', 'root'], `${PASSWORD}\n`).err).to.include('--role must be one of admin, supervisor, auditor');
    expect(cli(dbFile, ['users', 'add', 'bob', '--role', 'admin'], 'short\n').err).to.include('at least 12 characters');

    const knex = createStoreKnex({ client: 'better-sqlite3', filename: dbFile });
    try {
      const users = new UserDirectory(knex, new StoreRepository(knex).tables);
      const anna = await users.findByName('anna');
      expect(anna?.passwordHash).to.match(/^scrypt\$/);
      expect(anna?.passwordHash).to.not.include(PASSWORD);
      expect(await verifyPassword(PASSWORD, anna!.passwordHash)).to.equal(true);

      expect(cli(dbFile, ['users', 'list']).out).to.match(/anna\s+supervisor\s+sales,hotline\s+2001\s+active/);
      const listed = cli(dbFile, ['users', 'list', '--json']);
      expect(JSON.parse(listed.out.trim())).to.deep.equal({ name: 'anna', role: 'supervisor', groups: ['sales', 'hotline'], extension: '2001', disabled: false });
      expect(listed.out).to.not.include('scrypt');
      // A wrong line is a usage error (2), before the database is touched.
      expect(cli(dbFile, ['users', 'list', '--role', 'admin']).code).to.equal(2);
      expect(cli(dbFile, ['users', 'frobnicate']).code).to.equal(2);
      expect(cli(dbFile, ['users', 'passwd', 'anna'], 'another long password\n').code).to.equal(0);
      expect(await verifyPassword('another long password', (await users.findByName('anna'))!.passwordHash)).to.equal(true);
      expect(cli(dbFile, ['users', 'disable', 'anna']).out).to.include('user anna disabled');
      expect((await users.findByName('anna'))?.disabled).to.equal(true);
    } finally {
      await knex.destroy();
    }
  });

  it('prints a scrypt hash with `passwd`', async () => {
    const run = cli(dbFile, ['passwd'], `${PASSWORD}\n`);
    expect(run.code).to.equal(0);
    expect(await verifyPassword(PASSWORD, run.out.trim())).to.equal(true);
  });

  it('enters, lists and revokes an agent\'s consent, recording who did it; the policies\' lookup follows', async () => {
    const entered = cli(dbFile, ['agents', 'consent', '1001', '--signed', '2026-11-01', '--document', 'HR-2026-117']);
    expect(entered.code, entered.err).to.equal(0);
    expect(cli(dbFile, ['agents', 'consent', '1001', '--signed', 'yesterday', '--document', 'x']).err).to.include('--signed');
    expect(cli(dbFile, ['agents', 'list']).out).to.match(/1001\s+2026-11-01\s+HR-2026-117\s+by cli:\S+\s+in force/);
    const knex = createStoreKnex({ client: 'better-sqlite3', filename: dbFile });
    try {
      const repository = new StoreRepository(knex);
      expect((await repository.getAgentConsent('1001'))?.documentRef).to.equal('HR-2026-117');
      expect(cli(dbFile, ['agents', 'revoke', '1001']).code).to.equal(0);
      expect(await repository.getAgentConsent('1001')).to.equal(undefined);
      expect(cli(dbFile, ['agents', 'list']).out).to.match(/revoked \S+ by cli:/);
      expect(cli(dbFile, ['agents', 'revoke', '1001']).code).to.equal(3);
      expect(JSON.parse(cli(dbFile, ['agents', 'list', '--json']).out.trim())).to.include({ extension: '1001', documentRef: 'HR-2026-117' });
    } finally {
      await knex.destroy();
    }
  });

  it("shows the back office's accesses in `audit`: the sealed access log the web server writes, and it verifies", async () => {
    const knex = createStoreKnex({ client: 'better-sqlite3', filename: dbFile });
    try {
      // What src/web does before serving a download: one sealed row under the daemon's key.
      const repository = new StoreRepository(knex, { sealing: { keys: new EvidenceKeyring('k1', { k1: KEY }) } });
      await repository.accessLog.append({ user: 'anna', action: 'download', callId: 'c0ffee00-0000-4000-8000-000000000001', recordingId: 'c0ffee00-0000-4000-8000-000000000001/01-both.wav', address: '10.0.0.5' });
    } finally {
      await knex.destroy();
    }
    const all = cli(dbFile, ['audit', '--since', '1h']);
    expect(all.code, all.err).to.equal(0);
    expect(all.out).to.match(/anna\s+download\s+call c0ffee00-0000-4000-8000-000000000001 rec c0ffee00-0000-4000-8000-000000000001\/01-both\.wav\s+from 10\.0\.0\.5/);
    expect(all.out).to.match(/access log verifies: 1 row\(s\), sealed \(key k1\)/);
    expect(cli(dbFile, ['audit', '--since', '1h', '--user', 'nobody']).out).to.include('0 access(es)');
  });
});
