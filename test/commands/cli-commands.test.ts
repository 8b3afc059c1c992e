// The command line itself: --help everywhere, exit codes, read-only commands that never create a database, check-config.

import { expect } from 'chai';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../src/commands';
import { PACKAGE_DIR } from '../../src/config';
import { runCli, TEST_CONFIG_DIR } from '../support/cli';

const tmp = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

describe('callwarden command line', function () {
  this.timeout(60_000);

  it('has --help for every command of the table, naming its options and exit codes', () => {
    const top = runCli(['--help']);
    expect(top.code).to.equal(0);
    for (const command of COMMANDS) {
      expect(top.out, command.name).to.match(new RegExp(`^  ${command.name}\\b`, 'm'));
      const help = runCli([command.name, '--help']);
      expect(help.code, command.name).to.equal(0);
      expect(help.out, command.name).to.contain(`Usage: callwarden ${command.name}`);
      expect(help.out, command.name).to.contain('Exit codes:');
      for (const o of command.options ?? []) expect(help.out, `${command.name} ${o.flags}`).to.contain(o.flags.split(' ').pop()!.startsWith('<') ? o.flags.split(' ')[0]! : o.flags);
      for (const code of Object.keys(command.exitCodes ?? {})) expect(help.out, `${command.name} exit ${code}`).to.match(new RegExp(`^  ${code} `, 'm'));
    }
  });

  it('exits 2 on a wrong command line, naming what is wrong', () => {
    expect(runCli(['nonsense'])).to.include({ code: 2 });
    expect(runCli(['nonsense']).err).to.match(/unknown command 'nonsense'/);
    expect(runCli(['calls', '--bogus']).err).to.match(/unknown option '--bogus'/);
    expect(runCli(['calls', '--bogus']).code).to.equal(2);
    expect(runCli(['evidence']).code).to.equal(2);
    expect(runCli(['evidence', 'a', 'b']).code).to.equal(2);
  });

  it('read-only commands (and purge) never create a database: they name the file they looked for (exit 1)', () => {
    const dir = tmp('cw-nodb-');
    const dbFile = join(dir, 'nested', 'callwarden.sqlite');
    for (const args of [['calls'], ['calls', '--json'], ['evidence', 'some-call'], ['purge', '--dry-run']]) {
      const run = runCli(args, { CALLWARDEN_DB_FILE: dbFile });
      expect(run.code, args.join(' ')).to.equal(1);
      expect(run.err, args.join(' ')).to.contain(`no database at ${dbFile}`);
      expect(run.out, args.join(' ')).not.to.match(/not handled by callwarden/);
    }
    expect(existsSync(dbFile)).to.equal(false);
    expect(existsSync(join(dir, 'nested'))).to.equal(false);
  });

  it('resolves a relative database path against the package, not the directory it is started in', () => {
    const configDir = tmp('cw-conf-');
    writeFileSync(join(configDir, 'local.json'), JSON.stringify({ store: { filename: './data/elsewhere-test.sqlite' } }));
    const cwd = tmp('cw-cwd-');
    const run = runCli(['check-config'], { NODE_CONFIG_DIR: configDir }, cwd);
    expect(run.code, run.err).to.equal(0);
    expect(run.out).to.contain(`database: SQLite ${join(PACKAGE_DIR, 'data', 'elsewhere-test.sqlite')} (not created yet)`);
    expect(existsSync(join(cwd, 'data'))).to.equal(false);
  });

  it('check-config: reads the package defaults, then only the given directory (never the package config/local.json)', () => {
    const run = runCli(['check-config']);
    expect(run.code, run.err).to.equal(0);
    expect(run.out).to.contain('configuration valid');
    expect(run.out).to.contain(`directories: ${TEST_CONFIG_DIR}`);
    expect(run.out).to.contain(`files read:  ${join(PACKAGE_DIR, 'config', 'default.json')}, ${join(TEST_CONFIG_DIR, 'test.json')}\n`);
    expect(run.out).to.contain('warning: nothing will be recorded until recording.legalNoticeAcknowledged is true');
    expect(runCli(['check-config', '--quiet']).out).to.equal('');
  });

  it('check-config: every mistake with its key, exit 1; secrets from the environment are not echoed', () => {
    const configDir = tmp('cw-conf-');
    writeFileSync(join(configDir, 'local.json'), JSON.stringify({ esl: { format: 'xml' } }));
    const run = runCli(['check-config'], { NODE_CONFIG_DIR: configDir, CALLWARDEN_ESL_PORT: 'not-a-port-s3cret' });
    expect(run.code).to.equal(1);
    expect(run.err).to.contain('CALLWARDEN_ESL_PORT (esl.port): must be a number');
    expect(run.err).not.to.contain('s3cret');
    const bad = runCli(['check-config'], { NODE_CONFIG_DIR: configDir });
    expect(bad.code).to.equal(1);
    expect(bad.err).to.contain('esl.format: must be equal to one of the allowed values');
    // Rules across keys are checked once the shapes are right.
    writeFileSync(join(configDir, 'local.json'), JSON.stringify({ coaching: { supervisors: { '2001': {} } } }));
    const noRights = runCli(['check-config'], { NODE_CONFIG_DIR: configDir });
    expect(noRights.code).to.equal(1);
    expect(noRights.err).to.contain('coaching.supervisors.2001: give extensions or groups (or both)');
  });

  it('check-config: several FreeSWITCH nodes are listed one by one; a name given twice is refused with its key', () => {
    const configDir = tmp('cw-conf-');
    writeFileSync(join(configDir, 'local.json'), JSON.stringify({ esl: { password: 's3cret-pw', nodes: [{ name: 'fs-a', host: '127.0.0.1', port: 8021 }, { name: 'fs-b', host: '10.0.0.2', password: 'ClueCon' }] } }));
    const run = runCli(['check-config'], { NODE_CONFIG_DIR: configDir });
    expect(run.code, run.err).to.equal(0);
    expect(run.out).to.contain('FreeSWITCH event socket of node fs-a: 127.0.0.1:8021 (json), password set');
    expect(run.out).to.contain("FreeSWITCH event socket of node fs-b: 10.0.0.2:8021 (json), password FreeSWITCH's default ClueCon");
    expect(run.out).to.contain("warning: the event socket password of node fs-b is FreeSWITCH's default ClueCon on a non-local host (10.0.0.2)");
    expect(run.out).to.contain('warning: node fs-b (10.0.0.2) is not in outbound.allowedPeers');
    expect(run.out).not.to.contain('warning: node fs-a');
    expect(run.out).not.to.contain('s3cret-pw');
    writeFileSync(join(configDir, 'local.json'), JSON.stringify({ esl: { nodes: [{ name: 'fs-a', host: '10.0.0.1' }, { name: 'fs-a', host: '10.0.0.2' }, { name: 'fs-c' }] } }));
    const bad = runCli(['check-config'], { NODE_CONFIG_DIR: configDir });
    expect(bad.code).to.equal(1);
    expect(bad.err).to.contain('esl.nodes.2.host: is missing');
    writeFileSync(join(configDir, 'local.json'), JSON.stringify({ esl: { nodes: [{ name: 'fs-a', host: '10.0.0.1' }, { name: 'fs-a', host: '10.0.0.2' }] } }));
    const twice = runCli(['check-config'], { NODE_CONFIG_DIR: configDir });
    expect(twice.code).to.equal(1);
    expect(twice.err).to.contain('esl.nodes.1.name: "fs-a" is already the name of esl.nodes.0');
  });

  it('--config-dir names the operator directory like NODE_CONFIG_DIR', () => {
    const configDir = tmp('cw-conf-');
    writeFileSync(join(configDir, 'local.json'), JSON.stringify({ node: 'from-config-dir' }));
    const run = runCli(['--config-dir', configDir, 'check-config']);
    expect(run.code, run.err).to.equal(0);
    expect(run.out).to.contain('node: from-config-dir');
    expect(run.out).to.contain(join(configDir, 'local.json'));
  });
});
