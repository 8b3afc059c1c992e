// `make bench` (third part): the whole daemon — consent flow, call controllers, recorder, coaching —
// at BENCH_LOAD_CALLS (default 2,000) live calls arriving and ending continuously, then a burst of
// half of them hanging up at once. Issue 12 point 1: deciding event → uuid_record, heap per live
// call, the longest event-loop stall, whether FreeSWITCH's side ever had to queue.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { CallHandle } from '../src/simulator';
import type { ReceivedCommand } from '../src/simulator/connection';
import type { SimEvent } from '../src/simulator/events';
import { Simulator } from '../src/simulator/simulator';
import { createStoreKnex } from '../src/store/store-knex';
import { groupDialplan, hotline, playing, startHarness, tmpOutbox, type Harness } from '../test/calls/call-harness';
import { dropPrefixedTables } from '../test/store/test-backends';

const LIVE = Number(process.env.BENCH_LOAD_CALLS ?? 2000);
/** Calls set up at once (their prompts overlap); agents then answer one after another. */
const WAVE = Number(process.env.BENCH_LOAD_WAVE ?? 100);
/** At full load: this many calls end and as many arrive, one for one. */
const CHURN = Number(process.env.BENCH_LOAD_CHURN ?? Math.max(1, Math.round(LIVE / 10)));
const BURST = Math.floor(LIVE / 2);
/** The store as production runs it (MariaDB, a pool) instead of in-memory SQLite's single connection. */
const MYSQL_URL = process.env.BENCH_LOAD_MYSQL_URL ?? '';
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

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function stats(values: readonly number[]): { p50: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1] ?? NaN };
}

const ms = (v: number): string => `${v.toFixed(2).padStart(7)} ms`;
const out = (line: string): void => void process.stdout.write(`${line}\n`);
const progress = (line: string): void => void process.stderr.write(`  … ${line}\n`);

function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function stallMs(h: IntervalHistogram): number {
  return h.max / 1e6;
}

async function main(): Promise<void> {
  const recordingsDir = mkdtempSync(join(tmpdir(), 'callwarden-bench-load-'));
  let simRef: Simulator | undefined;
  const sim = new Simulator({ recordingsDir, heartbeatSeconds: 0, sparseRecordings: true, waitTimeoutMs: 60_000, dialplan: groupDialplan(() => simRef!) });
  simRef = sim;
  const h: Harness = await startHarness({
    sim,
    ...(MYSQL_URL ? { store: { client: 'mysql2', url: MYSQL_URL, tablePrefix: TABLE_PREFIX, outboxDir: tmpOutbox() } as never } : {}),
    recording: OPT_IN,
    recordingsDir,
    wakeSimOnCallUpdates: false,
    coaching: { enabled: true, legalNoticeAcknowledged: true, supervisors: { '2001': { extensions: ['1001'], groups: [] } } },
  });
  const { daemon } = h;

  // Wall-clock marks: when the simulator fires the deciding event (the agent answered:
  // CHANNEL_BRIDGE; the caller's 1 came before it), and when the daemon writes its uuid_record
  // for that call on the socket (issue 12: "written on the socket"). Only the daemon writes api
  // commands, so a socket write that starts with one is the daemon's.
  const bridgedAt = new Map<string, number>();
  const recordAt = new Map<string, number>();
  let waitingFor: { uuid: string; resolve: () => void } | undefined;
  // The simulator's logs of every event and command are for tests' assertions: here they are
  // counted and not kept, so the heap figure is the daemon's and the channel model's, not a log's.
  let eventsFired = 0;
  const log = sim.events as SimEvent[];
  log.push = (...events: SimEvent[]): number => {
    for (const e of events) if (e.name === 'CHANNEL_BRIDGE' && e.uuid !== undefined && !bridgedAt.has(e.uuid)) bridgedAt.set(e.uuid, performance.now());
    eventsFired += events.length;
    return 0;
  };
  const received = sim.received as ReceivedCommand[];
  received.push = (): number => 0;
  const write = Socket.prototype.write as (this: Socket, data: unknown, ...rest: unknown[]) => boolean;
  Socket.prototype.write = function (this: Socket, data: unknown, ...rest: unknown[]): boolean {
    const head = typeof data === 'string' ? data.slice(0, 64) : Buffer.isBuffer(data) ? data.toString('latin1', 0, 64) : '';
    const m = /^api uuid_record (\S+) start /.exec(head);
    if (m && !recordAt.has(m[1]!)) {
      recordAt.set(m[1]!, performance.now());
      if (waitingFor?.uuid === m[1]) waitingFor.resolve();
    }
    return write.call(this, data, ...rest);
  } as typeof Socket.prototype.write;
  const recordSent = (uuid: string): Promise<void> =>
    recordAt.has(uuid) ? Promise.resolve() : new Promise((resolve) => (waitingFor = { uuid, resolve }));

  let placed = 0;
  const live: CallHandle[] = [];

  /** WAVE calls: all hear the consent menu at once and press 1; then each agent answers in turn. */
  async function wave(n: number, latencies: number[]): Promise<void> {
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
    for (const c of calls) {
      await sim.agentAnswers(c, '1001');
      await recordSent(c.uuid);
      const from = bridgedAt.get(c.uuid);
      const to = recordAt.get(c.uuid)!;
      if (from === undefined || to < from) throw new Error(`${c.uuid}: uuid_record came before the bridge; the bench measures the wrong event`);
      latencies.push(to - from);
      bridgedAt.delete(c.uuid);
      live.push(c);
    }
  }

  /** Hangs up calls and resolves when the daemon has finished each (row, recording checked). */
  async function hangUp(calls: readonly CallHandle[]): Promise<void> {
    const controllers = await Promise.all(calls.map((c) => h.controllerOf(c.uuid)));
    for (const c of calls) sim.hangup(c);
    await sim.advance(1000);
    await Promise.all(controllers.map((c) => c.done));
  }

  await daemon.store.queue.ready();
  const heapBefore = heap();
  const eventsBefore = eventsFired;
  const rampLoop = monitorEventLoopDelay({ resolution: 1 });
  rampLoop.enable();
  const ramp: number[] = [];
  const started = performance.now();
  while (live.length < LIVE) {
    await wave(Math.min(WAVE, LIVE - live.length), ramp);
    progress(`${live.length} live calls after ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const rampSeconds = (performance.now() - started) / 1000;
  rampLoop.disable();
  const heapLive = heap();
  const liveCalls = daemon.registry.size;

  // Continuous arrivals and departures at full load: the oldest call ends, a new one arrives.
  const churnLoop = monitorEventLoopDelay({ resolution: 1 });
  churnLoop.enable();
  const churn: number[] = [];
  const churnStarted = performance.now();
  for (let i = 0; i < CHURN; i += 10) {
    const leaving = live.splice(0, 10);
    await hangUp(leaving);
    await wave(leaving.length, churn);
  }
  const churnSeconds = (performance.now() - churnStarted) / 1000;
  churnLoop.disable();
  const eventsPerCall = (eventsFired - eventsBefore) / placed;

  // The burst: half the calls hang up in the same instant.
  const burstLoop = monitorEventLoopDelay({ resolution: 1 });
  burstLoop.enable();
  const burstStarted = performance.now();
  await hangUp(live.splice(0, BURST));
  const burstSeconds = (performance.now() - burstStarted) / 1000;
  burstLoop.disable();

  const r = stats(ramp);
  const tenth = Math.max(1, Math.floor(ramp.length / 10));
  const first = stats(ramp.slice(0, tenth));
  const last = stats(ramp.slice(-tenth));
  const c = stats(churn);
  out(`[load] the daemon with consent flow, call controllers, recorder and coaching; simulator in the same process; ${MYSQL_URL ? 'MariaDB' : 'in-memory SQLite'}, outbox fsync'd`);
  out(`  ${placed} calls placed (waves of ${WAVE}: consent menu, DTMF 1, recording-started, bridge), ${eventsPerCall.toFixed(0)} events fired per call`);
  out(`  deciding event (CHANNEL_BRIDGE fired by the simulator) → uuid_record written on the daemon's socket, wall clock:`);
  out(`    ramp to ${LIVE} live, first ${tenth}   p50 ${ms(first.p50)}  p99 ${ms(first.p99)}  max ${ms(first.max)}`);
  out(`    ramp to ${LIVE} live, last ${tenth}    p50 ${ms(last.p50)}  p99 ${ms(last.p99)}  max ${ms(last.max)}   (last/first p50 ${(last.p50 / first.p50).toFixed(2)}×)`);
  out(`    ramp, all ${String(ramp.length).padEnd(13)}  p50 ${ms(r.p50)}  p99 ${ms(r.p99)}  max ${ms(r.max)}`);
  out(`    at ${LIVE} live, ${churn.length} arriving as others end   p50 ${ms(c.p50)}  p99 ${ms(c.p99)}  max ${ms(c.max)}`);
  out(`  heap per live call (${liveCalls} live, after GC; daemon + the simulator's channel model): ${((heapLive - heapBefore) / liveCalls / 1024).toFixed(1)} KiB`);
  out(`  longest event-loop stall: ramp ${stallMs(rampLoop).toFixed(1)} ms (${rampSeconds.toFixed(1)} s), churn ${stallMs(churnLoop).toFixed(1)} ms (${churnSeconds.toFixed(1)} s), burst ${stallMs(burstLoop).toFixed(1)} ms`);
  out(`  burst: ${BURST} simultaneous hangups finished (rows written, recordings checked) in ${burstSeconds.toFixed(2)} s`);
  out(`  FreeSWITCH's side had to queue (a socket write found the daemon's socket full): ${sim.backpressureCount} time(s)`);
  await h.stop();
  rmSync(recordingsDir, { recursive: true, force: true });
  if (MYSQL_URL) {
    const knex = createStoreKnex({ client: 'mysql2', url: MYSQL_URL });
    await dropPrefixedTables(knex, TABLE_PREFIX);
    await knex.destroy();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
