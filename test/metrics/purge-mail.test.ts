// Purge and mail results on the Prometheus endpoint: a daemon wired as `callwarden run` wires it, the purge on a clock the test sets, mail through a real SMTP server.

import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import type { DeepPartial, CallwardenConfig } from '../../src/config';
import { Daemon, type PurgeRun } from '../../src/daemon';
import { addHold } from '../../src/lifecycle/legal-holds';
import type { MailDelivery } from '../../src/lifecycle/mailer';
import { RecordingLifecycle } from '../../src/lifecycle/recording-lifecycle';
import { DaemonMetrics } from '../../src/metrics';
import { Simulator } from '../../src/simulator/simulator';
import type { StoreRepository } from '../../src/store';
import { captureLogger, type CapturedLogger } from '../support/capture-logger';
import { testConfig } from '../support/daemon-config';
import { sample } from '../support/scrape';
import { smtpServer, SMTP_PASSWORD, SMTP_USER, type Received } from '../support/smtp';
import { until } from '../support/wait';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T10:00:00.000Z');

interface Rig {
  readonly daemon: Daemon;
  readonly lifecycle: RecordingLifecycle;
  readonly metrics: DaemonMetrics;
  readonly repo: StoreRepository;
  readonly dir: string;
  readonly log: CapturedLogger;
  /** Sets the clock the purge and the mailer read. */
  setClock(ms: number): void;
  scrape(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * As src/commands/run.ts: metrics first, their hooks handed to the lifecycle and the daemon
 * when those are built, then watch(). Resolves once the purge the daemon runs at start-up is done.
 */
async function startRig(
  lifecycleConfig: DeepPartial<CallwardenConfig['lifecycle']> = {},
  hooks: { onPurge?: (run: PurgeRun) => void; onMailDelivery?: (d: MailDelivery) => void } = {},
): Promise<Rig> {
  const sim = new Simulator();
  const dir = mkdtempSync(join(tmpdir(), 'callwarden-metrics-rec-'));
  const config = testConfig(await sim.listen(0), { recording: { directory: dir }, lifecycle: lifecycleConfig });
  const log = captureLogger();
  let clock = T0;
  const now = () => new Date(clock);
  const metrics = new DaemonMetrics({ defaultMetrics: false });
  const runs: PurgeRun[] = [];
  const purged$ = new Subject<void>();
  const lifecycle = new RecordingLifecycle(config, log.logger, { now, onMailDelivery: hooks.onMailDelivery ?? ((d) => metrics.countMail(d)) });
  const daemon = new Daemon(config, log.logger, {
    resyncIntervalMs: 0,
    now,
    onPurge: (run) => {
      runs.push(run);
      purged$.next();
      (hooks.onPurge ?? ((r: PurgeRun) => metrics.countPurge(r)))(run);
    },
  });
  await daemon.start();
  metrics.watch(daemon);
  metrics.watchLifecycle(lifecycle);
  await lifecycle.start(daemon);
  await daemon.store.queue.ready();
  await until(purged$, () => runs.length >= 1, 'the purge at start-up');
  return {
    daemon,
    lifecycle,
    metrics,
    repo: daemon.store.repository,
    dir,
    log,
    setClock: (ms) => {
      clock = ms;
    },
    scrape: async () => (await metrics.scrape()).body,
    async stop() {
      metrics.stop();
      await lifecycle.stop();
      await daemon.stop();
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A finished recording of its own call, as the recorder leaves it; `directory` makes its path one (its deletion fails). */
async function seed(rig: Rig, callId: string, caller: string, content: string | 'directory', terms: { retentionDays: number; mailTo?: string[]; keepAfterMail?: boolean }): Promise<string> {
  await rig.repo.upsertCall({ callId, caller, destination: '5000', startedAt: new Date(T0) });
  const path = join(rig.dir, callId, '01-both.mp3');
  mkdirSync(join(rig.dir, callId), { recursive: true });
  if (content === 'directory') mkdirSync(path);
  else writeFileSync(path, content);
  await rig.repo.upsertRecording({
    id: `${callId}/01-both.mp3`, callId, filePath: path, format: 'mp3', channels: 'both', status: 'ok',
    startedAt: new Date(T0), stoppedAt: new Date(T0 + 60_000), durationMs: 60_000, bytes: content.length,
    sha256: createHash('sha256').update(content).digest('hex'), group: 'hotline', retentionDays: terms.retentionDays,
    retentionUntil: new Date(T0 + 60_000 + terms.retentionDays * DAY), mailTo: terms.mailTo ?? null, keepAfterMail: terms.keepAfterMail ?? true,
  });
  return path;
}

const deletions = (s: string, outcome: string) => sample(s, `callwarden_purge_deletions_total{outcome="${outcome}"}`);
const deliveries = (s: string, outcome: string) => sample(s, `callwarden_mail_deliveries_total{outcome="${outcome}"}`);

describe('metrics: purge and mail results', function () {
  this.timeout(20_000);
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('counts what each purge pass did (deleted, failed, held), its runs and when the last one succeeded', async () => {
    const r = (rig = await startRig());
    // The pass at start-up found nothing due; every outcome is there from the start, at 0.
    let s = await r.scrape();
    expect(sample(s, 'callwarden_purge_runs_total{result="ok"}')).to.equal(1);
    expect(sample(s, 'callwarden_purge_runs_total{result="error"}')).to.equal(0);
    expect(sample(s, 'callwarden_purge_last_success_timestamp_seconds')).to.equal(T0 / 1000);
    for (const outcome of ['deleted', 'failed', 'held']) expect(deletions(s, outcome), outcome).to.equal(0);

    const due = await seed(r, 'c-due', '+49 30 1111111', 'due audio', { retentionDays: 1 });
    const held = await seed(r, 'c-held', '+49 30 2222222', 'held audio', { retentionDays: 1 });
    const broken = await seed(r, 'c-broken', '+49 30 4444444', 'directory', { retentionDays: 1 });
    const later = await seed(r, 'c-later', '+49 30 3333333', 'kept audio', { retentionDays: 30 });
    await addHold(r.repo, 'number', '+49 30 2222222', 'court order 12/26', 'auditor', new Date(T0));

    // Day 2: one is deleted, one is held, one cannot be deleted, one is not due.
    r.setClock(T0 + 2 * DAY);
    const run = await r.daemon.purgeNow();
    expect(run.lines.map((l) => `${l.callId} ${l.outcome}`).sort()).to.deep.equal(['c-broken failed', 'c-due deleted', 'c-held held']);
    expect([existsSync(due), existsSync(held), existsSync(broken), existsSync(later)]).to.deep.equal([false, true, true, true]);
    s = await r.scrape();
    expect([deletions(s, 'deleted'), deletions(s, 'failed'), deletions(s, 'held')]).to.deep.equal([1, 1, 1]);
    expect(sample(s, 'callwarden_purge_runs_total{result="ok"}')).to.equal(2);
    expect(sample(s, 'callwarden_purge_last_success_timestamp_seconds')).to.equal((T0 + 2 * DAY) / 1000);

    // The next pass tries the failed one again and finds the hold still there: both count again.
    r.setClock(T0 + 2.5 * DAY);
    await r.daemon.purgeNow();
    s = await r.scrape();
    expect([deletions(s, 'deleted'), deletions(s, 'failed'), deletions(s, 'held')]).to.deep.equal([1, 2, 2]);
    expect(sample(s, 'callwarden_purge_runs_total{result="ok"}')).to.equal(3);

    // A pass that cannot run (the recordings table is gone) is an error run; the last success stays.
    const t = r.repo.tables.recordings;
    await r.repo.knex.schema.renameTable(t, `${t}_away`);
    r.setClock(T0 + 3 * DAY);
    const failedRun = await r.daemon.purgeNow();
    await r.repo.knex.schema.renameTable(`${t}_away`, t);
    expect(failedRun.error).to.be.a('string');
    s = await r.scrape();
    expect(sample(s, 'callwarden_purge_runs_total{result="error"}')).to.equal(1);
    expect(sample(s, 'callwarden_purge_runs_total{result="ok"}')).to.equal(3);
    expect(sample(s, 'callwarden_purge_last_success_timestamp_seconds')).to.equal((T0 + 2.5 * DAY) / 1000);
    // No call id or number becomes a label.
    expect(s).not.to.match(/c-due|c-held|2222222/);
  });

  it('counts mail tries over SMTP by outcome (sent, retry, failed) and shows the queue depth; a "do not keep" deletion counts as a purge deletion', async () => {
    const received: Received[] = [];
    const smtp = await smtpServer(received);
    try {
      const r = (rig = await startRig({
        mail: {
          enabled: true,
          from: 'callwarden@example.org',
          smtp: { host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, user: SMTP_USER, password: SMTP_PASSWORD },
          attachMaxBytes: 1000,
          backOfficeUrl: 'https://backoffice.example.org/',
          retry: { initialMs: 60_000, maxMs: 240_000, maxAttempts: 2 },
          // Only the pass at start and the test's own: nothing runs behind the test's back.
          pollMs: 3_600_000,
        },
      }));
      const mailer = r.lifecycle.mail!;
      let s = await r.scrape();
      for (const outcome of ['sent', 'retry', 'failed']) expect(deliveries(s, outcome), outcome).to.equal(0);
      expect(sample(s, 'callwarden_mail_queue_depth')).to.equal(0);

      const gone = await seed(r, 'm-gone', '+49 30 5555555', 'mailed then deleted', { retentionDays: 30, mailTo: ['team@example.org'], keepAfterMail: false });
      await seed(r, 'm-refused', '+49 30 6666666', 'nobody reads this', { retentionDays: 30, mailTo: ['nobody@example.org'] });
      // The mailer's pass at start may be running on the rows before the seed; the second pass surely sees them.
      await mailer.runOnce();
      await mailer.runOnce();
      expect(received.map((m) => m.to)).to.deep.equal([['team@example.org']]);
      expect(existsSync(gone)).to.equal(false);
      s = await r.scrape();
      expect([deliveries(s, 'sent'), deliveries(s, 'retry'), deliveries(s, 'failed')]).to.deep.equal([1, 1, 0]);
      expect(sample(s, 'callwarden_mail_queue_depth'), 'the refused one waits for its retry').to.equal(1);
      expect(deletions(s, 'deleted'), 'the delivered "do not keep" recording').to.equal(1);

      // Its retry is due: the second and last try is refused too, and it is given up.
      r.setClock(T0 + 61_000);
      expect(await mailer.runOnce()).to.deep.equal({ sent: 0, retrying: 0, failed: 1 });
      s = await r.scrape();
      expect([deliveries(s, 'sent'), deliveries(s, 'retry'), deliveries(s, 'failed')]).to.deep.equal([1, 1, 1]);
      expect(sample(s, 'callwarden_mail_queue_depth')).to.equal(0);
      expect(s).not.to.match(/m-gone|m-refused|example\.org/);
    } finally {
      await rig?.stop();
      rig = undefined;
      await smtp.close();
    }
  });

  it('a hook that throws changes nothing: the purge deletes, the mail is sent, the daemon logs it', async () => {
    const received: Received[] = [];
    const smtp = await smtpServer(received);
    try {
      const boom = () => {
        throw new Error('hook exploded');
      };
      const r = (rig = await startRig(
        {
          mail: {
            enabled: true,
            from: 'callwarden@example.org',
            smtp: { host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, user: SMTP_USER, password: SMTP_PASSWORD },
            pollMs: 3_600_000,
          },
        },
        { onPurge: boom, onMailDelivery: boom },
      ));
      const due = await seed(r, 'h-due', '+49 30 7777777', 'due audio', { retentionDays: 1 });
      r.setClock(T0 + 2 * DAY);
      expect((await r.daemon.purgeNow()).lines.map((l) => l.outcome)).to.deep.equal(['deleted']);
      expect(existsSync(due)).to.equal(false);
      await seed(r, 'h-mail', '+49 30 8888888', 'mailed audio', { retentionDays: 30, mailTo: ['team@example.org'] });
      await r.lifecycle.mail!.runOnce();
      await r.lifecycle.mail!.runOnce();
      expect(received).to.have.length(1);
      expect(r.log.text()).to.match(/purge observer failed \(hook exploded\)/);
      expect(r.log.text()).to.match(/mail observer failed \(hook exploded\)/);
      // The metrics' own hooks never throw, whatever they are handed.
      expect(() => r.metrics.countPurge(undefined as never)).not.to.throw();
      expect(() => r.metrics.countMail({ outcome: 'sent', purged: [null] } as never)).not.to.throw();
    } finally {
      await rig?.stop();
      rig = undefined;
      await smtp.close();
    }
  });
});
