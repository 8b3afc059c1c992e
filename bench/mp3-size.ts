// Measures what a minute of conversation costs on disk (WAV vs the mp3 the daemon writes without mod_shout) and how fast lamejs encodes it.

import { performance } from 'node:perf_hooks';
import { encodeWavToMp3 } from '../src/lifecycle/mp3-codec';
import { walkMp3Frames } from '../src/lifecycle/mp3-frames';
import { wavHeader } from '../src/simulator/recording';

const RATE = 8000;

/** Speech-like test signal: a voiced tone with vibrato, amplitude syllables, pauses and noise (not a pure tone, which would flatter a VBR encoder). */
function conversation(minutes: number, channels: 1 | 2): Buffer {
  const frames = Math.round(minutes * 60 * RATE);
  const data = Buffer.alloc(frames * channels * 2);
  let seed = 12345;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5) * 2;
  for (let i = 0; i < frames; i++) {
    const t = i / RATE;
    for (let c = 0; c < channels; c++) {
      // The two parties take turns: 4 s each.
      const talking = channels === 1 || Math.floor(t / 4) % 2 === c;
      const syllable = Math.max(0, Math.sin(2 * Math.PI * 3 * t));
      const f0 = (c === 0 ? 140 : 210) * (1 + 0.05 * Math.sin(2 * Math.PI * 0.7 * t));
      const voice = Math.sin(2 * Math.PI * f0 * t) + 0.5 * Math.sin(4 * Math.PI * f0 * t) + 0.25 * Math.sin(6 * Math.PI * f0 * t);
      const v = talking ? 4000 * syllable * voice + 300 * noise() : 60 * noise();
      data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), (i * channels + c) * 2);
    }
  }
  return Buffer.concat([wavHeader(data.length, channels), data]);
}

const MINUTES = Number(process.env.BENCH_MINUTES ?? 5);
console.log(`mp3 without mod_shout: ${MINUTES} min of 8 kHz conversation per layout (lamejs, CBR; defaults lifecycle.mp3 kbpsMono 16 / kbpsStereo 32)`);
for (const [channels, kbps] of [[1, 16], [1, 24], [2, 32]] as const) {
  const wav = conversation(MINUTES, channels);
  const t0 = performance.now();
  const { mp3 } = encodeWavToMp3(wav, { mono: kbps, stereo: kbps });
  const ms = performance.now() - t0;
  const walk = walkMp3Frames(mp3);
  console.log(
    `  ${channels === 1 ? 'mono  ' : 'stereo'} ${String(kbps).padStart(2)} kbit/s: WAV ${(wav.length / 1024 / MINUTES).toFixed(0)} KB/min → mp3 ${(mp3.length / 1024 / MINUTES).toFixed(1)} KB/min` +
      ` (${walk.frames} frames, ${(walk.durationMs / 60000).toFixed(2)} min decoded length); encoding ${(ms / MINUTES / 1000).toFixed(2)} s per minute of audio = ${((MINUTES * 60_000) / ms).toFixed(0)}× real time`,
  );
}
