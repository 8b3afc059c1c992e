// The pure parts of the web server: byte ranges, login backoff, password hashes, who sees which call.

import { expect } from 'chai';
import fc from 'fast-check';
import { parseRange } from '../../src/web/byte-range';
import { LoginThrottle } from '../../src/web/login-throttle';
import { hashPassword, isPasswordHash, verifyPassword } from '../../src/web/password-hash';
import { inScope, scopeOf, type WebUser } from '../../src/web/web-roles';

describe('web: byte ranges', () => {
  it('any header yields the whole file, a part inside the file, or unsatisfiable — never bytes outside it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.tuple(fc.nat(5000), fc.nat(5000)).map(([a, b]) => `bytes=${a}-${b}`), fc.nat(5000).map((n) => `bytes=-${n}`), fc.nat(5000).map((n) => `bytes=${n}-`)), fc.nat(4000), (header, size) => {
        const r = parseRange(header, size);
        if (r.kind !== 'part') return true;
        return r.start >= 0 && r.start <= r.end && r.end < size;
      }),
    );
  });

  it('follows RFC 9110 for the usual forms', () => {
    expect(parseRange(undefined, 100)).to.deep.equal({ kind: 'whole' });
    expect(parseRange('bytes=0-9', 100)).to.deep.equal({ kind: 'part', start: 0, end: 9 });
    expect(parseRange('bytes=90-200', 100)).to.deep.equal({ kind: 'part', start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).to.deep.equal({ kind: 'part', start: 90, end: 99 });
    expect(parseRange('bytes=100-', 100)).to.deep.equal({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=5-3', 100)).to.deep.equal({ kind: 'whole' });
    expect(parseRange('bytes=0-1,5-6', 100)).to.deep.equal({ kind: 'whole' });
    expect(parseRange('items=0-1', 100)).to.deep.equal({ kind: 'whole' });
  });
});

describe('web: login backoff', () => {
  const config = { threshold: 3, baseDelayMs: 1000, maxDelayMs: 8000 };

  it('lets `threshold` failures through, then doubles the wait up to the cap; a success clears it', () => {
    let now = 0;
    const t = new LoginThrottle(config, () => now);
    for (let i = 0; i < 2; i++) expect(t.failed('a', 'anna')).to.equal(false);
    expect(t.check('a', 'anna').allowed).to.equal(true);
    expect(t.failed('a', 'anna')).to.equal(true);
    expect(t.check('a', 'anna')).to.deep.equal({ allowed: false, retryAfterMs: 1000 });
    // The user name is locked from any address; the address for any name.
    expect(t.check('b', 'anna').allowed).to.equal(false);
    expect(t.check('a', 'bert').allowed).to.equal(false);
    expect(t.check('b', 'bert').allowed).to.equal(true);
    now = 1000;
    t.failed('a', 'anna');
    expect(t.check('a', 'anna')).to.deep.equal({ allowed: false, retryAfterMs: 2000 });
    for (let i = 0; i < 10; i++) t.failed('a', 'anna');
    expect(t.check('a', 'anna')).to.deep.equal({ allowed: false, retryAfterMs: 8000 });
    now += 8000;
    t.succeeded('a', 'anna');
    expect(t.check('a', 'anna').allowed).to.equal(true);
  });

  it('counts a user name case-insensitively and keeps memory bounded under a flood of names', () => {
    const t = new LoginThrottle({ threshold: 1, baseDelayMs: 1000, maxDelayMs: 1000 }, () => 0);
    t.failed('x', 'Anna');
    expect(t.check('y', 'anna').allowed).to.equal(false);
    for (let i = 0; i < 20_000; i++) t.failed(`10.0.${i >> 8}.${i & 255}`, `user${i}`);
    expect((t as unknown as { byUser: Map<string, unknown> }).byUser.size).to.be.at.most(10_000);
  });
});

describe('web: password hashes', () => {
  it('verifies the right password only, with the parameters carried in the hash', async () => {
    const hash = await hashPassword('correct horse battery staple', { N: 1024, r: 8, p: 1 });
    expect(hash).to.match(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('correct horse battery staple', hash)).to.equal(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).to.equal(false);
    expect(await hashPassword('correct horse battery staple', { N: 1024, r: 8, p: 1 })).to.not.equal(hash); // salted
  });

  it('treats a malformed or absurdly expensive hash from the database as "no"', async () => {
    for (const bad of ['', 'plain text', 'scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', `scrypt$${2 ** 30}$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`]) {
      expect(isPasswordHash(bad)).to.equal(false);
      expect(await verifyPassword('x', bad)).to.equal(false);
    }
  });
});

describe('web: who sees which call', () => {
  const user = (role: WebUser['role'], groups: string[], extension: string | null = null): WebUser => ({ id: 1, name: 'u', role, groups, extension });
  const supervisors = { '2001': { extensions: ['1001'], groups: ['hotline'] } };

  it('admins and auditors see all; a supervisor their groups plus what coaching grants their extension', () => {
    expect(inScope(scopeOf(user('admin', []), supervisors), { group: 'x', agentExtension: '9' })).to.equal(true);
    expect(inScope(scopeOf(user('auditor', []), supervisors), { group: null, agentExtension: null })).to.equal(true);
    const anna = scopeOf(user('supervisor', ['sales'], '2001'), supervisors);
    expect(inScope(anna, { group: 'sales', agentExtension: '5' })).to.equal(true);
    expect(inScope(anna, { group: 'hotline', agentExtension: '5' })).to.equal(true);
    expect(inScope(anna, { group: 'other', agentExtension: '1001' })).to.equal(true);
    expect(inScope(anna, { group: 'other', agentExtension: '1002' })).to.equal(false);
    expect(inScope(anna, { group: null, agentExtension: null })).to.equal(false);
  });

  it('a supervisor never sees a call outside their groups and extensions (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<string>('a', 'b', 'c')), fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: null }), fc.option(fc.constantFrom('1', '2'), { nil: null }), (groups, group, ext) => {
        const scope = scopeOf(user('supervisor', groups, null), {});
        return inScope(scope, { group, agentExtension: ext }) === (group !== null && groups.includes(group));
      }),
    );
  });
});
