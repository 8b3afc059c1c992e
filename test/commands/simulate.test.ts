// `callwarden simulate` as an integrator runs it: the shipped examples against the example configuration, and --serve with a real daemon.

import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { createCallHandler, type CallController } from '../../src/calls';
import { Daemon, routeSessions } from '../../src/daemon';
import { CLI, cliEnv, runCli } from '../support/cli';
import { captureLogger } from '../support/capture-logger';
import { testConfig } from '../support/daemon-config';

const EXAMPLE = join(__dirname, '..', '..', '..', 'config', 'examples', 'local.json');

/** The README's example configuration, with the legal notice read (as an integrator would before a dry run). */
function exampleConfigDir(over: (c: Record<string, any>) => void = () => undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'cw-sim-conf-'));
  const config = JSON.parse(readFileSync(EXAMPLE, 'utf8'));
  config.recording.legalNoticeAcknowledged = true;
  over(config);
  writeFileSync(join(dir, 'local.json'), JSON.stringify(config));
  return dir;
}

/** The blocks of output, one per call, by label. */
function blocks(out: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const block of out.split(/\n(?=■ )/).slice(1)) map.set(/^■ (\S+):/.exec(block)![1]!, block.split('\n━━')[0]!);
  return map;
}

describe('callwarden simulate', function () {
  this.timeout(120_000);

  it('plays the shipped examples against the configuration and prints each call\'s trail', () => {
    const run = runCli(['simulate'], { NODE_CONFIG_DIR: exampleConfigDir() });
    expect(run.code, run.err + run.out).to.equal(0);
    const calls = blocks(run.out);
    expect([...calls.keys()]).to.deep.equal(['consent', 'objection', 'silent', 'withdraw']);
    expect(calls.get('consent')).to.match(/→ group hotline \(opt-in\)/);
    expect(calls.get('consent')).to.contain('asked:    consent-menu.wav (up to 2 times, 10.0s for a key)');
    expect(calls.get('consent')).to.contain('answer:   pressed 1 → consent given');
    expect(calls.get('consent')).to.contain('decided:  RECORD — the caller agreed with DTMF 1 at the consent prompt');
    expect(calls.get('consent')).to.match(/recorded: segment 1, both parties in stereo, wav 01-both\.wav, 20\.0s, \d+ bytes — ok/);
    expect(calls.get('objection')).to.contain('decided:  no recording — the caller objected with DTMF 9 at the consent prompt');
    expect(calls.get('objection')).to.contain('recorded: nothing');
    expect(calls.get('objection')).not.to.contain('uuid_record');
    expect(calls.get('silent')).to.contain('answer:   no key → no key before the timeout');
    expect(calls.get('silent')).to.contain('recorded: nothing');
    expect(calls.get('withdraw')).to.match(/pressed:  caller 9[\s\S]*uuid_record \S+ stop/);
    for (const block of calls.values()) expect(block).to.contain('chain verifies');
  });

  it('follows the configuration: no agent consent on file → nothing recorded, and says why', () => {
    const scenario = join(mkdtempSync(join(tmpdir(), 'cw-sim-')), 'one.scenario');
    writeFileSync(scenario, 'call one: caller +4930111 dials 5000\none: agent answers\nwait 5s\none: caller hangs up\n');
    const run = runCli(['simulate', '--agent-consent', 'none', scenario], { NODE_CONFIG_DIR: exampleConfigDir() });
    expect(run.code, run.err).to.equal(0);
    const block = blocks(run.out).get('one')!;
    expect(block).to.contain('recording consent on file: no');
    expect(block).to.contain('recorded: nothing');
    expect(block).to.contain('decided:  no recording — nothing is recorded: the agent has no recording consent on file');
    expect(block).to.match(/rules: .*agent-consent:no/);
    expect(block).not.to.contain('asked:');
    // The legal notice not acknowledged: the same call, nothing asked, nothing recorded.
    const off = runCli(['simulate', scenario], { NODE_CONFIG_DIR: exampleConfigDir((c) => (c.recording.legalNoticeAcknowledged = false)) });
    expect(off.out).to.contain('recording OFF: recording.legalNoticeAcknowledged is false');
    expect(blocks(off.out).get('one')).to.contain('recorded: nothing');
  });

  it('a scenario with a mistake is refused before anything runs, with its line (exit 2); an unknown group too', () => {
    const scenario = join(mkdtempSync(join(tmpdir(), 'cw-sim-')), 'bad.scenario');
    writeFileSync(scenario, 'call a: caller 1 dials 5000\na: caller sings\n');
    const bad = runCli(['simulate', scenario], { NODE_CONFIG_DIR: exampleConfigDir() });
    expect(bad.code).to.equal(2);
    expect(bad.err).to.contain('bad.scenario: scenario line 2: unknown action "caller sings"');
    const group = runCli(['simulate', '--group', 'sales'], { NODE_CONFIG_DIR: exampleConfigDir() });
    expect(group.code).to.equal(2);
    expect(group.err).to.contain('group "sales" is not in recording.groups (configured: hotline)');
  });

  it('--serve: a daemon started separately connects, takes the scripted call and records it', async () => {
    // The daemon first (its outbound port is what the served FreeSWITCH dials), pointed at a free port.
    const eslPort = await freePort();
    const recordingsDir = mkdtempSync(join(tmpdir(), 'cw-serve-rec-'));
    const silence = 'silence_stream://300';
    const group = { mode: 'opt-in', consentTimeoutMs: 2000, consentTries: 1, prompts: { consentMenu: silence, invalidEntry: silence, notice: silence, noticeWithObjection: silence, recordingStarted: silence, noRecording: silence, recordingStopped: silence, reannouncement: silence } };
    const config = testConfig(eslPort, { recording: { legalNoticeAcknowledged: true, directory: recordingsDir, format: 'wav', groups: { hotline: group }, extensions: { '1001': { group: 'hotline' } } } as never });
    const log = captureLogger();
    const controllers: CallController[] = [];
    const calls = createCallHandler({ recording: config.recording, logger: log.logger, onController: (c) => controllers.push(c) });
    const daemon = new Daemon(config, log.logger, { resyncIntervalMs: 0, onSession: routeSessions({ calls }) });
    await daemon.start();
    await daemon.store.queue.ready();
    await daemon.store.repository.recordAgentConsent({ extension: '1001', signedAt: new Date(Date.now() - 60_000), documentRef: 'test' });
    const dir = mkdtempSync(join(tmpdir(), 'cw-serve-'));
    writeFileSync(join(dir, 'local.json'), JSON.stringify({ recording: { groups: { hotline: group }, extensions: { '1001': { group: 'hotline' } } } }));
    writeFileSync(join(dir, 'short.scenario'), 'call s: caller +4930999 dials 5000\ns: expect prompt\ns: caller presses 1\ns: agent answers\ns: expect recording\nwait 1s\ns: caller hangs up\n');
    const served = spawn(process.execPath, [CLI, 'simulate', '--serve', '--port', String(eslPort), join(dir, 'short.scenario')], {
      env: cliEnv({ NODE_CONFIG_DIR: dir, CALLWARDEN_OUTBOUND_PORT: String(daemon.outboundPort), CALLWARDEN_RECORDING_DIR: recordingsDir }),
    });
    let out = '';
    served.stdout.on('data', (b: Buffer) => (out += b.toString()));
    served.stderr.on('data', (b: Buffer) => (out += b.toString()));
    try {
      const ended = await firstValueFrom(daemon.registry.calls$.pipe(filter((u) => u.kind === 'ended'), timeout(90_000)));
      const callId = ended.call.callId;
      // The controller is done once the call's last recording is checked; then its rows are queued.
      await controllers.find((c) => c.callId === callId)!.done;
      await daemon.store.queue.drained();
      const [rec] = await daemon.store.repository.listRecordings(callId);
      expect(rec).to.include({ status: 'ok', channels: 'both', segment: 1 });
      expect(out).to.contain(`simulated FreeSWITCH listening on 127.0.0.1:${eslPort}`);
      expect(out).to.contain(`recordings land in ${recordingsDir} (recording.directory)`);
      expect(out).to.contain('callwarden connected');
      expect(out).to.match(/s: ✓ recording/);
    } finally {
      served.kill('SIGTERM');
      await new Promise((resolve) => served.once('exit', resolve));
      await daemon.stop();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
