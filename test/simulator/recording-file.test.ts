// The simulator's recording files: a tone with masked spans silent, or (benches) a sparse silent file of the same header and length.

import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRecordingFile } from '../../src/recorder/recording-file-check';
import { Recording } from '../../src/simulator/recording';

describe('simulator recording files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callwarden-sim-file-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('sparse: the header and length a tone file has, every sample silent, and the daemon\'s check measures the same duration', async () => {
    const tone = new Recording('/r/tone.wav', join(dir, 'tone.wav'), true, 0, undefined);
    const sparse = new Recording('/r/sparse.wav', join(dir, 'sparse.wav'), true, 0, undefined);
    tone.finish(2_500_000);
    sparse.finish(2_500_000, true);
    const a = readFileSync(join(dir, 'tone.wav'));
    const b = readFileSync(join(dir, 'sparse.wav'));
    expect(b.length).to.equal(a.length).and.to.equal(44 + 2.5 * 8000 * 4);
    expect(b.subarray(0, 44).equals(a.subarray(0, 44))).to.equal(true);
    expect(a.subarray(44).some((x) => x !== 0)).to.equal(true);
    expect(b.subarray(44).every((x) => x === 0)).to.equal(true);
    expect(statSync(join(dir, 'sparse.wav')).size).to.equal(b.length);
    const check = await checkRecordingFile(join(dir, 'sparse.wav'), 'wav', 2500);
    expect(check).to.include({ status: 'ok', durationMs: 2500, bytes: b.length });
  });
});
