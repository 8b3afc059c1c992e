// Storage planning: the gate as a pure rule, the monitor's warnings, the report's figures, and no new recording on a full volume until space is back.

import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRepository } from '../../src/commands/open-repository';
import { storage } from '../../src/commands/storage';
import { defaultsWith } from '../../src/config';
import type { DiskSpace } from '../../src/lifecycle/disk-probe';
import { plannedStorage, storageReport } from '../../src/lifecycle/storage-report';
import { StorageMonitor } from '../../src/lifecycle/storage-monitor';
import { statusPayload } from '../../src/mqtt/mqtt-payloads';
import { decideRecording, storageLevel } from '../../src/policies';
import { createStoreKnex, migrateLatest, StoreRepository } from '../../src/store';
import { commandText, driveUntil, hotline, startHarness, agentPicksUp } from '../calls/call-harness';
import { input } from '../policies/policy-fixtures';
import { captureLogger } from '../support/capture-logger';
import { selectBackends } from '../store/test-backends';

const MB = 1_048_576;
const thresholds = { warnFreeMb: 500, criticalFreeMb: 100 };

describe('lifecycle: storage gate (pure policy)', () => {
  it('classifies free space against the thresholds', () => {
    expect(storageLevel(50 * MB, thresholds)).to.equal('critical');
    expect(storageLevel(100 * MB, thresholds)).to.equal('low');
    expect(storageLevel(499 * MB, thresholds)).to.equal('low');
    expect(storageLevel(500 * MB, thresholds)).to.equal('ok');
  });

  it('critical: no recording, the reason names the free space and the setting, the consent prompt is withdrawn', () => {
    const d = decideRecording(input({ consent: 'not-asked', storage: { level: 'critical', freeMb: 42, criticalFreeMb: 100 } }, { mode: 'opt-in' }));
    expect(d.record).to.equal(false);
    expect(d.reason).to.equal('no recording: the recording volume has 42 MB free, below the critical 100 MB (lifecycle.storage.criticalFreeMb)');
    expect(d.ruleTrail).to.include('storage:critical');
    expect(d.consentPromptDue).to.equal(false);
  });

  it('low or unprobed: recording goes on; unprobed leaves the trail as before', () => {
    const low = decideRecording(input({ consent: 'given', storage: { level: 'low', freeMb: 300, criticalFreeMb: 100 } }, { mode: 'opt-in' }));
    expect(low.record).to.equal(true);
    expect(low.ruleTrail).to.include('storage:low');
    const none = decideRecording(input({ consent: 'given' }, { mode: 'opt-in' }));
    expect(none.record).to.equal(true);
    expect(none.ruleTrail.some((t) => t.startsWith('storage:'))).to.equal(false);
  });
});

describe('lifecycle: storage monitor', () => {
  it('warns once per change in the log and reports each change (MQTT status); a failed probe claims nothing', async () => {
    let free = 1000 * MB;
    let fail = false;
    const log = captureLogger();
    const changes: string[] = [];
    const probe = async (): Promise<DiskSpace> => {
      if (fail) throw new Error('EIO');
      return { freeBytes: free, totalBytes: 2000 * MB, measured: '/rec' };
    };
    const m = new StorageMonitor({ directory: '/rec', config: { ...thresholds, checkIntervalMs: 60_000 }, logger: log.logger, probe, onChange: (s) => changes.push(s.level) });
    await m.check();
    free = 300 * MB;
    await m.check();
    await m.check();
    free = 50 * MB;
    await m.check();
    fail = true;
    await m.check();
    expect(m.current()?.level, 'the last good probe stands').to.equal('critical');
    fail = false;
    free = 900 * MB;
    await m.check();
    expect(changes).to.deep.equal(['ok', 'low', 'critical', 'ok']);
    const text = log.text();
    expect(text.match(/below the warning threshold 500 MB/g)).to.have.length(1);
    expect(text).to.match(/50 MB free, below the critical 100 MB: no new recording starts/);
    expect(text).to.match(/900 MB free again/);
  });

  it('the MQTT status carries the storage level and the mail queue', () => {
    const p = statusPayload(
      { state: 'online', node: 'n', pid: 1, since: 'x', health: { eslConnected: true, dbHealthy: true, outboxPending: 0, lifecycle: { storage: 'low', freeMb: 300, mailPending: 2, mailFailed: 1 } } },
      null,
    );
    expect((p.health as Record<string, unknown>).lifecycle).to.deep.equal({ storage: 'low', freeMb: 300, mailPending: 2, mailFailed: 1 });
  });
});

describe('lifecycle: a full volume on a real call (simulator)', function () {
  this.timeout(20_000);
  it('below critical no recording starts and the evidence says why; once space is back the next call records', async () => {
    let free = 10 * MB;
    const h = await startHarness({
      recording: { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } },
      lifecycle: { config: { storage: { warnFreeMb: 500, criticalFreeMb: 100, checkIntervalMs: 3_600_000 } }, options: { probe: async () => ({ freeBytes: free, totalBytes: 1000 * MB, measured: '/' }) } },
    });
    try {
      const first = h.sim.placeCall({ from: '+49301111', to: '5000' });
      await agentPicksUp(h.sim, first);
      await h.sim.advance(3000);
      expect(h.sim.received.map(commandText).filter((t) => t.includes('uuid_record'))).to.deep.equal([]);
      h.sim.hangup(first);
      await (await h.controllerOf(first.uuid)).done;
      const decisions = (await h.evidence(first.uuid)).filter((e) => e.kind === 'decision').map((e) => (e.detail as { reason: string }).reason);
      expect(decisions.join('\n')).to.match(/recording volume has 10 MB free, below the critical 100 MB/);

      free = 800 * MB;
      await h.lifecycle!.checkStorage();
      const second = h.sim.placeCall({ from: '+49302222', to: '5000' });
      await h.sim.expectPrompt(second);
      h.sim.press(second, '1');
      await agentPicksUp(h.sim, second);
      await driveUntil(h.sim, second, () => h.sim.received.map(commandText).some((t) => t.includes('uuid_record') && t.includes(second.uuid) && / start /.test(t)), 'uuid_record start');
    } finally {
      await h.stop();
    }
  });
});

for (const backend of selectBackends()) {
  describe(`lifecycle: storage report (${backend.name})`, function () {
    this.timeout(20_000);
    it('bytes used, per day, measured KB/min, space needed by each group\'s retention, days left', async () => {
      const knex = createStoreKnex(backend.dbOptions());
      const repo = new StoreRepository(knex, { tablePrefix: backend.tablePrefix });
      try {
        await migrateLatest(knex, repo.tables);
        const now = new Date('2026-05-15T12:00:00.000Z');
        // 14 days × 2 recordings of 2 min at 150 KB/min in "hotline" (retention 30 d), one deleted recording that must not count.
        for (let d = 0; d < 14; d++) {
          for (const n of [1, 2]) {
            const started = new Date(now.getTime() - (d + 0.5) * 86_400_000);
            await repo.upsertRecording({ id: `s${d}-${n}`, callId: `s${d}`, filePath: `/r/s${d}/${n}.mp3`, format: 'mp3', channels: 'both', status: 'ok', startedAt: started, durationMs: 120_000, bytes: 300 * 1024, group: 'hotline', retentionDays: 30 });
          }
        }
        await repo.upsertRecording({ id: 'gone', callId: 'g', filePath: '/r/g.mp3', format: 'mp3', channels: 'both', status: 'deleted', startedAt: new Date(now.getTime() - 86_400_000 * 30), durationMs: 1, bytes: 999_999_999 });
        const recording = defaultsWith({ recording: { retentionDays: 90, groups: { hotline: hotline({ mode: 'opt-in', retentionDays: 30 } as never) }, extensions: {} } }).recording;
        const disk = { freeBytes: 600 * 300 * 1024, totalBytes: 10 * 1024 * MB, measured: '/r' };
        const r = await storageReport(repo, recording, disk, now);
        expect(r.recordingsKept).to.equal(28);
        expect(r.bytesUsed).to.equal(28 * 300 * 1024);
        expect(r.kbPerMinute).to.deep.equal({ mp3: 150 });
        expect(r.days).to.have.length(14);
        expect(r.days.every((d) => d.recordings === 2 && d.minutes === 4)).to.equal(true);
        // 600 KB a day kept 30 days.
        expect(r.neededBytes).to.equal(30 * 600 * 1024);
        expect(r.daysLeft).to.equal(300);
        expect(plannedStorage({ hotline: 1000, '': 10 }, recording, null)).to.deep.equal({ neededBytes: 30 * 1000 + 90 * 10, daysLeft: null });
      } finally {
        await knex.destroy();
        await backend.cleanup();
      }
    });
  });
}

describe('lifecycle: `callwarden storage`', function () {
  this.timeout(20_000);
  it('prints the figures for an empty store, measuring the volume of the recording directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callwarden-storage-'));
    const config = defaultsWith({ store: { filename: join(dir, 'db.sqlite'), outboxDir: join(dir, 'outbox') }, recording: { directory: join(dir, 'not-yet-created') } });
    const out: string[] = [];
    // A read-only command: it refuses a database that does not exist rather than create one.
    const missing = await storage(config, { operands: [], options: {} }, (l) => out.push(l)).then(() => undefined, (e: Error) => e);
    expect(missing?.name).to.equal('NoDatabaseError');
    await (await openRepository(config)).close(); // as `callwarden migrate` or the daemon's first start
    expect(await storage(config, { operands: [], options: {} }, (l) => out.push(l))).to.equal(0);
    expect(out[0]).to.equal('recordings kept: 0, 0.0 KB');
    expect(out.join('\n')).to.match(new RegExp(`volume \\(${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\): .* free of`));
    expect(out.at(-1)).to.equal('days left on the volume at this rate: unknown (nothing recorded in the window)');
  });
});
