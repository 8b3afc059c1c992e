// `make bench-parser` (second part): decoding the events of the captured real-FreeSWITCH traces, ours against modesl's bare parser on the same bytes.
//
// The pipeline bench replays the simulator's events (≈ 80 members, 3.3 KB in json); FreeSWITCH
// 1.10's own (test/fixtures/freeswitch/traces) are larger and carry array members. Each parser
// is fed every event frame of the traces, rounds alternating, median shown.

import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { frameToEvent } from '../src/esl/event';
import { FrameParser } from '../src/esl/parser';
import { frameEnds } from './frame-ends';
import { ALL_TRACES, readTrace } from '../test/support/traces';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const ModeslParser = require('modesl/lib/esl/Parser');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const REPEAT = 200;

/** The event frames of every trace (as FreeSWITCH framed them) of one content type. */
function eventFrames(type: 'text/event-json' | 'text/event-plain'): Buffer[] {
  const out: Buffer[] = [];
  const typeLine = new RegExp(`^Content-Type: ${type.replace('/', '\\/')}$`, 'm');
  for (const [scenario, connection] of ALL_TRACES) {
    const bytes = readTrace(scenario, connection).rx;
    let start = 0;
    for (const end of frameEnds(bytes)) {
      if (typeLine.test(bytes.toString('latin1', start, bytes.indexOf('\n\n', start)))) out.push(Buffer.from(bytes.subarray(start, end)));
      start = end;
    }
  }
  return out;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

function run(type: 'text/event-json' | 'text/event-plain'): void {
  const frames = eventFrames(type);
  const stream = Buffer.concat(frames);
  const ours = (): number => {
    const parser = new FrameParser();
    let n = 0;
    for (let r = 0; r < REPEAT; r++) for (const f of parser.push(stream)) if (frameToEvent(f)) n++;
    return n;
  };
  const modesl = (): number => {
    const socket = new EventEmitter();
    const parser = new ModeslParser(socket);
    let n = 0;
    parser.on('esl::event', () => n++);
    for (let r = 0; r < REPEAT; r++) socket.emit('data', stream);
    return n;
  };
  const times: Record<'ours' | 'modesl', number[]> = { ours: [], modesl: [] };
  const expected = frames.length * REPEAT;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of (round % 2 === 0 ? [['ours', ours], ['modesl', modesl]] : [['modesl', modesl], ['ours', ours]]) as ['ours' | 'modesl', () => number][]) {
      const t0 = performance.now();
      const n = fn();
      times[name].push(((performance.now() - t0) * 1000) / n);
      if (n !== expected) throw new Error(`${name} decoded ${n} events, expected ${expected}`);
    }
  }
  const kb = stream.length / frames.length / 1000;
  const o = median(times.ours);
  const m = median(times.modesl);
  console.log(
    `[${type}] ${frames.length} events of the captured traces, ${kb.toFixed(1)} KB each on average: modesl ${m.toFixed(1)} µs per event, callwarden ${o.toFixed(1)} µs (${(m / o).toFixed(2)}× modesl's speed)`,
  );
}

run('text/event-json');
run('text/event-plain');
