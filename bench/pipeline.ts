// `make bench`: N concurrent simulated calls through socket → parse → per-call stream → CallState,
// against modesl's bare parser on the same bytes, in the same process.

import { createServer, connect, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fork } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultsWith } from '../src/config';
import { Daemon } from '../src/daemon';
import { DAEMON_EVENTS } from '../src/esl/event-names';
import { frameToEvent } from '../src/esl/event';
import { FrameParser } from '../src/esl/parser';
import { Simulator } from '../src/simulator/simulator';
import { captureLogger } from '../test/support/capture-logger';
import { frameEnds } from './frame-ends';
import { target } from './target';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const ModeslParser = require('modesl/lib/esl/Parser');

const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const CHUNK = 64 * 1024;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** `BENCH_FORMATS=json` runs one format only (for profiling). */
const FORMATS = (process.env.BENCH_FORMATS ?? 'json,plain').split(',') as ('json' | 'plain')[];

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

interface Capture {
  /** Event frames only (handshake stripped), as FreeSWITCH framed them. */
  readonly bytes: Buffer;
  /** Where the hangups begin: before it, every call is live. */
  readonly liveUntil: number;
  readonly events: number;
}

/** Records what a subscriber sees while the simulator runs CALLS concurrent calls. */
async function capture(format: 'json' | 'plain'): Promise<Capture> {
  const sim = new Simulator({ heartbeatSeconds: 0 });
  const port = await sim.listen(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const socket = connect({ host: '127.0.0.1', port });
  const parser = new FrameParser();
  let frames = 0;
  let wanted = 0;
  let handshake = 0;
  let resolveWanted: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    for (const f of parser.push(chunk)) {
      frames++;
      if (f.headers['Content-Type'] !== 'text/event-json' && f.headers['Content-Type'] !== 'text/event-plain') continue;
    }
    chunks.push(chunk);
    size += chunk.length;
    if (resolveWanted && frames >= wanted) resolveWanted();
  });
  const waitFrames = (n: number) =>
    new Promise<void>((resolve) => {
      wanted = n;
      if (frames >= n) resolve();
      else resolveWanted = resolve;
    });
  await waitFrames(1); // auth/request
  socket.write('auth ClueCon\n\n');
  await waitFrames(2);
  socket.write(`event ${format} ${DAEMON_EVENTS.join(' ')}\n\n`);
  await waitFrames(3);
  handshake = size;
  const calls = Array.from({ length: CALLS }, (_, i) => sim.placeCall({ from: String(100_000 + i), to: '5001' }));
  await sim.advance(30_000);
  let expected = sim.events.filter((e) => DAEMON_EVENTS.includes(e.name as never)).length;
  await waitFrames(3 + expected);
  const liveUntil = size - handshake;
  for (const call of calls) sim.hangup(call);
  await sim.advance(1000);
  expected = sim.events.filter((e) => DAEMON_EVENTS.includes(e.name as never)).length;
  await waitFrames(3 + expected);
  socket.destroy();
  await sim.stop();
  return { bytes: Buffer.concat(chunks).subarray(handshake), liveUntil, events: expected };
}

function chunked(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) out.push(bytes.subarray(i, i + CHUNK));
  return out;
}

/** Chunks of about CHUNK bytes of bytes[from, to), each ending where a frame ends (`ends`). */
function chunkedAtFrames(bytes: Buffer, ends: readonly number[], from: number, to: number): Buffer[] {
  const out: Buffer[] = [];
  let start = from;
  for (const end of ends) {
    if (end <= from) continue;
    if (end > to) throw new Error(`replay: byte ${to} is not a frame end`);
    if (end - start >= CHUNK || end === to) {
      out.push(bytes.subarray(start, end));
      start = end;
    }
    if (end === to) break;
  }
  return out;
}

/** CPU time (user + system, all threads of this process) since `from`, in ms. */
function cpuMsSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

function modeslBare(bytes: Buffer): { ms: number; cpuMs: number; events: number } {
  const socket = new EventEmitter();
  const parser = new ModeslParser(socket);
  let events = 0;
  parser.on('esl::event', () => events++);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const chunk of chunked(bytes)) socket.emit('data', chunk);
  return { ms: performance.now() - t0, cpuMs: cpuMsSince(c0), events };
}

function oursBare(bytes: Buffer): { ms: number; events: number } {
  const parser = new FrameParser();
  let events = 0;
  const t0 = performance.now();
  for (const chunk of chunked(bytes)) for (const f of parser.push(chunk)) if (frameToEvent(f)) events++;
  return { ms: performance.now() - t0, events };
}

/** A FreeSWITCH stand-in that accepts the daemon and then writes the bytes it is told to, as fast as the socket takes them. */
async function serveReplay(bytes: Buffer, send: (msg: unknown) => void, onMessage: (fn: (msg: { send?: [number, number]; close?: true }) => void) => void): Promise<void> {
  // Cut points found once, when the replay starts: over 140 MB that takes ≈ 0.35 s, which, done at
  // each send, sat inside the daemon's timed window as idle time. The replay writes the daemon's
  // api replies between two chunks, so chunks end only where frames end (a reply inside an event
  // frame would be a desync no FreeSWITCH produces).
  const ends = frameEnds(bytes);
  let client: Socket | undefined;
  let ready!: () => void;
  const subscribed = new Promise<void>((resolve) => (ready = resolve));
  const server = createServer((socket) => {
    client = socket;
    socket.write('Content-Type: auth/request\n\n');
    socket.on('data', (d) => {
      for (const cmd of d.toString().split('\n\n').filter(Boolean)) {
        if (cmd.startsWith('api ')) {
          socket.write('Content-Type: api/response\nContent-Length: 17\n\n{"row_count": 0}\n');
          // The daemon's table rebuild after connecting: stream only after its reply, so no
          // reply lands inside an event frame (bytes are sent in arbitrary 64 KiB cuts).
          if (cmd === 'api show channels as json') ready();
        } else socket.write('Content-Type: command/reply\nReply-Text: +OK\n\n');
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  onMessage(async (msg) => {
    if (msg.close) {
      client?.destroy();
      server.close();
      process.exit(0);
    }
    if (msg.send) {
      await subscribed;
      for (const chunk of chunkedAtFrames(bytes, ends, msg.send[0], msg.send[1])) {
        if (!client!.write(chunk)) await new Promise((resolve) => client!.once('drain', resolve));
      }
      send({ sent: true });
    }
  });
  send({ port: typeof address === 'object' && address ? address.port : 0 });
}

/**
 * The replay runs in a child process, as FreeSWITCH would: the daemon's figures then carry
 * only the daemon's own work, not the cost of producing the bytes.
 */
async function replayServer(bytes: Buffer): Promise<{ port: number; send(from: number, to: number): Promise<void>; close(): void }> {
  const file = join(mkdtempSync(join(tmpdir(), 'callwarden-bench-bytes-')), 'events.bin');
  writeFileSync(file, bytes);
  const child = fork(__filename, ['--replay', file], { stdio: 'inherit' });
  const next = () => new Promise<Record<string, unknown>>((resolve) => child.once('message', (m) => resolve(m as Record<string, unknown>)));
  const { port } = (await next()) as { port: number };
  return {
    port,
    async send(from, to) {
      const done = next();
      child.send({ send: [from, to] });
      await done;
    },
    close() {
      child.send({ close: true });
    },
  };
}

async function pipeline(cap: Capture, format: 'json' | 'plain'): Promise<{ ms: number; cpuMs: number; heapPerCall: number; stallLiveMs: number; stallBurstMs: number; burstMs: number; windows: number[][] }> {
  const replay = await replayServer(cap.bytes);
  const outboxDir = mkdtempSync(join(tmpdir(), 'callwarden-bench-'));
  const config = defaultsWith({
    node: 'bench',
    esl: { port: replay.port, format, reconnect: { initialMs: 10, maxMs: 100 } },
    outbound: { port: 0 },
    store: { filename: ':memory:', outboxDir },
    mqtt: { url: 'off' },
    log: { level: 'error' },
  });
  const daemon = new Daemon(config, captureLogger().logger, { resyncIntervalMs: 0 });
  await daemon.start();
  await daemon.inbound.ready();
  // The schema is migrated in the background after start (the daemon takes calls meanwhile,
  // their writes wait in the outbox); once per start, not per event: outside the timed window.
  await daemon.store.queue.ready();
  let ended = 0;
  const sub = daemon.registry.calls$.subscribe((u) => {
    if (u.kind === 'ended') ended++;
  });
  const allLive = new Promise<void>((resolve) => {
    const s = daemon.registry.calls$.subscribe(() => {
      if (daemon.registry.size === CALLS) {
        s.unsubscribe();
        resolve();
      }
    });
  });
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const w0 = profileClock();
  await replay.send(0, cap.liveUntil);
  await allLive;
  const t1 = performance.now();
  const w1 = profileClock();
  const cpuLive = cpuMsSince(c0);
  loop.disable();
  const stallLiveMs = loop.max / 1e6;
  gc();
  const heapPerCall = (process.memoryUsage().heapUsed - heapBefore) / CALLS;
  const allEnded = new Promise<void>((resolve) => {
    const s = daemon.registry.calls$.subscribe(() => {
      if (ended === CALLS) {
        s.unsubscribe();
        resolve();
      }
    });
  });
  const burst = monitorEventLoopDelay({ resolution: 1 });
  burst.enable();
  const c2 = process.cpuUsage();
  const t2 = performance.now();
  const w2 = profileClock();
  await replay.send(cap.liveUntil, cap.bytes.length);
  await allEnded;
  const t3 = performance.now();
  const w3 = profileClock();
  const cpuBurst = cpuMsSince(c2);
  burst.disable();
  sub.unsubscribe();
  await daemon.stop();
  replay.close();
  rmSync(outboxDir, { recursive: true, force: true });
  return { ms: t1 - t0 + (t3 - t2), cpuMs: cpuLive + cpuBurst, heapPerCall, stallLiveMs, stallBurstMs: burst.max / 1e6, burstMs: t3 - t2, windows: [[w0, w1], [w2, w3]] };
}

/** Now on the clock of V8's CPU profiles (µs, the monotonic clock process.hrtime reads). */
function profileClock(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * `BENCH_PROFILE=dir` writes a CPU profile of each full-pipeline round there (the daemon's share
 * only), and beside it the timed windows (`<name>.windows.json`, profile clock) — the round also
 * holds set-up and tear-down. `node dist/bench/profile-summary.js <profile>` reads both.
 */
async function profiled<T extends { windows: number[][] }>(name: string, run: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_PROFILE;
  if (!dir) return run();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  let result: T | undefined;
  try {
    result = await run();
    return result;
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    if (result) writeFileSync(join(dir, `${name}.windows.json`), JSON.stringify(result.windows));
    session.disconnect();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  console.log(`callwarden bench: ${CALLS} concurrent simulated calls, ${ROUNDS} rounds, median shown, ${CHUNK / 1024} KiB chunks`);
  for (const format of FORMATS) {
    process.stdout.write(`\n[${format}] capturing the simulator's event stream… `);
    const cap = await capture(format);
    console.log(`${cap.events} events, ${(cap.bytes.length / 1e6).toFixed(1)} MB`);
    const modesl: number[] = [];
    const modeslCpu: number[] = [];
    const fullCpu: number[] = [];
    const bare: number[] = [];
    const full: number[] = [];
    const heap: number[] = [];
    const stallLive: number[] = [];
    const stallBurst: number[] = [];
    const burstMs: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      gc();
      const m = modeslBare(cap.bytes);
      if (m.events !== cap.events) throw new Error(`modesl saw ${m.events} events, expected ${cap.events}`);
      modesl.push(m.ms);
      modeslCpu.push(m.cpuMs);
      gc();
      const o = oursBare(cap.bytes);
      if (o.events !== cap.events) throw new Error(`our parser saw ${o.events} events, expected ${cap.events}`);
      bare.push(o.ms);
      gc();
      const p = await profiled(`pipeline-${format}-${r}`, () => pipeline(cap, format));
      full.push(p.ms);
      fullCpu.push(p.cpuMs);
      heap.push(p.heapPerCall);
      stallLive.push(p.stallLiveMs);
      stallBurst.push(p.stallBurstMs);
      burstMs.push(p.burstMs);
    }
    const rate = (ms: number) => Math.round(cap.events / (ms / 1000));
    const base = rate(median(modesl));
    const row = (name: string, ms: number) =>
      console.log(`  ${name.padEnd(52)} ${String(rate(ms)).padStart(9)} events/s   ${(rate(ms) / base).toFixed(2)}× modesl`);
    row('modesl Parser, bare (baseline)', median(modesl));
    row('callwarden FrameParser + event decoding, bare', median(bare));
    row('callwarden full pipeline (TCP → parse → streams → state)', median(full));
    // Wall time swings with whatever else the machine runs; CPU time (the replay is another process) much less.
    console.log(
      `  CPU time (user+sys of this process, GC threads included): modesl ${median(modeslCpu).toFixed(0)} ms, full pipeline ${median(fullCpu).toFixed(0)} ms = ${(median(modeslCpu) / median(fullCpu)).toFixed(2)}× modesl per CPU-second`,
    );
    console.log(`  heap per live call (${CALLS} live, after GC): ${(median(heap) / 1024).toFixed(1)} KiB`);
    console.log(`  longest event-loop stall of the daemon: ${median(stallLive).toFixed(1)} ms while ${CALLS} calls came up, ${median(stallBurst).toFixed(1)} ms while all ${CALLS} hung up at once (burst taken in ${median(burstMs).toFixed(0)} ms)`);
    const ratio = rate(median(full)) / base;
    target(`full pipeline vs modesl's bare parser (${format})`, `${ratio.toFixed(2)}×`, '≥ 0.8×', ratio >= 0.8);
    target(`heap per live call, call tracking alone (${format})`, `${(median(heap) / 1024).toFixed(1)} KiB`, '≤ 10 KiB', median(heap) <= 10 * 1024);
    target(`longest stall, ${CALLS} hangups at once, daemon alone (${format})`, `${median(stallBurst).toFixed(1)} ms`, '≤ 50 ms', median(stallBurst) <= 50);
  }
}

if (process.argv[2] === '--replay') {
  const file = process.argv[3]!;
  const bytes = readFileSync(file);
  // The capture is 130–140 MB: gone from the temporary directory once read.
  rmSync(dirname(file), { recursive: true, force: true });
  void serveReplay(
    bytes,
    (msg) => process.send!(msg),
    (fn) => process.on('message', fn as (m: unknown) => void),
  );
} else
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
