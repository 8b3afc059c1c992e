// `make bench` (second part): the call registry's leak test at a size that takes minutes — 100,000
// calls, 50 at a time — printing the heap after the first 1,000 and at the end (flat = no leak).

import { performance } from 'node:perf_hooks';
import { churnRegistry } from '../test/streams/registry-churn';

const CALLS = Number(process.env.BENCH_CHURN_CALLS ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const heap = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};

let afterFirst = 0;
const started = performance.now();
const r = churnRegistry(CALLS, 50, (done) => {
  if (done === 1_000) afterFirst = heap();
});
const seconds = (performance.now() - started) / 1000;
const end = heap();
const leaked = r.registry.size + r.registry.routeCount + r.registry.gauges.openGroups + r.registry.gauges.activeSubscriptions;
console.log(`registry churn: ${CALLS} calls (50 concurrent) in ${seconds.toFixed(1)} s, ${Math.round(CALLS / seconds)} calls/s`);
console.log(`  heap after 1,000 calls ${(afterFirst / 1048576).toFixed(1)} MiB, after ${CALLS} ${(end / 1048576).toFixed(1)} MiB (${(((end - afterFirst) / afterFirst) * 100).toFixed(1)} %)`);
console.log(`  calls ended ${r.ended}/${CALLS}; registry entries, routes, groups and subscriptions left: ${leaked}`);
if (r.ended !== CALLS || leaked !== 0) process.exitCode = 1;
