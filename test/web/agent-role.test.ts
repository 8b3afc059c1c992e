// The back office's agent role over real HTTP on SQLite (and MariaDB when configured): own calls of self-review groups only, audited plays, and calls a supervisor shares.

import { expect } from 'chai';
import { UserError } from '../../src/web/user-directory';
import { call, engines, PASSWORD, startWebFixture, type SeededCall, type WebFixture } from './web-fixture';
import { hashPassword, mayActLive } from '../../src/web';

for (const engine of engines()) {
  describe(`agent role over HTTP (${engine})`, function () {
    this.timeout(60_000);
    let f: WebFixture;
    /** sales allows self-review, support does not. */
    let salesOfBob: SeededCall;
    let supportOfAlice: SeededCall;
    beforeEach(async () => {
      f = await startWebFixture(engine, {}, { sales: { agentSelfReview: true }, support: { agentSelfReview: false } });
      salesOfBob = await f.seed('sales', '1002', '+4930555666', '2026-11-22T09:00:00.000Z');
      supportOfAlice = await f.seed('support', '1001', '+4940777888', '2026-11-23T09:00:00.000Z');
      const hash = await hashPassword(PASSWORD);
      await f.users.add({ name: 'alice', role: 'agent', groups: [], extension: '1001', passwordHash: hash, createdBy: 'test' });
      await f.users.add({ name: 'bob', role: 'agent', groups: [], extension: '1002', passwordHash: hash, createdBy: 'test' });
    });
    afterEach(async () => f?.close());

    const ids = (answer: { json: Record<string, unknown> }) => (answer.json.calls as Array<{ callId: string }>).map((c) => c.callId).sort();
    const audio = (c: SeededCall) => `/api/recordings/${encodeURIComponent(c.recordingId)}/audio`;

    it("lists and opens only the agent's own calls of self-review groups: a colleague's call and a non-self-review group's call are 404", async () => {
      // f.sales: sales, 1001 (alice's, self-review). f.support: support, 1002. salesOfBob: sales, 1002. supportOfAlice: support, 1001.
      expect(ids(await call(f.base, 'GET', '/api/calls', { user: 'alice' }))).to.deep.equal([f.sales.callId]);
      expect(ids(await call(f.base, 'GET', '/api/calls', { user: 'bob' }))).to.deep.equal([salesOfBob.callId]);
      // Asking for someone else by filter changes nothing.
      expect(ids(await call(f.base, 'GET', '/api/calls?agent=1002', { user: 'alice' }))).to.deep.equal([]);
      expect(ids(await call(f.base, 'GET', '/api/calls?group=support', { user: 'alice' }))).to.deep.equal([]);
      for (const other of [salesOfBob, supportOfAlice, f.support]) {
        expect((await call(f.base, 'GET', `/api/calls/${other.callId}`, { user: 'alice' })).status, other.callId).to.equal(404);
        expect((await call(f.base, 'GET', audio(other), { user: 'alice', headers: { range: 'bytes=0-9' } })).status, other.callId).to.equal(404);
      }
      const detail = await call(f.base, 'GET', `/api/calls/${f.sales.callId}`, { user: 'alice' });
      expect(detail.status).to.equal(200);
      expect(detail.json).to.not.have.property('sharedWith');
      // Nothing of anyone else's call was reached: no access row names those calls.
      const touched = (await f.accessLog.list({ since: new Date(0) })).map((a) => a.callId);
      for (const other of [salesOfBob, supportOfAlice, f.support]) expect(touched).to.not.include(other.callId);
    });

    it('plays with Range (206, exact bytes), audited in the sealed access log; no download, export, audit, live action or share', async () => {
      const part = await call(f.base, 'GET', audio(f.sales), { user: 'alice', headers: { range: 'bytes=100-199' } });
      expect(part.status).to.equal(206);
      expect(part.bytes.equals(f.sales.audio.subarray(100, 200))).to.equal(true);
      const listens = (await f.accessLog.list({ since: new Date(0), user: 'alice' })).filter((a) => a.action === 'listen');
      expect(listens.map((a) => [a.callId, a.recordingId])).to.deep.equal([[f.sales.callId, f.sales.recordingId]]);
      expect((await call(f.base, 'GET', `/api/recordings/${encodeURIComponent(f.sales.recordingId)}/download`, { user: 'alice' })).status).to.equal(403);
      expect((await call(f.base, 'GET', `/api/calls/${f.sales.callId}/evidence`, { user: 'alice' })).status).to.equal(403);
      expect((await call(f.base, 'GET', '/api/audit', { user: 'alice' })).status).to.equal(403);
      expect((await call(f.base, 'GET', '/api/agents', { user: 'alice' })).status).to.equal(403);
      expect((await call(f.base, 'POST', `/api/calls/${supportOfAlice.callId}/share`, { user: 'alice', body: {} })).status).to.equal(403);
      // Live actions are refused by role (LiveOperations checks mayActLive before anything else).
      expect(mayActLive({ id: 0, name: 'alice', role: 'agent', groups: [], extension: '1001' })).to.equal(false);
      expect((await call(f.base, 'GET', '/api/live', { user: 'alice' })).json.calls ?? []).to.deep.equal([]);
      const actions = (await f.accessLog.list({ since: new Date(0), user: 'alice' })).map((a) => a.action);
      expect(actions).to.not.include.members(['download', 'export', 'share']);
    });

    it("a supervisor of the call's group shares it with its agent (audited), the agent then plays it; unsharing takes it back", async () => {
      // anna supervises sales only: support's call is not hers to share (404, as if absent).
      expect((await call(f.base, 'POST', `/api/calls/${supportOfAlice.callId}/share`, { user: 'anna', body: {} })).status).to.equal(404);
      expect(ids(await call(f.base, 'GET', '/api/calls', { user: 'alice' }))).to.deep.equal([f.sales.callId]);

      const shared = await call(f.base, 'POST', `/api/calls/${supportOfAlice.callId}/share`, { user: 'bert', body: {} });
      expect(shared.status).to.equal(200);
      expect(shared.json).to.deep.include({ ok: true, changed: true, agentExtension: '1001', sharedWith: ['1001'] });
      const again = await call(f.base, 'POST', `/api/calls/${supportOfAlice.callId}/share`, { user: 'bert', body: {} });
      expect(again.json).to.deep.include({ changed: false, sharedWith: ['1001'] });
      const shareRows = (await f.accessLog.list({ since: new Date(0), user: 'bert' })).filter((a) => a.action === 'share');
      expect(shareRows.map((a) => a.callId)).to.deep.equal([supportOfAlice.callId, supportOfAlice.callId]);
      expect((await call(f.base, 'GET', `/api/calls/${supportOfAlice.callId}`, { user: 'bert' })).json).to.deep.include({ sharedWith: ['1001'], mayShare: true });

      // Alice now sees and plays it; Bob (another agent) still does not.
      expect(ids(await call(f.base, 'GET', '/api/calls', { user: 'alice' }))).to.deep.equal([f.sales.callId, supportOfAlice.callId].sort());
      const part = await call(f.base, 'GET', audio(supportOfAlice), { user: 'alice', headers: { range: 'bytes=0-43' } });
      expect(part.status).to.equal(206);
      expect(part.bytes.equals(supportOfAlice.audio.subarray(0, 44))).to.equal(true);
      expect((await f.accessLog.list({ since: new Date(0), user: 'alice', callId: supportOfAlice.callId })).map((a) => a.action)).to.include('listen');
      expect((await call(f.base, 'GET', `/api/calls/${supportOfAlice.callId}`, { user: 'bob' })).status).to.equal(404);

      const removed = await call(f.base, 'DELETE', `/api/calls/${supportOfAlice.callId}/share`, { user: 'bert', body: {} });
      expect(removed.json).to.deep.include({ ok: true, changed: true, sharedWith: [] });
      expect((await f.accessLog.list({ since: new Date(0), user: 'bert' })).map((a) => a.action)).to.include('unshare');
      expect((await call(f.base, 'GET', `/api/calls/${supportOfAlice.callId}`, { user: 'alice' })).status).to.equal(404);
      expect((await call(f.base, 'GET', audio(supportOfAlice), { user: 'alice' })).status).to.equal(404);
      // The sealed log still verifies with all of it.
      expect((await f.repository.accessLog.verify()).ok).to.equal(true);
    });

    it('refuses an agent without an extension, or with groups', async () => {
      const hash = await hashPassword(PASSWORD);
      for (const bad of [{ groups: [], extension: null }, { groups: ['sales'], extension: '1003' }]) {
        let error: unknown;
        try {
          await f.users.add({ name: 'carl', role: 'agent', ...bad, passwordHash: hash, createdBy: 'test' });
        } catch (err) {
          error = err;
        }
        expect(error).to.be.instanceOf(UserError);
      }
    });
  });
}
