// `make bench` (second part): the call registry's leak test at a size that takes minutes — 100,000
// calls, 50 at a time — printing the heap as calls finish. Issue 12's target: the heap after
// 100,000 finished calls within 5 % of the heap after the first 1,000. What the registry keeps
// for ended calls is fixed up front (the 10,000 tombstones of recently ended channel UUIDs, by
// which late events after CHANNEL_DESTROY are dropped, are typed arrays allocated in the
// constructor), so nothing should grow after the first mark.
// "Heap" here is heapUsed + arrayBuffers (process.memoryUsage()): a typed array's backing
// store lives outside V8's heap, so heapUsed alone would not count the tombstones (or the
// dedup window) at all; both are counted, from the first mark on.

import { performance } from 'node:perf_hooks';
import { churnRegistry } from '../test/streams/registry-churn';
import { target } from './target';

const CALLS = Number(process.env.BENCH_CHURN_CALLS ?? 100_000);
const MARKS = [1_000, 10_000, 50_000, CALLS].filter((n, i, all) => n <= CALLS && all.indexOf(n) === i);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const heap = (): number => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

// Warm-up: a registry of its own runs 10,000 calls first and is dropped. Without it the first
// mark held V8's own start-up state — code compiled and bytecode not yet flushed for paths
// first taken in those calls, ±200 KiB of a 6.7 MiB heap from run to run — and the figure
// swung between −5.7 and +0.8 %; the measured registry's first 1,000 calls are still its first.
churnRegistry(10_000, 50, () => undefined);

const at = new Map<number, number>();
const started = performance.now();
const r = churnRegistry(CALLS, 50, (done) => {
  if (MARKS.includes(done) && done !== CALLS) at.set(done, heap());
});
const seconds = (performance.now() - started) / 1000;
at.set(CALLS, heap());
const leaked = r.registry.size + r.registry.routeCount + r.registry.gauges.openGroups + r.registry.gauges.activeSubscriptions;
const mib = (b: number): string => `${(b / 1048576).toFixed(2)} MiB`;
console.log(`registry churn: ${CALLS} calls (50 concurrent) in ${seconds.toFixed(1)} s, ${Math.round(CALLS / seconds)} calls/s`);
console.log(`  heap after GC (heapUsed + arrayBuffers): ${MARKS.map((n) => `${n.toLocaleString('en')} calls ${mib(at.get(n)!)}`).join(', ')}`);
const first = at.get(MARKS[0]!)!;
const full = at.get(10_000);
const end = at.get(CALLS)!;
const percent = (from: number): string => `${(((end - from) / from) * 100).toFixed(1)} %`;
target(`heap after ${CALLS.toLocaleString('en')} calls vs after the first 1,000`, percent(first), 'within 5 %', Math.abs((end - first) / first) <= 0.05);
if (full !== undefined && CALLS > 10_000) console.log(`  after ${CALLS.toLocaleString('en')} vs after 10,000: ${percent(full)}`);
console.log(`  calls ended ${r.ended}/${CALLS}; registry entries, routes, groups and subscriptions left: ${leaked}`);
if (r.ended !== CALLS || leaked !== 0) process.exitCode = 1;
