// Mail per group against a real SMTP server started here: attach or link, an outage, a restart with mail queued, retries, "do not keep", failures shown.

import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mail } from '../../src/commands/mail';
import { defaultsWith, type CallwardenConfig } from '../../src/config';
import { Mailer } from '../../src/lifecycle/mailer';
import { listMail, type MailStatus } from '../../src/lifecycle/mail-queue';
import { createStoreKnex, migrateLatest, StoreRepository } from '../../src/store';
import { captureLogger } from '../support/capture-logger';
import { smtpServer, SMTP_PASSWORD, type Received } from '../support/smtp';
import { selectBackends } from '../store/test-backends';

const PASSWORD = SMTP_PASSWORD;

/** The message as a reader sees it: quoted-printable soft breaks and escapes undone. */
function readable(raw: string): string {
  return raw.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

const T0 = Date.parse('2026-04-01T08:00:00.000Z');

for (const backend of selectBackends()) {
  describe(`lifecycle: mail per group over SMTP (${backend.name})`, function () {
    this.timeout(20_000);
    let repo: StoreRepository;
    let dir: string;
    let clock = T0;
    const now = () => new Date(clock);

    before(async () => {
      const knex = createStoreKnex(backend.dbOptions());
      repo = new StoreRepository(knex, { tablePrefix: backend.tablePrefix });
      await migrateLatest(knex, repo.tables);
      dir = mkdtempSync(join(tmpdir(), 'callwarden-mail-'));
    });
    after(async () => {
      await repo.knex.destroy();
      await backend.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    function config(port: number): CallwardenConfig {
      const db = backend.dbOptions();
      return defaultsWith({
        store: { client: db.client, url: db.url ?? '', filename: db.filename ?? ':memory:', tablePrefix: backend.tablePrefix, outboxDir: join(dir, 'outbox') },
        recording: { directory: dir },
        lifecycle: {
          mail: {
            enabled: true,
            from: 'callwarden@example.org',
            smtp: { host: '127.0.0.1', port, secure: false, requireTls: false, user: 'callwarden', password: PASSWORD },
            attachMaxBytes: 1000,
            backOfficeUrl: 'https://backoffice.example.org/',
            retry: { initialMs: 60_000, maxMs: 240_000, maxAttempts: 3 },
            pollMs: 1000,
          },
        },
      });
    }

    async function seed(callId: string, bytes: number, mailTo: string[], keepAfterMail: boolean): Promise<string> {
      await repo.upsertCall({ callId, caller: '+4930999888777', destination: '5000', startedAt: new Date(T0) });
      const path = join(dir, callId, '01-both.mp3');
      mkdirSync(join(dir, callId), { recursive: true });
      const content = Buffer.alloc(bytes, 7);
      writeFileSync(path, content);
      await repo.upsertRecording({
        id: `${callId}/01-both.mp3`, callId, filePath: path, format: 'mp3', channels: 'both', status: 'ok', startedAt: new Date(T0), durationMs: 90_000,
        bytes, sha256: createHash('sha256').update(content).digest('hex'), group: 'sales', retentionDays: 30, retentionUntil: new Date(T0 + 30 * 86_400_000), mailTo, keepAfterMail,
      });
      return path;
    }

    it('survives an SMTP outage and a daemon restart with mail queued; attaches small files, links large ones; "do not keep" deletes after delivery', async () => {
      const received: Received[] = [];
      const small = await seed('m-small', 500, ['team@example.org'], false);
      const large = await seed('m-large', 5000, ['team@example.org', 'lead@example.org'], false);
      const kept = await seed('m-kept', 300, ['team@example.org'], true);
      // SMTP is down: a port that was just free.
      const down = await smtpServer([]);
      await down.close();
      const log1 = captureLogger();
      const counts: Array<Record<MailStatus, number>> = [];
      const first = new Mailer({ repository: repo, config: config(down.port).lifecycle.mail, storageDir: dir, logger: log1.logger, now, onCounts: (c) => counts.push(c) });
      expect(await first.runOnce()).to.deep.equal({ sent: 0, retrying: 3, failed: 0 });
      const pending = await listMail(repo, 'pending');
      expect(pending.map((m) => m.attempts)).to.deep.equal([1, 1, 1]);
      expect(new Set(pending.map((m) => m.nextAttemptAt))).to.deep.equal(new Set([new Date(T0 + 60_000).toISOString()]));
      expect(counts.at(-1)).to.deep.include({ pending: 3, failed: 0 });
      // Not due yet: nothing is tried again.
      clock = T0 + 30_000;
      expect(await first.runOnce()).to.deep.equal({ sent: 0, retrying: 0, failed: 0 });
      await first.stop(); // the daemon stops with three mails queued

      // Restart: a new daemon (new Mailer, same database), the SMTP server is back.
      const server = await smtpServer(received);
      try {
        clock = T0 + 61_000;
        const second = new Mailer({ repository: repo, config: config(server.port).lifecycle.mail, storageDir: dir, logger: captureLogger().logger, now });
        expect(await second.runOnce()).to.deep.equal({ sent: 3, retrying: 0, failed: 0 });
        await second.stop();
      } finally {
        await server.close();
      }
      expect(received).to.have.length(3);
      const byCall = (id: string) => received.find((r) => r.raw.includes(id))!;
      expect(byCall('m-small').raw).to.match(/Content-Disposition: attachment; filename=m-small-01-both\.mp3/);
      expect(byCall('m-large').raw).to.not.match(/Content-Disposition: attachment/);
      expect(readable(byCall('m-large').raw)).to.include('https://backoffice.example.org/recordings/m-large%2F01-both.mp3');
      expect(byCall('m-large').to).to.deep.equal(['team@example.org', 'lead@example.org']);
      // Minimal personal data: the caller's number is in none of them.
      for (const r of received) expect(readable(r.raw)).to.not.include('999888777');
      // Do not keep: the delivered attachment's file is deleted with a receipt; the linked one stays (the link needs it).
      expect(existsSync(small)).to.equal(false);
      expect(existsSync(large)).to.equal(true);
      expect(existsSync(kept)).to.equal(true);
      const receipt = (await repo.listEvidence('m-small')).find((e) => e.kind === 'recording_deleted');
      expect(String((receipt?.detail as { rule: string }).rule)).to.match(/^do-not-keep: mailed and delivered/);
      expect((await repo.listEvidence('m-small')).map((e) => e.kind)).to.deep.equal(['recording_mailed', 'recording_deleted']);
      expect((await repo.verifyEvidence('m-small')).ok).to.equal(true);
      // No secret in anything a person reads.
      expect(log1.text()).to.not.include(PASSWORD);
      expect((await listMail(repo)).map((m) => m.lastError ?? '').join(' ')).to.not.include(PASSWORD);
    });

    it('a delivered mail stays sent when what follows it fails (the evidence row cannot be written): never mailed twice', async () => {
      const received: Received[] = [];
      await seed('m-once', 200, ['team@example.org'], false);
      const server = await smtpServer(received);
      const append = repo.appendEvidence.bind(repo);
      let refused = 0;
      repo.appendEvidence = (async (callId: string, kind: string, ...rest: unknown[]) => {
        if (callId === 'm-once' && kind === 'recording_mailed' && refused++ === 0) throw new Error('database went away');
        return (append as (...a: unknown[]) => unknown)(callId, kind, ...rest);
      }) as typeof repo.appendEvidence;
      const log = captureLogger();
      try {
        clock = T0 + 10 * 86_400_000;
        const mailer = new Mailer({ repository: repo, config: config(server.port).lifecycle.mail, storageDir: dir, logger: log.logger, now });
        expect(await mailer.runOnce()).to.deep.include({ sent: 1, retrying: 0, failed: 0 });
        clock += 10 * 60_000;
        expect(await mailer.runOnce()).to.deep.include({ sent: 0, retrying: 0 });
        await mailer.stop();
      } finally {
        repo.appendEvidence = append;
        await server.close();
      }
      expect(received.filter((r) => r.raw.includes('m-once'))).to.have.length(1);
      expect((await listMail(repo)).find((m) => m.id === 'm-once/01-both.mp3')?.status).to.equal('sent');
      expect(log.text()).to.match(/was mailed, but what follows a delivery failed \(database went away\); the mail stays sent/);
    });

    it('gives up after the configured tries with backoff, shows it in `mail --failed`, the log and the counts', async () => {
      const received: Received[] = [];
      await seed('m-refused', 200, ['nobody@example.org'], true);
      const server = await smtpServer(received);
      const log = captureLogger();
      const counts: Array<Record<MailStatus, number>> = [];
      try {
        const cfg = config(server.port);
        const mailer = new Mailer({ repository: repo, config: cfg.lifecycle.mail, storageDir: dir, logger: log.logger, now, onCounts: (c) => counts.push(c) });
        const base = clock;
        expect((await mailer.runOnce()).retrying).to.equal(1);
        const row = () => listMail(repo).then((all) => all.find((m) => m.id === 'm-refused/01-both.mp3')!);
        expect((await row()).nextAttemptAt).to.equal(new Date(base + 60_000).toISOString());
        clock = base + 60_000;
        expect((await mailer.runOnce()).retrying).to.equal(1);
        expect((await row()).nextAttemptAt, 'backoff doubles').to.equal(new Date(base + 180_000).toISOString());
        clock = base + 180_000;
        expect((await mailer.runOnce()).failed).to.equal(1);
        expect(await row()).to.deep.include({ status: 'failed', attempts: 3 });
        await mailer.stop();
        expect(counts.at(-1)).to.deep.include({ failed: 1 });
        expect(log.text()).to.match(/failed for good after 3 tries.*callwarden mail --failed/);
        const out: string[] = [];
        expect(await mail(cfg, { operands: [], options: { failed: true } }, (l) => out.push(l))).to.equal(1);
        expect(out.join('\n')).to.match(/failed\s+m-refused\/01-both\.mp3\s+tries 3\s+given up\s+last error: .*(no such mailbox|refused 1 recipient)/);
        expect((await repo.listEvidence('m-refused')).map((e) => e.kind)).to.deep.equal(['recording_mail_failed']);
        // Put back by the operator: pending again.
        out.length = 0;
        await mail(cfg, { operands: [], options: { retryFailed: true } }, (l) => out.push(l), now);
        expect(out).to.deep.equal(['1 failed mail(s) queued again']);
      } finally {
        await server.close();
      }
      expect(received).to.have.length(0);
    });
  });
}
