// `callwarden users`, `agents`, `passwd` and `audit` as an operator runs them: real processes, the password on stdin.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStoreKnex, StoreRepository } from '../../src/store';
import { TableAccessLog, UserDirectory, verifyPassword } from '../../src/web';

const CLI = join(__dirname, '..', '..', 'src', 'cli.js');
const PASSWORD = 'correct horse battery staple';

function cli(dbFile: string, args: string[], input = ''): { code: number; out: string; err: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, NODE_ENV: 'development', CALLWARDEN_DB_FILE: dbFile, CALLWARDEN_LOG_LEVEL: 'error' },
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
      expect(cli(dbFile, ['agents', 'revoke', '1001']).code).to.equal(1);
    } finally {
      await knex.destroy();
    }
  });

  it('prints the access log and the login audit with `audit`', async () => {
    const knex = createStoreKnex({ client: 'better-sqlite3', filename: dbFile });
    try {
      const tables = new StoreRepository(knex).tables;
      await new TableAccessLog(knex, tables).append({ user: 'anna', action: 'download', callId: 'c0ffee00-0000-4000-8000-000000000001', recordingId: 'c0ffee00-0000-4000-8000-000000000001/01-both.wav', address: '10.0.0.5' });
      await new UserDirectory(knex, tables).authEvent('locked_out', 'anna', '10.0.0.9', 'basic');
    } finally {
      await knex.destroy();
    }
    const all = cli(dbFile, ['audit', '--since', '1h']);
    expect(all.out).to.match(/anna\s+download\s+c0ffee00-0000-4000-8000-000000000001 \(01-both\.wav\) from 10\.0\.0\.5/);
    expect(all.out).to.match(/anna\s+locked_out\s+basic from 10\.0\.0\.9/);
    expect(cli(dbFile, ['audit', '--since', '1h', '--user', 'nobody']).out).to.include('0 access(es), 0 login event(s)');
  });
});
