// The file check after RECORD_STOP: missing, header only, not a WAV, too short or long against FreeSWITCH's times, or ok.

import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRecordingFile, durationPlausible, wavDurationMs } from '../../src/recorder';
import { wavHeader } from '../../src/simulator/recording';

const dir = mkdtempSync(join(tmpdir(), 'callwarden-check-'));

function wav(name: string, seconds: number, channels = 2): string {
  const data = Buffer.alloc(Math.round(seconds * 8000) * channels * 2, 1);
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([wavHeader(data.length, channels), data]));
  return path;
}

describe('recorder: recording file check', () => {
  it('ok: a WAV whose length matches RECORD_START..RECORD_STOP, with size and SHA-256', async () => {
    const path = wav('ok.wav', 12);
    const check = await checkRecordingFile(path, 'wav', 12_300);
    expect(check).to.deep.include({ status: 'ok', durationMs: 12_000, problems: [] });
    expect(check.bytes).to.equal(44 + 12 * 8000 * 4);
    const { readFileSync } = await import('node:fs');
    expect(check.sha256).to.equal(createHash('sha256').update(readFileSync(path)).digest('hex'));
  });

  it('bad: missing file', async () => {
    const check = await checkRecordingFile(join(dir, 'nope.wav'), 'wav', 1000);
    expect(check.status).to.equal('bad');
    expect(check.problems[0]).to.match(/does not exist \(ENOENT\)/);
  });

  it('bad: a header and no audio', async () => {
    const check = await checkRecordingFile(wav('empty.wav', 0), 'wav', 0);
    expect(check.status).to.equal('bad');
    expect(check.problems).to.include('the file holds no audio (44 bytes, a WAV header alone is 44)');
  });

  it('bad: far shorter than FreeSWITCH recorded for', async () => {
    const check = await checkRecordingFile(wav('short.wav', 3), 'wav', 60_000);
    expect(check.status).to.equal('bad');
    expect(check.problems[0]).to.equal('the file lasts 3.0 s but FreeSWITCH recorded for 60.0 s (RECORD_START..RECORD_STOP)');
  });

  it('bad: not a WAV at all', async () => {
    const path = join(dir, 'junk.wav');
    writeFileSync(path, Buffer.alloc(5000, 7));
    expect((await checkRecordingFile(path, 'wav', 1000)).problems).to.include('the file is not a readable PCM WAV');
  });

  it('reads the captured FreeSWITCH recording (stereo, 8 kHz) and tolerates small gaps only', () => {
    const head = Buffer.concat([wavHeader(16000 * 4, 2)]);
    expect(wavDurationMs(head, 44 + 16000 * 4)).to.equal(2000);
    expect(durationPlausible(9_000, 10_000)).to.equal(true);
    expect(durationPlausible(5_000, 10_000)).to.equal(false);
    expect(durationPlausible(95_000, 100_000)).to.equal(true);
  });
});
