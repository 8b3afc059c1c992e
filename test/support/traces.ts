// Locates and reads the captured FreeSWITCH traces (../shared/freeswitch/traces by default).

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const TRACES_DIR = resolve(
  process.env.CALLWARDEN_TRACES ?? join(__dirname, '..', '..', '..', '..', 'shared', 'freeswitch', 'traces'),
);

export function tracesAvailable(): boolean {
  return existsSync(join(TRACES_DIR, 'README.md'));
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
];
