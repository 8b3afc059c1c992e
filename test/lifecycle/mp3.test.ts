// mp3 without mod_shout: real WAV files encoded in a worker thread, decoded back, measured; frame-header walk properties.

import { expect } from 'chai';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertRecordingToMp3, mp3PathFor, resumeConversions } from '../../src/lifecycle/mp3-conversion';
import { encodeWavToMp3 } from '../../src/lifecycle/mp3-codec';
import { walkMp3Frames } from '../../src/lifecycle/mp3-frames';
import { mp3Jobs } from '../../src/lifecycle/mp3-jobs';
import { checkRecordingFile } from '../../src/recorder';
import { Recording } from '../../src/simulator/recording';
import { captureLogger } from '../support/capture-logger';

const dir = mkdtempSync(join(tmpdir(), 'callwarden-mp3-'));

/** A WAV as the simulator's FreeSWITCH writes it (440/660 Hz tones, 8 kHz, 16-bit). */
function wav(name: string, seconds: number, stereo: boolean): string {
  const path = join(dir, name);
  const rec = new Recording(path, path, stereo, 0, undefined);
  rec.finish(seconds * 1e6);
  return path;
}

const KBPS = { mono: 16, stereo: 32 };

describe('lifecycle: mp3 without mod_shout', function () {
  this.timeout(60_000); // worker threads encoding and decoding real audio on a shared machine

  it('converts a finished WAV in a worker, verifies the mp3, records both files in the evidence, then removes the WAV', async () => {
    const local = wav('01-both.wav', 30, false);
    const check = await checkRecordingFile(local, 'wav', 30_200);
    expect(check.status).to.equal('ok');
    const evidence: Array<{ kind: string; detail: any }> = [];
    const patches: any[] = [];
    const out = await convertRecordingToMp3(
      { callId: 'c1', id: 'c1/01-both.wav', path: '/fs/rec/c1/01-both.wav', localPath: local, expectedMs: 30_200, check },
      { jobs: mp3Jobs, kbps: KBPS, appendEvidence: (_c, kind, detail) => evidence.push({ kind, detail }), updateRecording: (_id, p) => patches.push(p), logger: captureLogger().logger },
    );
    expect(out.ok).to.equal(true);
    const mp3 = mp3PathFor(local);
    expect(existsSync(local), 'the WAV is removed after the mp3 is verified').to.equal(false);
    const bytes = readFileSync(mp3);
    const walk = walkMp3Frames(bytes);
    expect(walk.sampleRate).to.equal(8000);
    expect(Math.abs(walk.durationMs - 30_000)).to.be.below(200);
    expect(evidence.map((e) => e.kind)).to.deep.equal(['recording_converted', 'recording_source_removed']);
    expect(evidence[0]!.detail.from).to.deep.include({ path: '/fs/rec/c1/01-both.wav', sha256: check.sha256, bytes: check.bytes });
    expect(evidence[0]!.detail.to).to.deep.include({ path: '/fs/rec/c1/01-both.mp3', bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(patches).to.deep.equal([{ filePath: '/fs/rec/c1/01-both.mp3', format: 'mp3', bytes: bytes.length, sha256: evidence[0]!.detail.to.sha256, durationMs: evidence[0]!.detail.to.durationMs, status: 'ok' }]);
  });

  it('keeps the WAV and says why when the mp3 does not match RECORD_START..RECORD_STOP', async () => {
    const local = wav('02-both.wav', 10, true);
    const check = await checkRecordingFile(local, 'wav', undefined);
    const evidence: Array<{ kind: string; detail: any }> = [];
    const patches: any[] = [];
    // FreeSWITCH said 60 s; the WAV holds 10 s: the WAV check alone let it through (no expected time), the mp3's must not.
    const out = await convertRecordingToMp3(
      { callId: 'c2', id: 'c2/02', path: '/fs/c2/02-both.wav', localPath: local, expectedMs: 60_000, check },
      { jobs: mp3Jobs, kbps: KBPS, appendEvidence: (_c, kind, detail) => evidence.push({ kind, detail }), updateRecording: (_id, p) => patches.push(p), logger: captureLogger().logger },
    );
    expect(out.ok).to.equal(false);
    expect(existsSync(local)).to.equal(true);
    expect(existsSync(mp3PathFor(local)), 'no half-checked mp3 left beside the WAV').to.equal(false);
    expect(evidence.map((e) => e.kind)).to.deep.equal(['recording_conversion_failed']);
    expect(evidence[0]!.detail.problems.join(' ')).to.match(/FreeSWITCH recorded for 60\.0 s/);
    expect(patches).to.deep.equal([{ status: 'ok' }]);
  });

  it('the mp3 check refuses a file that is not an mp3, and one cut short', async () => {
    const junk = join(dir, 'junk.mp3');
    writeFileSync(junk, Buffer.alloc(4000, 0x41));
    expect((await checkRecordingFile(junk, 'mp3', 1000)).problems.join(' ')).to.match(/not a decodable mp3/);
    const good = encodeWavToMp3(readFileSync(wav('03.wav', 20, false)), KBPS).mp3;
    const cut = join(dir, 'cut.mp3');
    writeFileSync(cut, good.subarray(0, Math.floor(good.length / 2)));
    const c = await checkRecordingFile(cut, 'mp3', 20_000);
    expect(c.status).to.equal('bad');
    expect(c.problems.join(' ')).to.match(/lasts 10\.\d s but FreeSWITCH recorded for 20\.0 s/);
  });

  it('after a crash mid-conversion, the next start finishes each `converting` row: WAV still there → converted; only the mp3 → its figures', async () => {
    const wavLeft = wav('05-both.wav', 12, false);
    const mp3Only = wav('06-both.wav', 8, false);
    writeFileSync(mp3PathFor(mp3Only), encodeWavToMp3(readFileSync(mp3Only), KBPS).mp3);
    const { unlinkSync } = await import('node:fs');
    unlinkSync(mp3Only);
    const started = '2026-01-01T00:00:00.000Z';
    const rows = [
      { id: 'r5', callId: 'c5', filePath: wavLeft, startedAt: started, stoppedAt: '2026-01-01T00:00:12.100Z' },
      { id: 'r6', callId: 'c6', filePath: mp3Only, startedAt: started, stoppedAt: '2026-01-01T00:00:08.000Z' },
    ];
    const patches = new Map<string, any>();
    const evidence: string[] = [];
    const n = await resumeConversions({
      listConverting: async () => rows,
      jobs: mp3Jobs,
      kbps: KBPS,
      appendEvidence: (c, kind) => evidence.push(`${c}:${kind}`),
      updateRecording: (id, p) => patches.set(id, p),
      logger: captureLogger().logger,
    });
    expect(n).to.equal(2);
    expect(patches.get('r5')).to.deep.include({ format: 'mp3', status: 'ok', filePath: mp3PathFor(wavLeft) });
    expect(existsSync(wavLeft)).to.equal(false);
    expect(patches.get('r6')).to.deep.include({ format: 'mp3', status: 'ok', filePath: mp3PathFor(mp3Only) });
    // lame pads the end to whole frames (576 samples = 72 ms at 8 kHz) and adds its encoder delay.
    expect(Math.abs(patches.get('r6').durationMs - 8000)).to.be.below(400);
    expect(evidence).to.include.members(['c5:recording_converted', 'c5:recording_source_removed', 'c6:recording_checked']);
  });

  it('frame walk: the frames of any encoded length add up to the decoded duration; junk around them is counted, never taken for audio', () => {
    const sample = encodeWavToMp3(readFileSync(wav('04.wav', 3, false)), KBPS).mp3;
    const clean = walkMp3Frames(sample);
    expect(clean.junkBytes).to.equal(0);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (before, after) => {
        const w = walkMp3Frames(Buffer.concat([Buffer.from(before), sample, Buffer.from(after)]));
        // Random bytes may by chance contain a header-looking pair; they never remove real frames.
        expect(w.frames).to.be.at.least(clean.frames - 1);
        expect(w.frames).to.be.at.most(clean.frames + 2);
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const w = walkMp3Frames(bytes);
        expect(w.durationMs).to.be.at.least(0);
        expect(w.junkBytes).to.be.at.most(bytes.length);
      }),
    );
  });
});
