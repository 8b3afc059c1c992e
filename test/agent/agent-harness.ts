// Test helpers for the agent's side: the simulator's virtual clock as the controllers' clock, and reading a WAV's silent stretches.

import { readFileSync } from 'node:fs';
import type { CallClock } from '../../src/calls';
import type { Simulator } from '../../src/simulator/simulator';

/** Pauses end at their maximum on the simulator's clock, so a test moves time instead of waiting. */
export function simClock(sim: Simulator): CallClock {
  return {
    nowMicros: () => sim.clock.now,
    setTimer: (ms, fn) => sim.clock.setTimeout(fn, ms),
  };
}

export interface SilentStretch {
  /** Seconds from the start of the file. */
  readonly fromS: number;
  readonly toS: number;
}

/**
 * The stretches of a 16-bit PCM WAV (44-byte header, as FreeSWITCH writes it) in which every
 * sample of every channel is zero for at least `minS` seconds: what a mask leaves behind.
 */
export function silentStretches(file: string, minS = 0.5): { durationS: number; silent: SilentStretch[] } {
  const buf = readFileSync(file);
  const channels = buf.readUInt16LE(22);
  const rate = buf.readUInt32LE(24);
  const data = buf.subarray(44);
  const frames = Math.floor(data.length / (2 * channels));
  const silent: SilentStretch[] = [];
  let start: number | undefined;
  for (let f = 0; f <= frames; f++) {
    let zero = f < frames;
    for (let c = 0; zero && c < channels; c++) zero = data.readInt16LE((f * channels + c) * 2) === 0;
    if (zero && start === undefined) start = f;
    if (!zero && start !== undefined) {
      // A sine crosses zero now and then: only long runs count.
      if ((f - start) / rate >= minS) silent.push({ fromS: start / rate, toS: f / rate });
      start = undefined;
    }
  }
  return { durationS: frames / rate, silent };
}
