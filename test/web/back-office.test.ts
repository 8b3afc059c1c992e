// The back office over real HTTP on SQLite (and MariaDB when configured): who sees what, Range, downloads, the access log, lockout, CSRF and foreign origins.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { call, engines, PASSWORD, startWebFixture, type WebFixture } from './web-fixture';

for (const engine of engines()) {
  describe(`back office over HTTP (${engine})`, function () {
    this.timeout(60_000);
    let f: WebFixture;
    beforeEach(async () => {
      f = await startWebFixture(engine, { lockout: { threshold: 3, baseDelayMs: 60_000, maxDelayMs: 600_000 } });
    });
    afterEach(async () => f?.close());

    const ids = (answer: { json: Record<string, unknown> }) => (answer.json.calls as Array<{ callId: string }>).map((c) => c.callId).sort();

    it('each role sees exactly its calls: a supervisor of sales never sees support (404, not 403)', async () => {
      const both = [f.sales.callId, f.support.callId].sort();
      expect(ids(await call(f.base, 'GET', '/api/calls', { user: 'admin' }))).to.deep.equal(both);
      expect(ids(await call(f.base, 'GET', '/api/calls', { user: 'audrey' }))).to.deep.equal(both);
      expect(ids(await call(f.base, 'GET', '/api/calls', { user: 'anna' }))).to.deep.equal([f.sales.callId]);
      expect(ids(await call(f.base, 'GET', '/api/calls', { user: 'bert' }))).to.deep.equal([f.support.callId]);
      // Even when asking for the other group by name.
      expect(ids(await call(f.base, 'GET', '/api/calls?group=support', { user: 'anna' }))).to.deep.equal([]);

      for (const path of [`/api/calls/${f.support.callId}`, `/api/calls/${f.support.callId}/evidence`, `/api/recordings/${encodeURIComponent(f.support.recordingId)}/audio`, `/api/recordings/${encodeURIComponent(f.support.recordingId)}/download`]) {
        const answer = await call(f.base, 'GET', path, { user: 'anna' });
        expect(answer.status, path).to.equal(404);
      }
      expect((await call(f.base, 'GET', `/api/calls/${f.sales.callId}`, { user: 'anna' })).status).to.equal(200);
      // Read-only and admin-only areas.
      expect((await call(f.base, 'GET', '/api/audit', { user: 'anna' })).status).to.equal(403);
      expect((await call(f.base, 'GET', '/api/audit', { user: 'audrey' })).status).to.equal(200);
      expect((await call(f.base, 'GET', '/api/agents', { user: 'audrey' })).status).to.equal(403);
      expect((await call(f.base, 'GET', '/api/agents', { user: 'admin' })).status).to.equal(200);
      // Nobody reached the other group's call: no access row names it.
      expect((await f.accessLog.list({ since: new Date(0) })).filter((a) => a.callId === f.support.callId)).to.deep.equal([]);
    });

    it('searches by caller, consent and recording status, paged', async () => {
      expect(ids(await call(f.base, 'GET', '/api/calls?caller=333', { user: 'admin' }))).to.deep.equal([f.support.callId]);
      expect(ids(await call(f.base, 'GET', '/api/calls?consent=refused', { user: 'admin' }))).to.deep.equal([f.support.callId]);
      expect(ids(await call(f.base, 'GET', '/api/calls?consent=given', { user: 'admin' }))).to.deep.equal([f.sales.callId]);
      expect(ids(await call(f.base, 'GET', '/api/calls?recording=not-recorded', { user: 'admin' }))).to.deep.equal([]);
      expect(ids(await call(f.base, 'GET', '/api/calls?from=2026-11-21T00:00:00Z', { user: 'admin' }))).to.deep.equal([f.support.callId]);
      const page2 = await call(f.base, 'GET', '/api/calls?pageSize=1&page=2', { user: 'admin' });
      expect(page2.json).to.include({ total: 2, page: 2, pageSize: 1 });
      expect(ids(page2)).to.deep.equal([f.sales.callId]); // newest first
      // A LIKE wildcard is a character, not a pattern; bad parameters get a fixed sentence.
      const bad = await call(f.base, 'GET', '/api/calls?caller=%25', { user: 'admin' });
      expect(bad.status).to.equal(400);
      expect(bad.json.reason).to.equal('the request does not match the API (see the route table in the README)');
    });

    it('shows a call with its recordings, decision, consent and whether its evidence verifies', async () => {
      const detail = await call(f.base, 'GET', `/api/calls/${f.sales.callId}`, { user: 'anna' });
      expect(detail.json).to.deep.include({ consent: 'given', evidence: { verifies: true, rows: 2 } });
      expect(detail.json.decision).to.deep.equal({ record: true, reason: 'recording both parties (test sales)', mode: 'opt-in' });
      expect(detail.json.legalBasis).to.deep.equal({ basis: 'legal-obligation', article: 'GDPR Art. 6(1)(c) legal obligation' });
      expect((detail.json.recordings as Array<{ id: string }>).map((r) => r.id)).to.deep.equal([f.sales.recordingId]);
      // Each recording shows the basis fixed when it was made, not the group's current one.
      expect((detail.json.recordings as Array<{ legalBasis: unknown }>)[0]!.legalBasis).to.deep.equal({ basis: 'consent', article: 'GDPR Art. 6(1)(a) consent' });
      const other = await call(f.base, 'GET', `/api/calls/${f.support.callId}`, { user: 'bert' });
      expect((other.json.recordings as Array<{ legalBasis: unknown }>)[0]!.legalBasis).to.equal(null);
      expect(JSON.stringify(detail.json)).to.not.include(f.recordingDir); // file paths stay inside
    });

    it('streams with Range: 206 with exactly the requested bytes, suffix ranges, 416 beyond the end', async () => {
      const path = `/api/recordings/${encodeURIComponent(f.sales.recordingId)}/audio`;
      const size = f.sales.audio.length;
      const part = await call(f.base, 'GET', path, { user: 'anna', headers: { range: 'bytes=100-199' } });
      expect(part.status).to.equal(206);
      expect(part.headers.get('content-range')).to.equal(`bytes 100-199/${size}`);
      expect(part.headers.get('accept-ranges')).to.equal('bytes');
      expect(part.headers.get('content-type')).to.equal('audio/wav');
      expect(part.bytes.equals(f.sales.audio.subarray(100, 200))).to.equal(true);
      const tail = await call(f.base, 'GET', path, { user: 'anna', headers: { range: 'bytes=-10' } });
      expect(tail.status).to.equal(206);
      expect(tail.bytes.equals(f.sales.audio.subarray(size - 10))).to.equal(true);
      const open = await call(f.base, 'GET', path, { user: 'anna', headers: { range: `bytes=${size - 5}-` } });
      expect(open.bytes.equals(f.sales.audio.subarray(size - 5))).to.equal(true);
      const whole = await call(f.base, 'GET', path, { user: 'anna' });
      expect(whole.status).to.equal(200);
      expect(whole.bytes.equals(f.sales.audio)).to.equal(true);
      const beyond = await call(f.base, 'GET', path, { user: 'anna', headers: { range: `bytes=${size}-` } });
      expect(beyond.status).to.equal(416);
      expect(beyond.headers.get('content-range')).to.equal(`bytes */${size}`);
    });

    it('writes an access row for every listen (a seeking player counts once), download and export, before the bytes', async () => {
      const audio = `/api/recordings/${encodeURIComponent(f.sales.recordingId)}/audio`;
      for (const range of ['bytes=0-99', 'bytes=500-', 'bytes=100-199']) await call(f.base, 'GET', audio, { user: 'anna', headers: { range } });
      const download = await call(f.base, 'GET', `/api/recordings/${encodeURIComponent(f.sales.recordingId)}/download`, { user: 'anna' });
      expect(download.status).to.equal(200);
      expect(download.headers.get('content-disposition')).to.equal(`attachment; filename="callwarden-2026-11-20T10-00-00Z-+4930111222-${f.sales.callId.slice(0, 8)}-01.wav"`);
      expect(download.bytes.equals(f.sales.audio)).to.equal(true);
      const exported = await call(f.base, 'GET', `/api/calls/${f.sales.callId}/evidence`, { user: 'audrey' });
      expect(exported.status).to.equal(200);
      expect((exported.json.verification as { ok: boolean }).ok).to.equal(true);
      expect(exported.json.legalBasis).to.deep.equal({ basis: 'legal-obligation', article: 'GDPR Art. 6(1)(c) legal obligation' });
      expect((exported.json.evidence as unknown[]).length).to.equal(2);
      expect(JSON.stringify(exported.json)).to.not.include(f.recordingDir);

      // The rows are in the store's sealed access log (the one `callwarden audit` prints), and it verifies.
      const rows = await f.accessLog.list({ since: new Date(0), callId: f.sales.callId });
      expect(rows.map((r) => [r.user, r.action, r.recordingId ?? null])).to.deep.equal([
        ['anna', 'listen', f.sales.recordingId],
        ['anna', 'download', f.sales.recordingId],
        ['audrey', 'export', null],
      ]);
      expect(rows.every((r) => r.address === '127.0.0.1')).to.equal(true);
      const verified = await f.accessLog.verify();
      expect(verified.ok, verified.reason).to.equal(true);
      expect(verified.keyIds).to.deep.equal(['web1']);
      // The auditor reads the same rows through the API.
      const audit = await call(f.base, 'GET', `/api/audit?callId=${f.sales.callId}`, { user: 'audrey' });
      expect((audit.json.access as Array<{ action: string }>).map((a) => a.action)).to.deep.equal(['listen', 'download', 'export']);
      // Each row is sealed: an edited row is found.
      const rawRows = await f.knex(f.repository.tables.accessLog).where({ call_id: f.sales.callId }).orderBy('seq');
      expect(rawRows.every((r: { key_id: string | null; hash: string }) => r.key_id === 'web1' && /^[0-9a-f]{64}$/.test(r.hash))).to.equal(true);
      await f.knex(f.repository.tables.accessLog).where({ id: rawRows[0].id }).update({ kind: 'view' });
      expect((await f.accessLog.verify()).ok).to.equal(false);
    });

    it('refuses audio when the access row cannot be written (no unaudited listen)', async () => {
      await f.knex.schema.dropTable(f.repository.tables.accessLog);
      const answer = await call(f.base, 'GET', `/api/recordings/${encodeURIComponent(f.sales.recordingId)}/audio`, { user: 'anna' });
      expect(answer.status).to.equal(500);
      expect(answer.bytes.length).to.be.below(200);
      expect(answer.json.reason).to.equal('internal error (see the daemon log)');
      expect(answer.bytes.toString()).to.not.match(/SQL|no such table|ER_/i);
    });

    it('never serves a file outside the recordings directory, whatever the row says', async () => {
      const outside = join(f.recordingDir, '..', 'secret.wav');
      writeFileSync(outside, 'not a recording');
      await f.repository.updateRecording(f.sales.recordingId, { filePath: outside });
      expect((await call(f.base, 'GET', `/api/recordings/${encodeURIComponent(f.sales.recordingId)}/audio`, { user: 'admin' })).status).to.equal(404);
      await f.repository.updateRecording(f.sales.recordingId, { filePath: join(f.recordingDir, '..', '..', 'etc', 'passwd') });
      expect((await call(f.base, 'GET', `/api/recordings/${encodeURIComponent(f.sales.recordingId)}/download`, { user: 'admin' })).status).to.equal(404);
    });

    it('locks out after repeated failures, per address and per user, with audit rows; the right password waits too', async () => {
      for (let i = 0; i < 3; i++) expect((await call(f.base, 'GET', '/api/me', { user: 'anna', password: 'wrong password!' })).status).to.equal(401);
      const locked = await call(f.base, 'GET', '/api/me', { user: 'anna' });
      expect(locked.status).to.equal(429);
      expect(Number(locked.headers.get('retry-after'))).to.be.within(1, 60);
      // The page login is throttled by the same counters.
      expect((await call(f.base, 'POST', '/api/session', { body: { name: 'anna', password: PASSWORD } })).status).to.equal(429);
      const events = await f.users.authEvents(new Date(0));
      expect(events.filter((e) => e.kind === 'login_failed' && e.userName === 'anna')).to.have.length(2);
      expect(events.filter((e) => e.kind === 'locked_out' && e.userName === 'anna').length).to.be.at.least(2);
      expect(events.every((e) => e.address === '127.0.0.1')).to.equal(true);
      expect(f.log.text()).to.not.include('wrong password!');
    });

    it('locks a user name attacked from many addresses (behind a trusted proxy)', async () => {
      await f.close();
      f = await startWebFixture(engine, { trustProxy: true, lockout: { threshold: 3, baseDelayMs: 60_000, maxDelayMs: 600_000 } });
      for (let i = 0; i < 3; i++) {
        const answer = await call(f.base, 'GET', '/api/me', { user: 'bert', password: 'guess!', headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } });
        expect(answer.status).to.equal(401);
      }
      expect((await call(f.base, 'GET', '/api/me', { user: 'bert', headers: { 'x-forwarded-for': '198.51.100.7' } })).status).to.equal(429);
      // Another user from a fresh address is not affected.
      expect((await call(f.base, 'GET', '/api/me', { user: 'anna', headers: { 'x-forwarded-for': '198.51.100.8' } })).status).to.equal(200);
      const addresses = (await f.users.authEvents(new Date(0))).map((e) => e.address);
      expect(addresses).to.include.members(['203.0.113.1', '203.0.113.2', '203.0.113.3', '198.51.100.7']);
    });

    it('logins, failed logins and the start of a lockout go into the sealed access log (callwarden audit, GET /api/audit)', async () => {
      await f.close();
      f = await startWebFixture(engine, { trustProxy: true, lockout: { threshold: 3, baseDelayMs: 60_000, maxDelayMs: 600_000 } });
      const from = (address: string) => ({ 'x-forwarded-for': address });
      expect((await call(f.base, 'POST', '/api/session', { body: { name: 'admin', password: PASSWORD }, headers: from('198.51.100.1') })).status).to.equal(200);
      // A name no user can have (here with a terminal escape) is not copied into the sealed log.
      const hostile = `Basic ${Buffer.from('x\u001b[2J:guess!').toString('base64')}`;
      expect((await call(f.base, 'GET', '/api/me', { headers: { authorization: hostile, ...from('203.0.113.9') } })).status).to.equal(401);
      for (let i = 0; i < 3; i++) expect((await call(f.base, 'GET', '/api/me', { user: 'bert', password: 'guess!', headers: from(`203.0.113.${i + 1}`) })).status).to.equal(401);
      // Refused while locked out: in the plain login table, not one more sealed row per attempt.
      for (let i = 0; i < 2; i++) expect((await call(f.base, 'GET', '/api/me', { user: 'bert', headers: from('198.51.100.7') })).status).to.equal(429);
      const expected = [
        ['login', 'admin', '198.51.100.1'],
        ['login-failed', '(invalid name)', '203.0.113.9'],
        ['login-failed', 'bert', '203.0.113.1'],
        ['login-failed', 'bert', '203.0.113.2'],
        ['locked-out', 'bert', '203.0.113.3'],
      ];
      const sealed = await f.accessLog.list({ since: new Date(0) });
      expect(sealed.map((r) => [r.action, r.user, r.address])).to.deep.equal(expected);
      expect(sealed.every((r) => r.callId === null)).to.equal(true);
      expect((await f.accessLog.verify()).ok).to.equal(true);
      // The auditor's view: the same rows in `access`, the plain table still in `logins`.
      const audit = await call(f.base, 'GET', '/api/audit', { user: 'audrey', headers: from('198.51.100.8') });
      expect(audit.status).to.equal(200);
      expect((audit.json.access as Array<{ action: string; user: string; address: string }>).map((r) => [r.action, r.user, r.address])).to.deep.equal(expected);
      const logins = audit.json.logins as Array<{ kind: string; userName: string | null }>;
      expect(logins.filter((e) => e.kind === 'locked_out' && e.userName === 'bert')).to.have.length(3);
    });

    it('accepts the Basic scheme in any case and personal API tokens; refuses disabled users and revoked tokens', async () => {
      const lower = await call(f.base, 'GET', '/api/me', { headers: { authorization: `basic ${Buffer.from(`anna:${PASSWORD}`).toString('base64')}` } });
      expect(lower.status).to.equal(200);
      const token = String((await call(f.base, 'POST', '/api/tokens', { user: 'anna', body: { label: 'script' } })).json.token);
      expect(token).to.match(/^cw_/);
      const byToken = await call(f.base, 'GET', '/api/calls', { headers: { authorization: `BEARER ${token}` } });
      expect(ids(byToken)).to.deep.equal([f.sales.callId]);
      await f.users.setDisabled('anna', true);
      expect((await call(f.base, 'GET', '/api/calls', { headers: { authorization: `Bearer ${token}` } })).status).to.equal(401);
      expect((await call(f.base, 'GET', '/api/me', { user: 'anna' })).status).to.equal(401);
    });

    it('page session: SameSite=Strict HttpOnly cookie; a state change without the CSRF token is refused', async () => {
      const login = await call(f.base, 'POST', '/api/session', { body: { name: 'admin', password: PASSWORD } });
      expect(login.status).to.equal(200);
      const cookie = login.headers.get('set-cookie') ?? '';
      expect(cookie).to.match(/^cw_session=[A-Za-z0-9_-]{43};/);
      expect(cookie).to.match(/HttpOnly/i);
      expect(cookie).to.match(/SameSite=Strict/i);
      const session = cookie.split(';')[0]!;
      const csrf = String(login.json.csrfToken);
      const consent = { signed: '2026-11-01', document: 'consent-1003.pdf' };
      expect((await call(f.base, 'GET', '/api/agents', { headers: { cookie: session } })).status).to.equal(200);
      const noToken = await call(f.base, 'POST', '/api/agents/1003/consent', { headers: { cookie: session }, body: consent });
      expect(noToken.status).to.equal(403);
      const wrongToken = await call(f.base, 'POST', '/api/agents/1003/consent', { headers: { cookie: session, 'x-csrf-token': 'x'.repeat(43) }, body: consent });
      expect(wrongToken.status).to.equal(403);
      const ok = await call(f.base, 'POST', '/api/agents/1003/consent', { headers: { cookie: session, 'x-csrf-token': csrf }, body: consent });
      expect(ok.status).to.equal(200);
      const list = (await call(f.base, 'GET', '/api/agents', { headers: { cookie: session } })).json.consents as Array<{ extension: string; enteredBy: string }>;
      expect(list.map((c) => [c.extension, c.enteredBy])).to.deep.equal([['1003', 'admin']]);
      // The policies read the same row: the agent's consent is on file now.
      expect((await f.repository.getAgentConsent('1003'))?.documentRef).to.equal('consent-1003.pdf');
    });

    it('refuses a foreign Origin, cross-site fetches and anything but application/json, before authentication', async () => {
      const consent = { signed: '2026-11-01', document: 'x.pdf' };
      const foreign = await call(f.base, 'POST', '/api/agents/1003/consent', { user: 'admin', headers: { origin: 'https://evil.example' }, body: consent });
      expect(foreign.status).to.equal(403);
      const crossSite = await call(f.base, 'GET', '/api/calls', { user: 'admin', headers: { 'sec-fetch-site': 'cross-site' } });
      expect(crossSite.status).to.equal(403);
      const text = await call(f.base, 'POST', '/api/agents/1003/consent', { user: 'admin', headers: { 'content-type': 'text/plain' }, raw: JSON.stringify(consent) });
      expect(text.status).to.equal(415);
      const form = await call(f.base, 'POST', '/api/agents/1003/consent', { user: 'admin', headers: { 'content-type': 'application/x-www-form-urlencoded' }, raw: 'signed=2026-11-01' });
      expect(form.status).to.equal(415);
      const sameOrigin = await call(f.base, 'POST', '/api/agents/1003/consent', { user: 'admin', headers: { origin: f.base }, body: consent });
      expect(sameOrigin.status).to.equal(200);
      expect((await f.repository.getAgentConsent('1003'))).to.not.equal(undefined);
      expect((await new (await import('../../src/web')).AgentConsents(f.knex, f.repository.tables).list())).to.have.length(1);
    });

    it('answers never carry internal error text; security headers are set', async () => {
      const broken = await call(f.base, 'POST', '/api/agents/1003/consent', { user: 'admin', headers: { 'content-type': 'application/json' }, raw: '{"signed": nope' });
      expect(broken.status).to.equal(400);
      expect(broken.json).to.deep.equal({ ok: false, reason: 'bad request' });
      const page = await call(f.base, 'GET', '/');
      expect(page.status).to.equal(200);
      expect(page.headers.get('content-security-policy')).to.include("default-src 'self'");
      expect(page.headers.get('x-frame-options')).to.equal('SAMEORIGIN');
      expect(page.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(page.headers.get('referrer-policy')).to.equal('no-referrer');
      const unknown = await call(f.base, 'GET', '/api/nothing-here', { user: 'admin' });
      expect(unknown.json).to.deep.equal({ ok: false, reason: 'not found' });
      // A script without credentials is challenged; the page (which sends its header) is not.
      expect((await call(f.base, 'GET', '/api/me')).headers.get('www-authenticate')).to.match(/^Basic /);
      expect((await call(f.base, 'GET', '/api/me', { headers: { 'x-callwarden-page': '1' } })).headers.get('www-authenticate')).to.equal(null);
    });
  });
}
