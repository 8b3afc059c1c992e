// Locates and reads the captured FreeSWITCH traces (test/fixtures/freeswitch/traces in the repository).

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The traces ship with the repository so a clone stands alone; CALLWARDEN_TRACES points
 * elsewhere (e.g. a fresh capture) when set. Compiled to dist/test/support, hence three levels up to the repository.
 */
export const TRACES_DIR = resolve(
  process.env.CALLWARDEN_TRACES || join(__dirname, '..', '..', '..', 'test', 'fixtures', 'freeswitch', 'traces'),
);

/** The recordings FreeSWITCH wrote during the captures (e.g. record-api-stereo-masked.wav). */
export const TRACE_RECORDINGS_DIR = join(TRACES_DIR, 'recordings');

/**
 * True when the traces are there; when they are not, it throws rather than answer false, so a
 * test guarded by it fails loudly instead of being skipped (a skipped conformance test proves nothing).
 */
export function tracesAvailable(): boolean {
  if (existsSync(join(TRACES_DIR, 'README.md'))) return true;
  throw new Error(`captured FreeSWITCH traces not found in ${TRACES_DIR} (test/fixtures/freeswitch/traces, or CALLWARDEN_TRACES)`);
}

export interface TraceLogEntry {
  readonly dir: '<' | '>';
  /** For '<': byte offset and length of the frame in the .rx file. */
  readonly offset?: number;
  readonly length?: number;
  readonly summary: string;
}

export interface Trace {
  readonly name: string;
  readonly rx: Buffer;
  readonly tx: Buffer;
  readonly log: TraceLogEntry[];
}

export function readTrace(scenario: string, connection: string): Trace {
  const base = join(TRACES_DIR, scenario, connection);
  const log = readFileSync(`${base}.log`, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('<') || line.startsWith('>'))
    .map((line): TraceLogEntry => {
      if (line.startsWith('>')) return { dir: '>', summary: line.slice(2) };
      const [, offset, length, ...rest] = line.split(' ');
      return { dir: '<', offset: Number(offset), length: Number(length), summary: rest.join(' ') };
    });
  return { name: `${scenario}/${connection}`, rx: readFileSync(`${base}.rx`), tx: readFileSync(`${base}.tx`), log };
}

/** Every connection that has an .rx capture: [scenario, connection] pairs. */
export const ALL_TRACES: ReadonlyArray<readonly [string, string]> = [
  ['protocol', 'protocol'],
  ['protocol', 'auth-bad'],
  ['consent-bridge-coach', 'consent-socket'],
  ['consent-bridge-coach', 'coach-socket'],
  ['consent-bridge-coach', 'watch-json'],
  ['consent-bridge-coach', 'watch-plain'],
  ['objection', 'consent-socket'],
  ['objection', 'watch-json'],
  ['objection', 'watch-plain'],
  ['transfer', 'consent-socket'],
  ['transfer', 'watch-json'],
  ['transfer', 'watch-plain'],
  ['no-controller', 'watch-json'],
  ['no-controller', 'watch-plain'],
  ['record-api', 'watch-json'],
  ['record-api', 'watch-plain'],
  ['shutdown', 'shutdown'],
  ['daemon-kill9-midcall', 'watch-json'],
  ['daemon-kill9-midcall', 'watch-plain'],
  ['daemon-restart-midcall', 'watch-json'],
  ['daemon-restart-midcall', 'watch-plain'],
];
