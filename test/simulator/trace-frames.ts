// Reads captured traces as frame summaries and client commands, for conformance comparisons.

import { FrameParser } from '../../src/esl/parser';
import type { EslFrame } from '../../src/esl/frame';
import { expect } from 'chai';
import { frameToEvent } from '../../src/esl/event';
import { CommandReader, type ClientCommand } from '../../src/simulator/command-reader';
import { readTrace } from '../support/traces';

export interface FrameSummary {
  readonly type: string;
  readonly reply?: string;
  readonly event?: string;
  /** Non-variable_ header names of the event, sorted. */
  readonly headerSet?: string;
  readonly uuid?: string;
  readonly body?: string;
}

export function summarize(frames: readonly EslFrame[]): FrameSummary[] {
  return frames.map((f) => {
    const type = f.headers['Content-Type'] ?? '?';
    const ev = frameToEvent(f);
    if (ev !== undefined) {
      const names = Object.keys(ev.headers).filter((k) => !k.startsWith('variable_')).sort().join(',');
      return { type, event: ev.name, headerSet: names, ...(ev.headers['Unique-ID'] !== undefined ? { uuid: ev.headers['Unique-ID'] } : {}) };
    }
    const reply = f.headers['Reply-Text'];
    const body = f.body?.toString('utf8');
    return { type, ...(reply !== undefined ? { reply } : {}), ...(body !== undefined ? { body } : {}) };
  });
}

export function traceFrames(scenario: string, connection: string): EslFrame[] {
  return new FrameParser().push(readTrace(scenario, connection).rx);
}

export function traceCommands(scenario: string, connection: string): ClientCommand[] {
  return new CommandReader().push(readTrace(scenario, connection).tx);
}

/** A compact line per frame, for readable assertion diffs. */
export function describe(s: FrameSummary): string {
  if (s.event !== undefined) return `${s.type} ${s.event}`;
  if (s.reply !== undefined) return `${s.type} ${s.reply}`;
  return s.type;
}

/** Compares kinds, replies, event names and non-variable header sets frame by frame. */
export function expectSameFrames(actual: FrameSummary[], expected: FrameSummary[], what: string): void {
  expect(actual.map(describe), what).to.deep.equal(expected.map(describe));
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as FrameSummary;
    const a = actual[i] as FrameSummary;
    if (e.headerSet === undefined || a.headerSet === e.headerSet) continue;
    const want = e.headerSet.split(',');
    const got = (a.headerSet ?? '').split(',');
    const missing = want.filter((n) => !got.includes(n));
    const extra = got.filter((n) => !want.includes(n));
    expect({ missing, extra }, `${what} frame ${i} ${e.event ?? ''}: header set`).to.deep.equal({ missing: [], extra: [] });
  }
}

/** The captured phone never sent DTMF 1 (see traces README); the simulator does. */
export function withoutDigit(frames: EslFrame[], digit: string, uuid: string): EslFrame[] {
  return frames.filter((f) => {
    const ev = frameToEvent(f);
    return !(ev?.name === 'DTMF' && ev.headers['DTMF-Digit'] === digit && ev.headers['Unique-ID'] === uuid);
  });
}

