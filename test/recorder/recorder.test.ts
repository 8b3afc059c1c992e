// The recorder alone: +OK is not a recording, RECORD_START is; mask/unmask; and no other module emits recording commands.

import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Recorder, recordingCommandText } from '../../src/recorder';
import type { CallState } from '../../src/streams';
import { emptyCall } from '../../src/streams';
import { captureLogger } from '../support/capture-logger';

/** Comments may name commands (they explain FreeSWITCH); only code can send them. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

const LEG = '0d2d4bb5-3ac1-4db2-b8c8-e9eb87d35116';
const PATH = `/rec/${LEG}/01-both.wav`;

function fakeRecorder(reply: (cmd: string) => string) {
  const sent: string[] = [];
  const evidence: Array<{ kind: string; detail: unknown }> = [];
  const rows: unknown[] = [];
  const recorder = new Recorder({
    api: async (cmd) => {
      sent.push(cmd);
      const r = reply(cmd);
      if (r.startsWith('-ERR')) throw new Error(r);
      return r;
    },
    queue: {
      appendEvidence: (_c, kind, detail) => (evidence.push({ kind, detail }), 'id'),
      upsertRecording: (r) => (rows.push(r), 'id'),
      updateRecording: (id, p) => (rows.push({ id, ...p }), 'id'),
    },
    publisher: { publishEvent: () => undefined },
    recording: { retentionDays: 30, format: 'wav' },
    logger: captureLogger().logger,
  });
  return { recorder, sent, evidence, rows };
}

function withRecording(call: CallState, active: boolean): CallState {
  return { ...call, recordings: [{ path: PATH, leg: LEG, startedAt: 1_000_000, ...(active ? {} : { stoppedAt: 6_000_000 }), active }], recording: active };
}

describe('recorder', () => {
  it('+OK leaves a start in flight; only RECORD_START makes it running (and writes the row)', async () => {
    const { recorder, sent, rows, evidence } = fakeRecorder(() => '+OK Success');
    expect(await recorder.execute(LEG, { kind: 'start', leg: LEG, path: PATH }, { segment: 1, channels: 'both', policy: 'opt-in (group)' })).to.equal(true);
    expect(sent).to.deep.equal([`uuid_record ${LEG} start ${PATH}`]);
    expect(recorder.observed(LEG)).to.deep.include({ running: [], startsInFlight: [PATH] });
    expect(rows).to.deep.equal([]);
    await recorder.sync(withRecording(emptyCall(LEG, 'n'), true));
    expect(recorder.observed(LEG)).to.deep.include({ running: [PATH], startsInFlight: [] });
    expect(rows[0]).to.include({ status: 'recording', channels: 'both', segment: 1, policy: 'opt-in (group)' });
    expect(evidence.map((e) => e.kind)).to.deep.equal(['command_sent', 'fs_confirmed']);
  });

  it('-ERR clears the start so reconcile may retry; the refusal is evidence', async () => {
    const { recorder, evidence } = fakeRecorder(() => '-ERR Cannot locate session!');
    expect(await recorder.execute(LEG, { kind: 'start', leg: LEG, path: PATH })).to.equal(false);
    expect(recorder.observed(LEG).startsInFlight).to.deep.equal([]);
    expect(evidence[0]?.detail).to.include({ ok: false, wire: `uuid_record ${LEG} start ${PATH}` });
  });

  it('adopt: files a previous run saw running count as running (mask unknown); a stop FreeSWITCH cannot find ends that belief', async () => {
    const { recorder } = fakeRecorder(() => '-ERR Cannot stop record session!');
    recorder.adopt(LEG, [PATH], ['recording-started:1']);
    expect(recorder.observed(LEG)).to.deep.include({ running: [PATH], masked: 'unknown', announced: ['recording-started:1'] });
    expect(await recorder.execute(LEG, { kind: 'stop', leg: LEG, path: PATH })).to.equal(false);
    expect(recorder.observed(LEG)).to.deep.include({ running: [], stopsInFlight: [] });
  });

  it('mask / unmask: FreeSWITCH fires no event, so the accepted reply is the signal', async () => {
    const { recorder, sent } = fakeRecorder(() => '+OK Success');
    await recorder.sync(withRecording(emptyCall(LEG, 'n'), true));
    await recorder.execute(LEG, { kind: 'mask', leg: LEG, path: PATH });
    expect(recorder.observed(LEG).masked).to.equal(true);
    await recorder.execute(LEG, { kind: 'unmask', leg: LEG, path: PATH });
    expect(recorder.observed(LEG).masked).to.equal(false);
    expect(sent).to.deep.equal([`uuid_record ${LEG} mask ${PATH}`, `uuid_record ${LEG} unmask ${PATH}`]);
  });

  it('a stop whose file is missing marks the row bad', async () => {
    const { recorder, rows } = fakeRecorder(() => '+OK');
    await recorder.sync(withRecording(emptyCall(LEG, 'n'), true));
    await recorder.sync(withRecording(emptyCall(LEG, 'n'), false));
    expect(rows[1]).to.include({ status: 'bad', stoppedAt: new Date(6000).toISOString(), durationMs: null });
  });

  it('renders every command through the injection-checked builders', () => {
    expect(recordingCommandText({ kind: 'setvar', leg: LEG, name: 'RECORD_STEREO', value: 'true' })).to.equal(`uuid_setvar ${LEG} RECORD_STEREO true`);
    expect(recordingCommandText({ kind: 'announce', leg: LEG, id: 'x', announcement: 'recording-started', file: '/p/a.wav', to: 'both' })).to.equal(
      `uuid_broadcast ${LEG} /p/a.wav both`,
    );
    expect(() => recordingCommandText({ kind: 'start', leg: LEG, path: '/rec/a b.wav' })).to.throw(/one non-empty word/);
  });

  it('no module but src/recorder/ emits uuid_record or sets a RECORD_* variable', () => {
    const root = join(__dirname, '..', '..', '..', 'src');
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(root);
    expect(files.length).to.be.greaterThan(50);
    // The builder's definition (esl/commands.ts) and FreeSWITCH's stand-in, which RECEIVES
    // these commands (simulator/), are not senders.
    const exempt = (rel: string) => rel.startsWith('recorder/') || rel === 'esl/commands.ts' || rel.startsWith('simulator/');
    const SENDS = [/\buuidRecord\s*\(/, /['"`]\s*uuid_record\b/, /uuid_setvar[^\n]*RECORD_[A-Z_]+/, /uuidSetVar\([^)\n]*RECORD_/, /\brecordingCommandText\s*\(/];
    const offenders = files
      .map((f) => ({ rel: relative(root, f), text: withoutComments(readFileSync(f, 'utf8')) }))
      .filter(({ rel, text }) => !exempt(rel) && SENDS.some((re) => re.test(text)))
      .map(({ rel }) => rel);
    expect(offenders).to.deep.equal([]);
  });
});
