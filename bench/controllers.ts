// `make bench-controllers`: the daemon WITH the consent flow, call controllers and recorder at N live calls —
// deciding event → uuid_record latency as live calls grow, heap per live call, longest event-loop stall.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { SimEvent } from '../src/simulator/events';
import type { ReceivedCommand } from '../src/simulator/connection';
import { agentPicksUp, hotline, startHarness, type Harness } from '../test/calls/call-harness';

const CALLS = Number(process.env.BENCH_LIVE_CALLS ?? 300);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const OPT_IN = { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } };

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function stats(values: readonly number[]): { p50: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1] ?? NaN };
}

const ms = (v: number): string => `${v.toFixed(2).padStart(7)} ms`;

async function main(): Promise<void> {
  const recordingsDir = mkdtempSync(join(tmpdir(), 'callwarden-bench-rec-'));
  const h: Harness = await startHarness({ recording: OPT_IN, recordingsDir });
  const { sim, daemon } = h;
  await daemon.inbound.ready();
  // Wall-clock marks: when the simulator fires the deciding event (the caller's bridge to the
  // agent; consent was given before it), and when it receives the uuid_record for that call.
  const bridgedAt = new Map<string, number>();
  const recordAt = new Map<string, number>();
  const log = sim.events as SimEvent[];
  const logPush = log.push.bind(log);
  log.push = (...events: SimEvent[]): number => {
    for (const e of events) if (e.name === 'CHANNEL_BRIDGE' && e.uuid !== undefined && !bridgedAt.has(e.uuid)) bridgedAt.set(e.uuid, performance.now());
    return logPush(...events);
  };
  const received = sim.received as ReceivedCommand[];
  const receivedPush = received.push.bind(received);
  received.push = (...cmds: ReceivedCommand[]): number => {
    for (const c of cmds) {
      const m = /^api uuid_record (\S+) start /.exec(`${c.line} ${c.body ?? ''}`.trim() + ' ');
      if (m && !recordAt.has(m[1]!)) recordAt.set(m[1]!, performance.now());
    }
    return receivedPush(...cmds);
  };

  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const latencies: number[] = [];
  const handles = [];
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) {
    const call = sim.placeCall({ from: String(100_000 + i), to: '5000' });
    await sim.expectPrompt(call);
    sim.press(call, '1');
    await agentPicksUp(sim, call);
    await sim.until(() => recordAt.has(call.uuid), 'uuid_record');
    const from = bridgedAt.get(call.uuid);
    const to = recordAt.get(call.uuid)!;
    if (from === undefined || to < from) throw new Error(`call ${i}: uuid_record came before the bridge; the bench measures the wrong event`);
    latencies.push(to - from);
    handles.push(call);
    if ((i + 1) % 25 === 0) process.stderr.write(`  … ${i + 1} live calls after ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const setupMs = performance.now() - started;
  loop.disable();
  const setupStallMs = loop.max / 1e6;
  gc();
  const heapLive = process.memoryUsage().heapUsed;
  const live = daemon.registry.size;

  // No hangup burst here: the simulator writes each recording's audio for its whole virtual
  // length when it stops (gigabytes at a few hundred calls), which would measure the disk, not
  // the daemon. The process exits with the calls live; their files are never written.
  const tenth = Math.max(1, Math.floor(CALLS / 10));
  const first = stats(latencies.slice(0, tenth));
  const last = stats(latencies.slice(-tenth));
  const all = stats(latencies);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`[controllers] ${CALLS} calls, each: prompt, DTMF 1, bridge, recording (opt-in, sealed evidence, in-memory SQLite); simulator in the same process`);
  out(`  deciding event (CHANNEL_BRIDGE fired) → uuid_record received, wall clock (includes 4 uuid_setvar round trips before it):`);
  out(`    first ${tenth} calls (0–${tenth - 1} other live)        p50 ${ms(first.p50)}  p99 ${ms(first.p99)}  max ${ms(first.max)}`);
  out(`    last ${tenth} calls (${CALLS - tenth}–${CALLS - 1} other live)   p50 ${ms(last.p50)}  p99 ${ms(last.p99)}  max ${ms(last.max)}`);
  out(`    all                                   p50 ${ms(all.p50)}  p99 ${ms(all.p99)}  max ${ms(all.max)}`);
  out(`    ratio last/first p50: ${(last.p50 / first.p50).toFixed(2)}×   p99: ${(last.p99 / first.p99).toFixed(2)}×`);
  out(`  heap per live call (${live} live, after GC, daemon + simulator model): ${((heapLive - heapBefore) / live / 1024).toFixed(1)} KiB`);
  out(`  longest event-loop stall while calls were set up (${(setupMs / 1000).toFixed(1)} s): ${setupStallMs.toFixed(1)} ms`);
  rmSync(recordingsDir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
