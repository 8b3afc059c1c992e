// Legal holds in the back office over real HTTP on SQLite (and MariaDB when configured): admins only, audited, and the purge obeys them.

import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { runPurge } from '../../src/lifecycle/purge';
import { call, engines, PASSWORD, startWebFixture, type WebFixture } from './web-fixture';

for (const engine of engines()) {
  describe(`legal holds in the back office (${engine})`, function () {
    this.timeout(60_000);
    let f: WebFixture;
    beforeEach(async () => {
      f = await startWebFixture(engine);
    });
    afterEach(async () => f?.close());

    // Both seeded recordings have no retention terms: with 30 days from 2027 they are long due.
    const purge = () => runPurge({ repository: f.repository, storageDir: f.recordingDir, now: new Date('2027-06-01T00:00:00Z'), defaultRetentionDays: 30, ids: [f.sales.recordingId] });
    const filePath = async () => (await f.repository.getRecording(f.sales.recordingId))!.filePath;

    it('an admin holds a number (any spelling): the purge keeps its recording; lifted, the purge deletes it; each step audited', async () => {
      const spelled = `00${f.sales.caller.slice(1, 3)} ${f.sales.caller.slice(3)}`; // +4930111222 as 0049 30111222
      const added = await call(f.base, 'POST', '/api/holds', { user: 'admin', body: { kind: 'number', value: spelled, reason: 'court order 12 O 34/26' } });
      expect(added.status, JSON.stringify(added.json)).to.equal(200);
      const hold = added.json.hold as { id: number; kind: string; value: string; createdBy: string; removedAt: string | null };
      expect(hold).to.include({ kind: 'number', value: f.sales.caller, createdBy: 'admin', removedAt: null });

      const path = await filePath();
      const held = await purge();
      expect(held.map((l) => l.outcome)).to.deep.equal(['held']);
      expect(existsSync(path)).to.equal(true);

      const removed = await call(f.base, 'POST', `/api/holds/${hold.id}/remove`, { user: 'admin', body: {} });
      expect(removed.status).to.equal(200);
      expect((await call(f.base, 'POST', `/api/holds/${hold.id}/remove`, { user: 'admin', body: {} })).status).to.equal(404);
      const list = await call(f.base, 'GET', '/api/holds', { user: 'admin' });
      expect((list.json.holds as Array<{ id: number; removedBy: string | null }>).map((h) => [h.id, h.removedBy])).to.deep.equal([[hold.id, 'admin']]);

      const deleted = await purge();
      expect(deleted.map((l) => l.outcome)).to.deep.equal(['deleted']);
      expect(existsSync(path)).to.equal(false);

      const rows = (await f.accessLog.list({ since: new Date(0) })).filter((r) => r.action.startsWith('hold-'));
      expect(rows.map((r) => [r.user, r.action, r.address])).to.deep.equal([
        ['admin', 'hold-add', '127.0.0.1'],
        ['admin', 'hold-remove', '127.0.0.1'],
        ['admin', 'hold-list', '127.0.0.1'],
      ]);
      expect(rows[0]!.detail).to.deep.equal({ hold: hold.id, kind: 'number', value: f.sales.caller, reason: 'court order 12 O 34/26' });
      expect(rows[1]!.detail).to.include({ hold: hold.id });
      const verified = await f.accessLog.verify();
      expect(verified.ok, verified.reason).to.equal(true);
    });

    it('an admin holds one call from its id; the call row names it in the access log', async () => {
      const added = await call(f.base, 'POST', '/api/holds', { user: 'admin', body: { kind: 'call', value: f.sales.callId, reason: 'complaint 7' } });
      expect(added.status).to.equal(200);
      expect((await purge()).map((l) => l.outcome)).to.deep.equal(['held']);
      expect((await f.accessLog.list({ since: new Date(0), callId: f.sales.callId })).map((r) => r.action)).to.deep.equal(['hold-add']);
    });

    it('supervisors and auditors can neither list, add nor remove holds (403), and nothing is written', async () => {
      const id = (await call(f.base, 'POST', '/api/holds', { user: 'admin', body: { kind: 'number', value: f.support.caller, reason: 'order' } })).json.hold as { id: number };
      for (const user of ['anna', 'bert', 'audrey']) {
        expect((await call(f.base, 'GET', '/api/holds', { user })).status, user).to.equal(403);
        const add = await call(f.base, 'POST', '/api/holds', { user, body: { kind: 'number', value: f.sales.caller, reason: 'mine' } });
        expect(add.status, user).to.equal(403);
        expect(add.json.reason).to.equal('legal holds are managed by admins');
        expect((await call(f.base, 'POST', `/api/holds/${id.id}/remove`, { user, body: {} })).status, user).to.equal(403);
      }
      expect((await call(f.base, 'GET', '/api/holds')).status).to.equal(401);
      const { listHolds } = await import('../../src/lifecycle/legal-holds');
      expect((await listHolds(f.repository, { all: true })).map((h) => [h.value, h.removedAt])).to.deep.equal([[f.support.caller, null]]);
      expect((await f.accessLog.list({ since: new Date(0) })).map((r) => r.user)).to.deep.equal(['admin']);
    });

    it('refuses bad input with fixed sentences that never echo it', async () => {
      const bad = async (body: unknown) => call(f.base, 'POST', '/api/holds', { user: 'admin', body });
      const number = await bad({ kind: 'number', value: '<script>12</script>', reason: 'x' });
      expect(number.status).to.equal(400);
      expect(number.json).to.deep.equal({ ok: false, reason: 'not a phone number (3 to 32 digits, optionally with +)' });
      const callId = await bad({ kind: 'call', value: '../../etc/passwd', reason: 'x' });
      expect(callId.status).to.equal(400);
      expect(callId.json.reason).to.equal('not a call id (letters, digits and . _ : @ -, at most 64)');
      for (const body of [{ kind: 'file', value: '123', reason: 'x' }, { kind: 'number', value: '+4930111222' }, { kind: 'number', value: '+4930111222', reason: 'a\nb' }, { kind: 'number', value: '+4930111222', reason: 'x', extra: 1 }, { kind: 'number', value: { digits: '1234567' }, reason: 'x' }]) {
        const answer = await bad(body);
        expect(answer.status, JSON.stringify(body)).to.equal(400);
        expect(answer.json.reason).to.equal('the request does not match the API (see the route table in the README)');
      }
      expect((await bad({ kind: 'number', value: '+4930111222', reason: '   ' })).status).to.equal(400);
      expect((await call(f.base, 'POST', '/api/holds/abc/remove', { user: 'admin', body: {} })).status).to.equal(400);
      expect((await call(f.base, 'POST', '/api/holds/99/remove', { user: 'admin', body: {} })).status).to.equal(404);
      expect((await f.accessLog.list({ since: new Date(0) })).filter((r) => r.action === 'hold-add')).to.deep.equal([]);
    });

    it('page session: no CSRF token, a foreign Origin or a form body are refused like every state change', async () => {
      const body = { kind: 'number', value: f.sales.caller, reason: 'order' };
      const login = await call(f.base, 'POST', '/api/session', { body: { name: 'admin', password: PASSWORD } });
      const session = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
      expect((await call(f.base, 'POST', '/api/holds', { headers: { cookie: session }, body })).status).to.equal(403);
      expect((await call(f.base, 'POST', '/api/holds', { headers: { cookie: session, 'x-csrf-token': 'x'.repeat(43) }, body })).status).to.equal(403);
      expect((await call(f.base, 'POST', '/api/holds', { user: 'admin', headers: { origin: 'https://evil.example' }, body })).status).to.equal(403);
      expect((await call(f.base, 'POST', '/api/holds', { user: 'admin', headers: { 'content-type': 'application/x-www-form-urlencoded' }, raw: 'kind=number' })).status).to.equal(415);
      const { listHolds } = await import('../../src/lifecycle/legal-holds');
      expect(await listHolds(f.repository, { all: true })).to.deep.equal([]);
      const ok = await call(f.base, 'POST', '/api/holds', { headers: { cookie: session, 'x-csrf-token': String(login.json.csrfToken) }, body });
      expect(ok.status).to.equal(200);
      const id = (ok.json.hold as { id: number }).id;
      expect((await call(f.base, 'POST', `/api/holds/${id}/remove`, { headers: { cookie: session }, body: {} })).status).to.equal(403);
      expect((await listHolds(f.repository)).map((h) => h.id)).to.deep.equal([id]);
    });
  });
}
