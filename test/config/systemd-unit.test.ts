// The shipped systemd unit runs the real command, as a dedicated user, hardened, restarted on failure.

import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const unit = readFileSync(join(ROOT, 'deploy', 'systemd', 'callwarden.service'), 'utf8');
const values = (key: string): string[] => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);

describe('deploy/systemd/callwarden.service', () => {
  it('starts `callwarden run` after `check-config`, from the built CLI', () => {
    expect(values('ExecStart')).to.deep.equal(['/usr/bin/node /opt/callwarden/dist/src/cli.js run']);
    expect(values('ExecStartPre')).to.deep.equal(['/usr/bin/node /opt/callwarden/dist/src/cli.js check-config --quiet']);
    // The path the unit names is the one `make build` produces.
    expect(existsSync(join(ROOT, 'dist', 'src', 'cli.js'))).to.equal(true);
  });

  it('runs as its own user with its settings directory and a secrets file, restarting on failure', () => {
    expect(values('User')).to.deep.equal(['callwarden']);
    expect(values('Environment')).to.include('NODE_CONFIG_DIR=/etc/callwarden');
    expect(values('EnvironmentFile')).to.deep.equal(['-/etc/callwarden/callwarden.env']);
    expect(values('Restart')).to.deep.equal(['on-failure']);
  });

  it('is hardened: no new privileges, read-only system, no capabilities', () => {
    for (const [key, value] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['CapabilityBoundingSet', ''],
    ] as const) {
      expect(values(key), key).to.deep.equal([value]);
    }
  });
});
