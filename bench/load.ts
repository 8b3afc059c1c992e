// `make bench` (third part): the whole daemon — consent flow, call controllers, recorder, coaching —
// ramped to BENCH_LOAD_CALLS (default 2,000) live calls as fast as it takes them, with calls
// arriving and ending continuously at full load; then calls arriving and ending on a schedule as
// in a contact centre (open loop: where the deciding event → uuid_record target is judged); then
// half of them hanging up at once. Issue 12 point 1: deciding event → uuid_record, heap per live
// call, the longest event-loop stall, whether FreeSWITCH's side ever had to queue.
//
// FreeSWITCH (the simulator, with the scenario that drives it) runs in a child process, as a real
// one would: the daemon's process then holds only the daemon, so its heap, its garbage collector
// and its event loop are measured without the simulator's channel model and work. The latency is
// taken from the moment the simulator fires CHANNEL_BRIDGE to the moment the daemon writes its
// `api uuid_record … start` on its socket, on the machine's clock in both processes.

// First: the harness's outboxes and the recordings go under one temporary directory, removed at the end.
import { removeRunTempDir } from '../test/support/run-temp-dir';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { constants as perfConstants, monitorEventLoopDelay, performance, PerformanceObserver, type IntervalHistogram, type PerformanceEntry } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import winston from 'winston';
import { ownString } from '../src/esl/own-string';
import { DECISION_CHANNEL, type DecisionMark, type DecisionStep } from '../src/metrics/decision-trace';
import type { CallHandle } from '../src/simulator';
import type { ReceivedCommand } from '../src/simulator/connection';
import type { SimEvent } from '../src/simulator/events';
import { Simulator } from '../src/simulator/simulator';
import { createStoreKnex } from '../src/store/store-knex';
import { groupDialplan, hotline, playing, startHarnessDaemon, tmpOutbox } from '../test/calls/call-harness';
import { dropPrefixedTables } from '../test/store/test-backends';
import { stats, wallMs } from './latency';
import { target } from './target';

const LIVE = Number(process.env.BENCH_LOAD_CALLS ?? 2000);
/** Calls set up at once (their prompts overlap); agents then answer one after another. */
const WAVE = Number(process.env.BENCH_LOAD_WAVE ?? 100);
/** At full load: this many calls end and as many arrive, one for one. */
const CHURN = Number(process.env.BENCH_LOAD_CHURN ?? Math.max(1, Math.round(LIVE / 10)));
const BURST = Math.floor(LIVE / 2);
/**
 * The steady phase, open loop, as a contact centre runs: at LIVE live calls of MEAN_CALL_S
 * seconds on average, a call arrives (and the oldest ends) every MEAN_CALL_S / LIVE seconds,
 * whatever the daemon is doing — 2,000 calls of 2 minutes: one every 60 ms, 16.7 a second.
 */
const STEADY = Number(process.env.BENCH_LOAD_STEADY ?? Math.max(1, Math.round(LIVE / 4)));
const MEAN_CALL_S = Number(process.env.BENCH_LOAD_MEAN_CALL_S ?? 120);
/** The store as production runs it (MariaDB, a pool) instead of in-memory SQLite's single connection. */
const MYSQL_URL = process.env.BENCH_LOAD_MYSQL_URL ?? '';
/** Where the sampling heap profile of HEAP_PHASE goes (see startHeapSampling); none without it. */
const HEAP_PROFILE = process.env.BENCH_LOAD_HEAP_PROFILE ?? '';
const HEAP_PHASE = process.env.BENCH_LOAD_HEAP_PHASE ?? 'steady';
const TABLE_PREFIX = `cwbench${randomBytes(3).toString('hex')}_`;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

// Short prompts: the bench measures the daemon, not minutes of virtual audio.
const SHORT = 'silence_stream://100';
const PROMPTS = {
  consentMenu: SHORT,
  invalidEntry: SHORT,
  notice: SHORT,
  noticeWithObjection: SHORT,
  recordingStarted: SHORT,
  noRecording: SHORT,
  recordingStopped: SHORT,
  reannouncement: SHORT,
};
const OPT_IN = { groups: { hotline: hotline({ mode: 'opt-in', prompts: PROMPTS } as never) }, extensions: { '1001': { group: 'hotline' } } };

type Phase = 'ramp' | 'churn' | 'steady' | 'burst';

/** What the FreeSWITCH side asks the daemon's side, and waits for. */
type Request =
  | { readonly kind: 'start' | 'end'; readonly phase: Phase }
  /** Half the calls are live: the heap there and at full load give the cost of one more live call. */
  | { readonly kind: 'half' }
  /** At full load: the daemon rebuilds its call table from `show channels` (every 60 s in production). */
  | { readonly kind: 'resync' }
  /** Resolve when the daemon has finished these calls (rows written, recordings checked). */
  | { readonly kind: 'settle'; readonly uuids: readonly string[] };

/** The FreeSWITCH side's figures, at the end. */
interface SideFigures {
  readonly placed: number;
  readonly eventsPerCall: number;
  /** Each call of the phase, in order: its uuid and when the simulator fired its CHANNEL_BRIDGE (wallMs). */
  readonly ramp: ReadonlyArray<readonly [string, number]>;
  readonly churn: ReadonlyArray<readonly [string, number]>;
  readonly steady: ReadonlyArray<readonly [string, number]>;
  readonly backpressure: number;
}

type ToDaemon = { readonly port: number } | { readonly id: number; readonly request: Request } | { readonly figures: SideFigures };
type ToFreeswitch = { readonly outbound: number } | { readonly go: true } | { readonly id: number; readonly done: true };

const ms = (v: number): string => `${v.toFixed(2).padStart(7)} ms`;
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const progress = (line: string): void => void process.stderr.write(`  … ${line}\n`);

const STEP_NAMES: Record<DecisionStep | 'written', string> = {
  event: 'bridge fired → the call\'s controller has the update',
  decided: '→ policies decided (agent consent read again)',
  gate: '→ start asks the recording gate',
  gated: '→ gate open (decision evidence fsync\'d)',
  written: '→ uuid_record written on the socket',
};

/** Each step's durations: from the bridge to the step's first mark after it, then step to step. */
function splitDecisions(
  calls: ReadonlyArray<readonly [string, number]>,
  marks: ReadonlyMap<string, ReadonlyArray<readonly [DecisionStep, number]>>,
  written: ReadonlyMap<string, number>,
): Map<DecisionStep | 'written', number[]> {
  const order: Array<DecisionStep | 'written'> = ['event', 'decided', 'gate', 'gated', 'written'];
  const split = new Map(order.map((s) => [s, [] as number[]]));
  for (const [uuid, bridged] of calls) {
    const end = written.get(uuid)!;
    const after = (marks.get(uuid) ?? []).filter(([, at]) => at >= bridged && at <= end);
    let previous = bridged;
    for (const step of order) {
      const at = step === 'written' ? end : after.find(([s, t]) => s === step && t >= previous)?.[1];
      if (at === undefined) continue;
      split.get(step)!.push(at - previous);
      previous = at;
    }
  }
  return split;
}

function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function stallMs(hs: readonly IntervalHistogram[]): number {
  return Math.max(...hs.map((h) => h.max)) / 1e6;
}

/**
 * The daemon's collector pauses while it runs (the steady phase): every event that arrives during
 * one waits for it, so they are a floor under the latency figures that no step of the daemon's own
 * can go below.
 */
class GcPauses {
  readonly young: number[] = [];
  readonly full: number[] = [];
  private readonly observer = new PerformanceObserver((list) => this.take(list.getEntries()));

  start(): void {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.take(this.observer.takeRecords());
    this.observer.disconnect();
  }

  private take(entries: readonly PerformanceEntry[]): void {
    for (const e of entries) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) this.young.push(e.duration);
      else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) this.full.push(e.duration);
    }
  }
}

/** The daemon's process: starts the daemon, answers the FreeSWITCH side, measures heap and stalls, prints. */
async function main(): Promise<void> {
  const recordingsDir = mkdtempSync(join(tmpdir(), 'callwarden-bench-load-'));
  const child = fork(__filename, ['--freeswitch', recordingsDir], { stdio: 'inherit' });
  const send = (msg: ToFreeswitch): void => void child.send(msg);
  const next = <T extends ToDaemon>(pick: (m: ToDaemon) => m is T): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: ToDaemon): void => {
        if (!pick(m)) return;
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`the FreeSWITCH side exited (${code}) before it finished`)));
    });
  const { port } = await next((m): m is { port: number } => 'port' in m);

  // The end mark: the daemon writing `api uuid_record <uuid> start` on its socket (issue 12:
  // "written on the socket"). Only the daemon writes api commands in this process.
  const recordWritten = new Map<string, number>();
  // Where each steady call's time goes (src/metrics/decision-trace.ts marks it); listened to in
  // the steady phase only, after the heap is measured.
  const marks = new Map<string, Array<readonly [DecisionStep, number]>>();
  const mark = (message: unknown): void => {
    const { callId, step } = message as DecisionMark;
    let list = marks.get(callId);
    if (!list) marks.set(callId, (list = []));
    list.push([step, wallMs()]);
  };
  const write = Socket.prototype.write as (this: Socket, data: unknown, ...rest: unknown[]) => boolean;
  Socket.prototype.write = function (this: Socket, data: unknown, ...rest: unknown[]): boolean {
    const head = typeof data === 'string' ? data.slice(0, 64) : Buffer.isBuffer(data) ? data.toString('latin1', 0, 64) : '';
    const m = /^api uuid_record (\S+) start /.exec(head);
    // The uuid copied (ownString): a slice would keep the whole command text, counted as the daemon's heap.
    if (m && !recordWritten.has(m[1]!)) recordWritten.set(ownString(m[1]!), wallMs());
    return write.call(this, data, ...rest);
  } as typeof Socket.prototype.write;

  // The production level and a real formatter; the lines are counted, not kept or printed.
  let logLines = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines++;
      done();
    },
  });
  const logger = winston.createLogger({ level: 'info', format: winston.format.combine(winston.format.timestamp(), winston.format.json()), transports: [new winston.transports.Stream({ stream: sink })] });
  const d = await startHarnessDaemon(port, {
    logger,
    ...(MYSQL_URL ? { store: { client: 'mysql2', url: MYSQL_URL, tablePrefix: TABLE_PREFIX, outboxDir: tmpOutbox() } as never } : {}),
    recording: OPT_IN,
    recordingsDir,
    coaching: { enabled: true, legalNoticeAcknowledged: true, supervisors: { '2001': { extensions: ['1001'], groups: [] } } },
  });
  send({ outbound: d.daemon.outboundPort });
  await d.ready();

  /** A phase's event-loop delay; the ramp's in two histograms, around the bench's heap measurement at half load. */
  const loops = new Map<Phase, IntervalHistogram[]>();
  const seconds = new Map<Phase, number>();
  const began = new Map<Phase, number>();
  let heapBefore = 0;
  let heapHalf = 0;
  const steadyGc = new GcPauses();
  /** Writes waiting for the database at half load, when the heap was about to be taken (it is taken once they are applied). */
  let backlogHalf = 0;
  /** Writes waiting for the database when each phase ended: whether the database keeps up. */
  const waiting = new Map<Phase, number>();
  let liveHalf = 0;
  let heapLive = 0;
  let liveCalls = 0;
  let resyncFigures = { ms: NaN, stall: NaN, live: 0 };
  const serve = async (request: Request): Promise<void> => {
    if (request.kind === 'settle') {
      await Promise.all(request.uuids.map(async (uuid) => (await d.controllerOf(uuid)).done));
      return;
    }
    if (request.kind === 'resync') {
      const h = monitorEventLoopDelay({ resolution: 1 });
      const t0 = performance.now();
      h.enable();
      await d.daemon.resyncNow();
      await new Promise((resolve) => setImmediate(resolve));
      h.disable();
      resyncFigures = { ms: performance.now() - t0, stall: h.max / 1e6, live: d.daemon.registry.size };
      return;
    }
    if (request.kind === 'half') {
      // The forced collections are the bench's, not a stall of the daemon's: a histogram
      // enabled again would count them in its first interval, so the rest gets a new one.
      loops.get('ramp')!.forEach((h) => h.disable());
      backlogHalf = d.daemon.store.queue.status().pending;
      await d.daemon.store.queue.drained();
      heapHalf = heap();
      const rest = monitorEventLoopDelay({ resolution: 1 });
      loops.get('ramp')!.push(rest);
      rest.enable();
      liveHalf = d.daemon.registry.size;
      return;
    }
    if (request.kind === 'start') {
      if (request.phase === 'ramp') heapBefore = heap();
      if (request.phase === 'steady') {
        subscribe(DECISION_CHANNEL, mark);
        steadyGc.start();
      }
      if (HEAP_PROFILE && request.phase === HEAP_PHASE) await startHeapSampling();
      const h = monitorEventLoopDelay({ resolution: 1 });
      loops.set(request.phase, [h]);
      began.set(request.phase, performance.now());
      h.enable();
      return;
    }
    loops.get(request.phase)!.forEach((h) => h.disable());
    waiting.set(request.phase, d.daemon.store.queue.status().pending);
    if (request.phase === 'steady') {
      unsubscribe(DECISION_CHANNEL, mark);
      steadyGc.stop();
    }
    seconds.set(request.phase, (performance.now() - began.get(request.phase)!) / 1000);
    if (HEAP_PROFILE && request.phase === HEAP_PHASE) await stopHeapSampling(HEAP_PROFILE);
    if (request.phase === 'ramp') {
      // Per live call: what the calls hold, not the writes the database has yet to take (on
      // MariaDB the closed-loop ramp outruns it; that backlog, `waiting` at the ramp's end, is printed on its own).
      await d.daemon.store.queue.drained();
      heapLive = heap();
      liveCalls = d.daemon.registry.size;
    }
  };
  child.on('message', (m: ToDaemon) => {
    if (!('request' in m)) return;
    void serve(m.request).then(() => send({ id: m.id, done: true }));
  });
  const figuresArrive = next((m): m is { figures: SideFigures } => 'figures' in m);
  send({ go: true });
  const { figures } = await figuresArrive;

  const latencies = (calls: ReadonlyArray<readonly [string, number]>): number[] =>
    calls.map(([uuid, bridged]) => {
      const written = recordWritten.get(uuid);
      if (written === undefined || written < bridged) throw new Error(`${uuid}: no uuid_record written after its bridge; the bench measures the wrong event`);
      return written - bridged;
    });
  const ramp = latencies(figures.ramp);
  const r = stats(ramp);
  const tenth = Math.max(1, Math.floor(ramp.length / 10));
  const first = stats(ramp.slice(0, tenth));
  const last = stats(ramp.slice(-tenth));
  const c = stats(latencies(figures.churn));
  const st = stats(latencies(figures.steady));
  const stall = (p: Phase): string => `${stallMs(loops.get(p)!).toFixed(1)} ms (${seconds.get(p)!.toFixed(1)} s)`;
  out(`[load] the daemon with consent flow, call controllers, recorder and coaching; FreeSWITCH simulated in another process; ${MYSQL_URL ? 'MariaDB' : 'in-memory SQLite'}, outbox fsync'd`);
  out(`  ${figures.placed} calls placed (waves of ${WAVE}: consent menu, DTMF 1, recording-started, bridge), ${figures.eventsPerCall.toFixed(0)} events fired per call`);
  out(`  deciding event (CHANNEL_BRIDGE fired by the simulator) → uuid_record written on the daemon's socket, wall clock of both processes;`);
  out(`  ramp and churn are closed loop (the next bridge as soon as the last uuid_record came: the daemon never idle), steady is open loop:`);
  out(`    ramp to ${LIVE} live, first ${tenth}   p50 ${ms(first.p50)}  p99 ${ms(first.p99)}  max ${ms(first.max)}`);
  out(`    ramp to ${LIVE} live, last ${tenth}    p50 ${ms(last.p50)}  p99 ${ms(last.p99)}  max ${ms(last.max)}   (last/first p50 ${(last.p50 / first.p50).toFixed(2)}×)`);
  out(`    ramp, all ${String(ramp.length).padEnd(13)}  p50 ${ms(r.p50)}  p99 ${ms(r.p99)}  max ${ms(r.max)}`);
  out(`    at ${LIVE} live, ${figures.churn.length} arriving as others end   p50 ${ms(c.p50)}  p99 ${ms(c.p99)}  max ${ms(c.max)}`);
  out(`    steady at ${LIVE} live, ${figures.steady.length} arriving one every ${((MEAN_CALL_S * 1000) / LIVE).toFixed(0)} ms (calls of ${MEAN_CALL_S} s on average), open loop   p50 ${ms(st.p50)}  p99 ${ms(st.p99)}  max ${ms(st.max)}`);
  out(`      where a steady call's time went (each step from the one before; p50 / p99):`);
  for (const [step, values] of splitDecisions(figures.steady, marks, recordWritten)) {
    const v = stats(values);
    out(`        ${STEP_NAMES[step].padEnd(56)} ${ms(v.p50)} / ${ms(v.p99)}`);
  }
  // The histogram's values are the timer's whole interval (1 ms) plus how late it fired (the
  // steady phase has one histogram; only the ramp's is cut in two).
  const steadyLoop = loops.get('steady')![0]!;
  const late = (q: number): string => `${Math.max(0, steadyLoop.percentile(q) / 1e6 - 1).toFixed(2)} ms`;
  const young = stats(steadyGc.young);
  out(`      under them, the daemon's own event loop in the steady phase: a 1 ms timer fired late by ${late(50)} at p50, ${late(99)} at p99;`);
  out(`      the collector stopped it ${steadyGc.young.length} time(s) for the young generation (p50 ${young.p50.toFixed(2)}, p99 ${young.p99.toFixed(2)}, max ${young.max.toFixed(2)} ms) and ${steadyGc.full.length} time(s) for a full collection${steadyGc.full.length ? ` (max ${Math.max(...steadyGc.full).toFixed(2)} ms)` : ''}`);
  const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
  out(`  heap per live call, the daemon's process alone, after GC: ${kib((heapLive - heapHalf) / (liveCalls - liveHalf))} from ${liveHalf} to ${liveCalls} live; ${kib((heapLive - heapBefore) / liveCalls)} from none to ${liveCalls} live (with code compiled on the way), taken once the write queue had applied the ${backlogHalf} and ${waiting.get('ramp')} writes waiting for the database`);
  out(`  longest event-loop stall of the daemon: ramp ${stall('ramp')}, churn ${stall('churn')}, steady ${stall('steady')}, burst ${stall('burst')}`);
  out(`  writes waiting for the database (fsync'd in the outbox) as each phase ended: ramp ${waiting.get('ramp')}, churn ${waiting.get('churn')}, steady ${waiting.get('steady')}, burst ${waiting.get('burst')}`);
  out(`  call table rebuilt from show channels (every 60 s in production) at ${resyncFigures.live} live: ${resyncFigures.ms.toFixed(1)} ms, longest stall ${resyncFigures.stall.toFixed(1)} ms`);
  out(`  burst: ${BURST} simultaneous hangups finished (rows written, recordings checked) in ${seconds.get('burst')!.toFixed(2)} s`);
  out(`  log lines at level info: ${logLines} (${(logLines / figures.placed).toFixed(1)} per call)`);
  out(`  FreeSWITCH's side had to queue (a socket write found the daemon's socket full): ${figures.backpressure} time(s)`);
  const perCall = (heapLive - heapHalf) / (liveCalls - liveHalf);
  // Judged where the issue sets it: at LIVE live calls arriving and ending as in a contact centre
  // (the steady phase); the ramp and churn feed calls as fast as the daemon takes them (stress).
  target(`deciding event → uuid_record p99 at ${LIVE} live, steady arrivals`, `${st.p99.toFixed(1)} ms (stress, closed loop: ramp ${r.p99.toFixed(1)} ms, churn ${c.p99.toFixed(1)} ms)`, '< 1 ms', st.p99 < 1);
  target('heap per live call, the whole daemon', kib(perCall), '≤ 10 KiB', perCall <= 10 * 1024);
  target(`longest stall, ${BURST} hangups at once, the whole daemon`, `${stallMs(loops.get('burst')!).toFixed(1)} ms`, '≤ 50 ms', stallMs(loops.get('burst')!) <= 50);
  await d.stop();
  child.kill();
  rmSync(recordingsDir, { recursive: true, force: true });
  if (MYSQL_URL) {
    const knex = createStoreKnex({ client: 'mysql2', url: MYSQL_URL });
    await dropPrefixedTables(knex, TABLE_PREFIX);
    await knex.destroy();
  }
}

/** The FreeSWITCH side (a child process): the simulator and the calls it is made to carry. */
async function freeswitch(recordingsDir: string, parent: ChildProcess | NodeJS.Process): Promise<void> {
  const send = (msg: ToDaemon): void => void parent.send!(msg);
  const waiting = new Map<number, () => void>();
  let asked = 0;
  let goAhead!: () => void;
  const go = new Promise<void>((resolve) => (goAhead = resolve));
  let sim!: Simulator;
  parent.on('message', (m: ToFreeswitch) => {
    if ('outbound' in m) sim.outbound = { host: '127.0.0.1', port: m.outbound };
    else if ('go' in m) goAhead();
    else if ('done' in m) waiting.get(m.id)?.();
  });
  const ask = (request: Request): Promise<void> =>
    new Promise((resolve) => {
      const id = ++asked;
      waiting.set(id, () => {
        waiting.delete(id);
        resolve();
      });
      send({ id, request });
    });

  sim = new Simulator({ recordingsDir, heartbeatSeconds: 0, sparseRecordings: true, waitTimeoutMs: 60_000, dialplan: groupDialplan(() => sim) });
  // The simulator's logs of every event and command are for tests' assertions: here they are
  // counted and timed, not kept. Commands are logged as they are parsed off the socket.
  const bridgedAt = new Map<string, number>();
  const recordAt = new Map<string, number>();
  const recordWanted = new Map<string, () => void>();
  let eventsFired = 0;
  (sim.events as SimEvent[]).push = (...events: SimEvent[]): number => {
    for (const e of events) if (e.name === 'CHANNEL_BRIDGE' && e.uuid !== undefined && !bridgedAt.has(e.uuid)) bridgedAt.set(e.uuid, wallMs());
    eventsFired += events.length;
    return 0;
  };
  (sim.received as ReceivedCommand[]).push = (...commands: ReceivedCommand[]): number => {
    for (const c of commands) {
      const m = /^api uuid_record (\S+) start /.exec(c.line);
      if (m && !recordAt.has(m[1]!)) {
        recordAt.set(m[1]!, wallMs());
        recordWanted.get(m[1]!)?.();
      }
    }
    return 0;
  };
  const recordArrived = (uuid: string): Promise<void> =>
    recordAt.has(uuid)
      ? Promise.resolve()
      : new Promise((resolve) =>
          recordWanted.set(uuid, () => {
            recordWanted.delete(uuid);
            resolve();
          }),
        );

  send({ port: await sim.listen(0) });
  await go;

  let placed = 0;
  const live: CallHandle[] = [];

  /** The agent answers; once the daemon's uuid_record arrived, the call's bridge time goes to `into` and the call is live. */
  async function answeredAndRecorded(c: CallHandle, into: Array<readonly [string, number]>): Promise<void> {
    await sim.agentAnswers(c, '1001');
    await recordArrived(c.uuid);
    const from = bridgedAt.get(c.uuid);
    const to = recordAt.get(c.uuid)!;
    if (from === undefined || to < from) throw new Error(`${c.uuid}: uuid_record came before the bridge; the bench measures the wrong event`);
    into.push([c.uuid, from]);
    bridgedAt.delete(c.uuid);
    recordAt.delete(c.uuid);
    live.push(c);
  }

  /** WAVE calls: all hear the consent menu at once and press 1; then each agent answers in turn. */
  async function wave(n: number, bridges: Array<readonly [string, number]>): Promise<void> {
    const calls = Array.from({ length: n }, () => sim.placeCall({ from: String(1_000_000 + placed++), to: '5000' }));
    const atMenu = (c: CallHandle): boolean => c.caller.awaitingDigits || !c.caller.ch.alive;
    await sim.until(() => calls.every((c) => c.caller.runningApp === 'play_and_get_digits' || !c.caller.ch.alive), 'the consent menus');
    while (!calls.every(atMenu)) await sim.advance(50);
    for (const c of calls) sim.press(c, '1');
    const ringing = (c: CallHandle): boolean => c.agent?.farEnd === 'ringing';
    for (;;) {
      await sim.until(() => calls.every((c) => ringing(c) || playing(c)), 'the agents ringing');
      if (calls.every(ringing)) break;
      await sim.advance(50);
    }
    for (const c of calls) await answeredAndRecorded(c, bridges);
  }

  /** Hangs up calls and resolves when the daemon has finished each (row, recording checked). */
  async function hangUp(calls: readonly CallHandle[]): Promise<void> {
    for (const c of calls) sim.hangup(c);
    await sim.advance(1000);
    await ask({ kind: 'settle', uuids: calls.map((c) => c.uuid) });
  }

  const ramp: Array<readonly [string, number]> = [];
  const churn: Array<readonly [string, number]> = [];
  const started = performance.now();
  await ask({ kind: 'start', phase: 'ramp' });
  const eventsBefore = eventsFired;
  let halfMarked = false;
  while (live.length < LIVE) {
    if (!halfMarked && live.length >= LIVE / 2) {
      halfMarked = true;
      await ask({ kind: 'half' });
    }
    await wave(Math.min(WAVE, LIVE - live.length), ramp);
    progress(`${live.length} live calls after ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  await ask({ kind: 'end', phase: 'ramp' });

  // Continuous arrivals and departures at full load: the oldest call ends, a new one arrives.
  await ask({ kind: 'start', phase: 'churn' });
  for (let i = 0; i < CHURN; i += 10) {
    const leaving = live.splice(0, 10);
    await hangUp(leaving);
    await wave(leaving.length, churn);
  }
  await ask({ kind: 'end', phase: 'churn' });
  const eventsPerCall = (eventsFired - eventsBefore) / placed;

  await ask({ kind: 'resync' });

  // Open loop: calls arrive on a schedule, not when the daemon is done with the last one;
  // FreeSWITCH's clock runs with the wall clock, so prompts and hangups take their time.
  const steady: Array<readonly [string, number]> = [];
  const every = (MEAN_CALL_S * 1000) / LIVE;
  let ticking = true;
  const ticker = (async (): Promise<void> => {
    while (ticking) {
      const before = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 10));
      await sim.advance(performance.now() - before);
    }
  })();
  const steadyCall = async (): Promise<void> => {
    const c = sim.placeCall({ from: String(1_000_000 + placed++), to: '5000' });
    await sim.until(() => c.caller.awaitingDigits || !c.caller.ch.alive, 'a consent menu');
    sim.press(c, '1');
    await answeredAndRecorded(c, steady);
  };
  await ask({ kind: 'start', phase: 'steady' });
  const arrivals: Array<Promise<void>> = [];
  const leaving: CallHandle[] = [];
  const steadyFrom = performance.now();
  for (let i = 0; i < STEADY; i++) {
    const due = steadyFrom + i * every - performance.now();
    if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    const oldest = live.shift();
    if (oldest) {
      sim.hangup(oldest);
      leaving.push(oldest);
    }
    arrivals.push(steadyCall());
  }
  await Promise.all(arrivals);
  await ask({ kind: 'settle', uuids: leaving.map((c) => c.uuid) });
  ticking = false;
  await ticker;
  await ask({ kind: 'end', phase: 'steady' });

  // The burst: half the calls hang up in the same instant.
  await ask({ kind: 'start', phase: 'burst' });
  await hangUp(live.splice(0, BURST));
  await ask({ kind: 'end', phase: 'burst' });
  send({ figures: { placed, eventsPerCall, ramp, churn, steady, backpressure: sim.backpressureCount } });
}

const fail = (err: Error): void => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
};
if (process.argv[2] === '--freeswitch') freeswitch(process.argv[3]!, process).catch(fail);
else
  main().then(
    () => {
      removeRunTempDir();
      process.exit(0);
    },
    (err: Error) => {
      removeRunTempDir();
      fail(err);
    },
  );

/**
 * BENCH_LOAD_HEAP_PROFILE=file: V8's sampling heap profile of one phase (BENCH_LOAD_HEAP_PHASE,
 * default steady), keeping the samples of objects a major collection freed (what outlived the
 * young generation and then died: the collector's long pauses). Open it in Chrome DevTools
 * (Memory → Load).
 */
let heapSession: import('node:inspector').Session | undefined;
async function startHeapSampling(): Promise<void> {
  const { Session } = await import('node:inspector');
  heapSession = new Session();
  heapSession.connect();
  await new Promise<void>((res, rej) => heapSession!.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false } as never, (e) => (e ? rej(e) : res())));
}
async function stopHeapSampling(file: string): Promise<void> {
  const profile = await new Promise<unknown>((res, rej) => heapSession!.post('HeapProfiler.stopSampling', (e, r) => (e ? rej(e) : res(r.profile))));
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, JSON.stringify(profile));
  heapSession!.disconnect();
}
