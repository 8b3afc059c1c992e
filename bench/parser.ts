// `make bench-parser`: what hostile byte streams cost the ESL parser, as ratios to normal traffic of the same size in the same run.
//
// Figures in ms depend on the machine; the ratios do not (much): a parser whose cost is
// linear in the bytes and independent of how they are chunked shows ratios near 1, and a
// limit that cuts an attack short shows ratios far below 1. Each case runs in this process,
// after a warm-up, best of ROUNDS.

import { performance } from 'node:perf_hooks';
import { frameToEvent } from '../src/esl/event';
import { FrameParser, safeDecode } from '../src/esl/parser';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/** One realistic event-plain frame: ~150 URL-encoded headers, as FreeSWITCH sends CHANNEL_* events. */
function normalEvent(seq: number): Buffer {
  const lines = [
    'Event-Name: CHANNEL_EXECUTE',
    'Core-UUID: 2c923e4a-7233-44c9-b9f7-5151ea79c60f',
    `Event-Sequence: ${seq}`,
    'Event-Date-Timestamp: 1795345811061985',
    'Unique-ID: 8b1f6c52-1d7e-4f7a-9a55-0d1c3f9e2a11',
    'Channel-Name: sofia%2Finternal%2F1000%40127.0.0.1',
    'Caller-Caller-ID-Name: M%C3%BCller%20GmbH',
  ];
  for (let i = 0; i < 140; i++) lines.push(`variable_v${i}: value%20number%20${i}%3Ax`);
  const inner = Buffer.from(`${lines.join('\n')}\n\n`);
  return Buffer.concat([Buffer.from(`Content-Length: ${inner.length}\nContent-Type: text/event-plain\n\n`), inner]);
}

function normalTraffic(bytes: number): Buffer {
  const frames: Buffer[] = [];
  let size = 0;
  for (let seq = 1; size < bytes; seq++) {
    const f = normalEvent(seq);
    frames.push(f);
    size += f.length;
  }
  return Buffer.concat(frames);
}

interface Outcome {
  readonly ms: number;
  /** Heap growth while the case ran (MB), with --expose-gc. */
  readonly heapMb: number;
  readonly result: string;
}

/** Feeds `bytes` in `chunk`-byte pieces; decodes events; stops at the first error (what the connection does). */
function feed(bytes: Buffer, chunk: number): string {
  const parser = new FrameParser();
  let frames = 0;
  try {
    for (let i = 0; i < bytes.length; i += chunk) {
      for (const frame of parser.push(bytes.subarray(i, i + chunk))) {
        frames++;
        frameToEvent(frame);
      }
    }
  } catch (err) {
    return `${(err as Error).name} after ${frames} frame(s): ${(err as Error).message}`;
  }
  return `${frames} frame(s)`;
}

function measure(run: () => string): Outcome {
  let best = Infinity;
  let heapMb = 0;
  let result = '';
  run(); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    result = run();
    const ms = performance.now() - t0;
    heapMb = Math.max(heapMb, (process.memoryUsage().heapUsed - before) / 1e6);
    best = Math.min(best, ms);
  }
  return { ms: best, heapMb, result };
}

function row(name: string, o: Outcome, baseline?: Outcome): void {
  const ratio = baseline ? `${(o.ms / baseline.ms).toFixed(2)}×` : '1.00× (baseline)';
  console.log(`${name.padEnd(58)} ${o.ms.toFixed(1).padStart(9)} ms  ${ratio.padStart(17)}  heap +${o.heapMb.toFixed(0)} MB  → ${o.result.slice(0, 90)}`);
}

function main(): void {
  console.log(`ESL parser under hostile input (best of ${ROUNDS}; ratio = this case / normal traffic of the same size)\n`);

  // 1 MB body, one byte per chunk, against 1 MB of normal events in 64 KiB chunks.
  const mb = normalTraffic(1024 * 1024);
  const base1 = measure(() => feed(mb, 64 * 1024));
  row('baseline: 1 MB of events in 64 KiB chunks', base1);
  const bigBody = Buffer.concat([Buffer.from(`Content-Type: api/response\nContent-Length: ${1024 * 1024}\n\n`), Buffer.alloc(1024 * 1024, 'x')]);
  row('1 MB api/response body fed 1 byte per chunk', measure(() => feed(bigBody, 1)), base1);
  row('1 MB of events fed 1 byte per chunk', measure(() => feed(mb, 1)), base1);

  // 8 MB header block of short lines, against 8 MB of normal events.
  const eight = normalTraffic(8 * 1024 * 1024);
  const base8 = measure(() => feed(eight, 64 * 1024));
  row('baseline: 8 MB of events in 64 KiB chunks', base8);
  // Distinct names: every line is a new property of the header object (the costly part).
  const lines = (bytes: number) => {
    const out: string[] = [];
    for (let i = 0, size = 0; size < bytes; i++) {
      const line = `h${i.toString(36)}:v\n`;
      out.push(line);
      size += line.length;
    }
    return out.join('');
  };
  const shortLines = Buffer.from(`Content-Type: command/reply\n${lines(8 * 1024 * 1024)}\n`);
  row('8 MB outer header block of short lines, 64 KiB chunks', measure(() => feed(shortLines, 64 * 1024)), base8);
  const innerLines = Buffer.from(`Event-Name: CUSTOM\n${lines(8 * 1024 * 1024 - 64)}\n`);
  const innerFrame = Buffer.concat([Buffer.from(`Content-Length: ${innerLines.length}\nContent-Type: text/event-plain\n\n`), innerLines]);
  row('8 MB event-plain body of short header lines', measure(() => feed(innerFrame, 64 * 1024)), base8);

  // URL-decoding: malformed escapes against well-formed ones, same count and length.
  const N = 200_000;
  const good = Array.from({ length: N }, (_, i) => `sofia%2Finternal%2F${i}%40h`);
  const bad = Array.from({ length: N }, (_, i) => `sofia%zz%internal%2F${i}%4`);
  const utf = Array.from({ length: N }, (_, i) => `M%C3%BCller%20${i}%E0%A4`);
  const decodeAll = (values: string[]) => () => {
    let n = 0;
    for (const v of values) n += safeDecode(v).length;
    return `${values.length} values, ${n} chars`;
  };
  const baseDecode = measure(decodeAll(good));
  row(`baseline: decode ${N} well-formed values`, baseDecode);
  row(`decode ${N} values with malformed % escapes (%zz%)`, measure(decodeAll(bad)), baseDecode);
  row(`decode ${N} values with a truncated UTF-8 sequence`, measure(decodeAll(utf)), baseDecode);
}

main();
